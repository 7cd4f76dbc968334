"""Benchmark: the filtered breach list and its JSON twin under 20 concurrent clients.

Starts ``phiwatch serve`` (uvicorn, one process) on a free 127.0.0.1 port over a new
SQLite store holding the bundled portal snapshot (7,012 breaches), then runs 20
concurrent keep-alive clients (httpx, asyncio, in this process) against

* ``/registry/breaches.json?type=hacking&since=2015-01-01&sort=-affected`` (JSON twin)
* ``/registry/breaches?type=hacking&since=2015-01-01&sort=-affected``      (HTML page)

authenticated with an API token, for a fixed number of requests each, after a
warm-up. Reports p50/p95/p99 latency and requests per second. The load
generator shares the machine's cores with the server, as it would on one box.

Goals (issue 3): p95 under 50 ms for the JSON twin and under 100 ms for the
HTML page on a 2-core machine.

Usage: python benchmarks/web_registry_load.py [--requests 2000] [--clients 20]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx

QUERY = "type=hacking&since=2015-01-01&sort=-affected"
TARGETS = {
    "JSON twin": f"/registry/breaches.json?{QUERY}",
    "HTML page": f"/registry/breaches?{QUERY}",
}


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


async def _client(base: str, path: str, token: str, count: int, latencies: list[float]) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=30) as client:
        for _ in range(count):
            start = time.perf_counter()
            response = await client.get(path)
            latencies.append(time.perf_counter() - start)
            if response.status_code != 200:
                raise RuntimeError(f"{path} answered {response.status_code}: {response.text[:200]}")


async def _load(base: str, path: str, token: str, clients: int, total: int) -> dict[str, float]:
    await asyncio.gather(*(_client(base, path, token, 5, []) for _ in range(clients)))  # warm-up
    latencies: list[float] = []
    per_client = max(1, total // clients)
    start = time.perf_counter()
    await asyncio.gather(
        *(_client(base, path, token, per_client, latencies) for _ in range(clients))
    )
    elapsed = time.perf_counter() - start
    cuts = statistics.quantiles(latencies, n=100)
    return {
        "requests": len(latencies),
        "rps": len(latencies) / elapsed,
        "p50": cuts[49] * 1000,
        "p95": cuts[94] * 1000,
        "p99": cuts[98] * 1000,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000, help="requests per target")
    parser.add_argument("--clients", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        data_dir = Path(folder)
        token = _prepare(data_dir)
        port = _free_port()
        env = {**os.environ, "PHIWATCH_DATA_DIR": str(data_dir)}
        server = subprocess.Popen(
            [sys.executable, "-m", "phiwatch", "serve", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    httpx.get(f"{base}/healthz", timeout=1)
                    break
                except httpx.HTTPError:
                    if time.monotonic() > deadline:
                        raise RuntimeError("phiwatch serve did not start") from None
                    time.sleep(0.2)
            results = {
                name: asyncio.run(_load(base, path, token, args.clients, args.requests))
                for name, path in TARGETS.items()
            }
        finally:
            server.terminate()
            server.wait(10)
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    print(
        f"web registry load, {datetime.now(UTC).date()}, {os.cpu_count()} cores, {memory:.0f} GiB, "
        f"Python {platform.python_version()}, {args.clients} clients"
    )
    print("| target | requests | req/s | p50 ms | p95 ms | p99 ms |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, r in results.items():
        print(
            f"| {name} | {r['requests']:.0f} | {r['rps']:.0f} | {r['p50']:.1f} | "
            f"{r['p95']:.1f} | {r['p99']:.1f} |"
        )


if __name__ == "__main__":
    main()
