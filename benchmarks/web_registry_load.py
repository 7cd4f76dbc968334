"""Benchmark: the filtered breach list and its JSON twin under 20 concurrent clients.

Starts ``phiwatch serve`` (uvicorn) on a free 127.0.0.1 port over a new SQLite
store holding the bundled portal snapshot (7,012 breaches), then runs 20
concurrent keep-alive clients against

* ``/registry/breaches.json?type=hacking&since=2015-01-01&sort=-affected`` (JSON twin)
* ``/registry/breaches?type=hacking&since=2015-01-01&sort=-affected``      (HTML page)

authenticated with an API token, for a fixed number of requests each, after a
warm-up. Reports p50/p95/p99 latency and requests per second, for each
``--workers`` count asked for (default: 1 and 2 processes).

The clients are a minimal HTTP/1.1 keep-alive loop on asyncio streams in this
process (a general-purpose client such as httpx spends more CPU per request
than the server does, and the clients share the server's two cores). Each
response's status and length are checked. As a reference, the same clients
run against a bare FastAPI route returning a constant JSON object, served by
the same uvicorn: the floor of any page on this stack.

Goals (issue 3): p95 under 50 ms for the JSON twin and under 100 ms for the
HTML page on a 2-core machine.

Latency under load depends on whatever else the machine runs, so the script
also reports what one request costs the server in CPU, which does not: the
same two addresses called N times in this process straight through the ASGI
app (no socket, no HTTP parsing; ``time.process_time``, so worker threads
count), signed in with the same token, both as served (the page cache warm)
and with the page cache emptied before every request (the full route:
validation, the view on a worker thread, rendering; the registry's own query
cache still warm), next to the bare FastAPI route called the same way.
``--in-process-only`` prints just that table (a few seconds).

Usage: python benchmarks/web_registry_load.py [--requests 2000] [--clients 20] [--workers 1 2]
       python benchmarks/web_registry_load.py --in-process-only [--calls 2000]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

QUERY = "type=hacking&since=2015-01-01&sort=-affected"
TARGETS = {
    "JSON twin": f"/registry/breaches.json?{QUERY}",
    "HTML page": f"/registry/breaches?{QUERY}",
}
# The worst case for the page cache: every request asks for a view never asked before
# (its own minimum of individuals), so neither the page cache nor the registry's query
# cache can answer it. ``{n}`` is a number used once.
NEW_VIEW_TARGETS = {
    "JSON twin, a new view each request": f"/registry/breaches.json?{QUERY}&min_affected={{n}}",
    "HTML page, a new view each request": f"/registry/breaches?{QUERY}&min_affected={{n}}",
}

# The floor: a bare FastAPI app with one constant route, on the same uvicorn settings.
_BARE_APP = textwrap.dedent(
    """
    import sys, uvicorn
    from fastapi import FastAPI
    app = FastAPI()

    @app.get("/bare.json")
    async def bare() -> dict:
        return {"ok": True, "rows": [{"id": i, "entity": "x" * 20} for i in range(50)]}

    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning",
                access_log=False)
    """
)


class _AsgiCaller:
    """Calls an ASGI app directly with a GET, as uvicorn would after parsing the request."""

    def __init__(self, app: Any, token: str | None) -> None:
        self.app = app
        self.headers = [(b"host", b"127.0.0.1")]
        if token:
            self.headers.append((b"authorization", f"Bearer {token}".encode()))

    async def get(self, target: str) -> int:
        path, _, query = target.partition("?")
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "GET",
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "query_string": query.encode(),
            "root_path": "",
            "headers": self.headers,
            "client": ("127.0.0.1", 40000),
            "server": ("127.0.0.1", 8000),
        }
        status = 0

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]

        await self.app(scope, receive, send)
        if status != 200:
            raise RuntimeError(f"{target} answered {status}")
        return status


def _cpu_per_call(
    caller: _AsgiCaller, target: str, calls: int, before_each: Callable[[], None] | None = None
) -> float:
    """Milliseconds of process CPU (all threads) per call, after a warm-up."""

    async def run(count: int) -> None:
        for _ in range(count):
            if before_each is not None:
                before_each()
            await caller.get(target)

    asyncio.run(run(50))
    start = time.process_time()
    asyncio.run(run(calls))
    return (time.process_time() - start) / calls * 1000


def _in_process(data_dir: Path, token: str, calls: int) -> list[tuple[str, float]]:
    """CPU per request through the ASGI apps in this process: the figure load cannot blur."""
    from fastapi import FastAPI

    from phiwatch.config import load_settings
    from phiwatch.web import create_app

    app = create_app(load_settings(environ={}, data_dir=str(data_dir)))
    caller = _AsgiCaller(app, token)
    cache = getattr(app.state.phiwatch, "page_cache", None)  # None: a build before the cache
    rows = []
    for name, target in TARGETS.items():
        rows.append((f"{name}, as served", _cpu_per_call(caller, target, calls)))
        if cache is not None:
            emptied = _cpu_per_call(caller, target, calls, cache.clear)
            rows.append((f"{name}, page cache emptied", emptied))
    bare = FastAPI()

    @bare.get("/bare.json")
    async def bare_route() -> dict[str, Any]:
        return {"ok": True, "rows": [{"id": i, "entity": "x" * 20} for i in range(50)]}

    rows.append(("bare FastAPI route", _cpu_per_call(_AsgiCaller(bare, None), "/bare.json", calls)))
    app.state.phiwatch.store.close()
    return rows


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _phiwatch(data_dir: Path, *args: str) -> str:
    env = {**os.environ, "PHIWATCH_DATA_DIR": str(data_dir)}
    done = subprocess.run(
        [sys.executable, "-m", "phiwatch", *args],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


def _prepare(data_dir: Path) -> str:
    """Load the bundled snapshot, create an analyst and a token; returns the token."""
    _phiwatch(data_dir, "registry", "import", "--bundled")
    from phiwatch.config import load_settings
    from phiwatch.security import Role, add_user, create_token
    from phiwatch.store import open_store

    settings = load_settings(environ={}, data_dir=str(data_dir))
    store = open_store(settings)
    add_user(store, settings, "bench", Role.analyst, password="benchmark password 1234")
    token = create_token(store, settings, "bench", "load benchmark", read_only=True)[1]
    store.close()
    return token


class Connection:
    """One keep-alive HTTP/1.1 connection: send a GET, read exactly one response."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, port: int) -> Connection:
        return cls(*await asyncio.open_connection("127.0.0.1", port))

    async def get(self, request: bytes) -> tuple[int, bytes]:
        self.writer.write(request)
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers = {
            name.strip().lower(): value.strip()
            for name, _, value in (line.partition(":") for line in lines[1:] if line)
        }
        if headers.get("transfer-encoding") == "chunked":
            body = bytearray()
            while size := int((await self.reader.readuntil(b"\r\n")).strip(), 16):
                body += await self.reader.readexactly(size + 2)
                del body[-2:]
            await self.reader.readuntil(b"\r\n")
            return status, bytes(body)
        return status, await self.reader.readexactly(int(headers["content-length"]))

    def close(self) -> None:
        self.writer.close()


def _request(path: str, token: str | None) -> bytes:
    auth = f"Authorization: Bearer {token}\r\n" if token else ""
    return f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{auth}\r\n".encode()


async def _client(
    port: int, request: Callable[[], bytes], count: int, latencies: list[float]
) -> None:
    connection = await Connection.open(port)
    try:
        for _ in range(count):
            message = request()
            start = time.perf_counter()
            status, body = await connection.get(message)
            latencies.append(time.perf_counter() - start)
            if status != 200:
                raise RuntimeError(f"answered {status}: {body[:200]!r}")
    finally:
        connection.close()


async def _load(
    port: int, path: str, token: str | None, clients: int, total: int
) -> dict[str, float]:
    numbers = itertools.count(500)  # distinct only where the path holds {n}

    def request() -> bytes:
        return _request(path.replace("{n}", str(next(numbers))), token)

    await asyncio.gather(*(_client(port, request, 10, []) for _ in range(clients)))  # warm-up
    latencies: list[float] = []
    per_client = max(1, total // clients)
    start = time.perf_counter()
    await asyncio.gather(*(_client(port, request, per_client, latencies) for _ in range(clients)))
    elapsed = time.perf_counter() - start
    cuts = statistics.quantiles(latencies, n=100)
    return {
        "requests": len(latencies),
        "rps": len(latencies) / elapsed,
        "p50": cuts[49] * 1000,
        "p95": cuts[94] * 1000,
        "p99": cuts[98] * 1000,
    }


def _wait_for(port: int, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the server did not start") from None
            time.sleep(0.2)


def _serve(command: list[str], env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    server = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    _wait_for(port, server)
    time.sleep(1.0)  # every worker listening, not just the first
    return server


def _measure(
    command: list[str],
    env: dict[str, str],
    port: int,
    targets: dict[str, str],
    token: str | None,
    args: argparse.Namespace,
) -> dict[str, dict[str, float]]:
    server = _serve(command, env, port)
    try:
        return {
            name: asyncio.run(_load(port, path, token, args.clients, args.requests))
            for name, path in targets.items()
        }
    finally:
        server.terminate()
        server.wait(15)


def _header() -> str:
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (
        f"web registry, {datetime.now(UTC).date()}, {os.cpu_count()} cores, {memory:.0f} GiB, "
        f"Python {platform.python_version()}, load average before: {os.getloadavg()[0]:.1f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000, help="requests per target")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--calls", type=int, default=2000, help="in-process calls per target")
    parser.add_argument(
        "--in-process-only", action="store_true", help="only the CPU per request, no load"
    )
    args = parser.parse_args()
    header = _header()
    rows: list[tuple[str, int, dict[str, float]]] = []
    with tempfile.TemporaryDirectory() as folder:
        data_dir = Path(folder)
        token = _prepare(data_dir)
        cpu = _in_process(data_dir, token, args.calls)
        env = {**os.environ, "PHIWATCH_DATA_DIR": str(data_dir)}
        for workers in [] if args.in_process_only else args.workers:
            port = _free_port()
            command = [sys.executable, "-m", "phiwatch", "serve", "--port", str(port)]
            command += ["--workers", str(workers)]
            targets = {**TARGETS, **NEW_VIEW_TARGETS}
            for name, result in _measure(command, env, port, targets, token, args).items():
                rows.append((name, workers, result))
        if not args.in_process_only:
            port = _free_port()
            bare = [sys.executable, "-c", _BARE_APP, str(port)]
            floor = _measure(bare, env, port, {"bare FastAPI route": "/bare.json"}, None, args)
            rows.extend((name, 1, result) for name, result in floor.items())
    print(header)
    print(f"\nCPU per request in this process ({args.calls} calls each, ASGI, no socket):\n")
    print("| target | CPU ms per request |")
    print("|---|---:|")
    for name, milliseconds in cpu:
        print(f"| {name} | {milliseconds:.3f} |")
    if not rows:
        return
    print(f"\nLoad: {args.clients} concurrent keep-alive clients on loopback:\n")
    print("| target | workers | requests | req/s | p50 ms | p95 ms | p99 ms |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, workers, r in rows:
        print(
            f"| {name} | {workers} | {r['requests']:.0f} | {r['rps']:.0f} | {r['p50']:.1f} | "
            f"{r['p95']:.1f} | {r['p99']:.1f} |"
        )


if __name__ == "__main__":
    main()
