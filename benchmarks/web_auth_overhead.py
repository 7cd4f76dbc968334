"""What signing in costs every request: a signed-in JSON twin vs a public route, on loopback.

uvicorn serves the app on 127.0.0.1 in its own process; 20 concurrent clients
(httpx, async) fetch ``/index.json`` with a session cookie (session lookup,
role check, field decryption of the display name) and, as the floor in the
same run, ``/healthz`` (public, no database), and a bare FastAPI app with one
route (no phiwatch frame at all). Prints p50/p95/p99 latency and requests per
second for each, and the p95 ratio of the signed-in twin to the bare app.

    python benchmarks/web_auth_overhead.py --requests 2000 --clients 20
"""

from __future__ import annotations

import argparse
import asyncio
import socket
import statistics
import subprocess
import sys
import tempfile
import time

import httpx

from phiwatch.config import load_settings
from phiwatch.security import Role, add_user, start_session
from phiwatch.store import open_store


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def _load(
    url: str, cookies: dict[str, str], total: int, clients: int
) -> tuple[list[float], float]:
    latencies: list[float] = []
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(total):
        queue.put_nowait(i)

    async def worker(client: httpx.AsyncClient) -> None:
        while not queue.empty():
            queue.get_nowait()
            started = time.perf_counter()
            response = await client.get(url)
            latencies.append(time.perf_counter() - started)
            assert response.status_code == 200, response.status_code

    async with httpx.AsyncClient(
        cookies=cookies, limits=httpx.Limits(max_connections=clients)
    ) as client:
        started = time.perf_counter()
        await asyncio.gather(*(worker(client) for _ in range(clients)))
        elapsed = time.perf_counter() - started
    return latencies, total / elapsed


def _summary(latencies: list[float]) -> tuple[float, float, float]:
    cuts = statistics.quantiles(latencies, n=100)
    return cuts[49] * 1000, cuts[94] * 1000, cuts[98] * 1000


SERVER = """
import sys, uvicorn
from phiwatch.config import load_settings
from phiwatch.web import create_app
settings = load_settings(environ={}, data_dir=sys.argv[1], secret_key="b" * 48)
uvicorn.run(create_app(settings), host="127.0.0.1", port=int(sys.argv[2]), log_level="warning",
            access_log=False)
"""


BARE = """
import sys, uvicorn
from fastapi import FastAPI
app = FastAPI()
@app.get("/healthz")
def healthz() -> dict[str, bool]:
    return {"ok": True}
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[2]), log_level="warning", access_log=False)
"""


def _serve(code: str, folder: str) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    server = subprocess.Popen([sys.executable, "-c", code, folder, str(port)])
    base = f"http://127.0.0.1:{port}"
    while True:
        try:
            httpx.get(f"{base}/healthz", timeout=1)
            return server, base
        except httpx.TransportError:
            if server.poll() is not None:
                raise SystemExit("the server did not start") from None
            time.sleep(0.1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        settings = load_settings(environ={}, data_dir=folder, secret_key="b" * 48)
        store = open_store(settings)
        user = add_user(
            store,
            settings,
            "bench",
            Role.analyst,
            password="a long bench password",
            display_name="Bench Person",
        )
        token = start_session(store, user.id, address="127.0.0.1")
        store.close()
        server, base = _serve(SERVER, folder)
        try:
            cookies = {"phiwatch_session": token}
            asyncio.run(_load(f"{base}/index.json", cookies, 200, args.clients))  # warm up
            floor, floor_rps = asyncio.run(
                _load(f"{base}/healthz", {}, args.requests, args.clients)
            )
            signed, signed_rps = asyncio.run(
                _load(f"{base}/index.json", cookies, args.requests, args.clients)
            )
        finally:
            server.terminate()
            server.wait(10)
        server, base = _serve(BARE, folder)
        try:
            asyncio.run(_load(f"{base}/healthz", {}, 200, args.clients))  # warm up
            bare, bare_rps = asyncio.run(_load(f"{base}/healthz", {}, args.requests, args.clients))
        finally:
            server.terminate()
            server.wait(10)
    f50, f95, f99 = _summary(floor)
    s50, s95, s99 = _summary(signed)
    b50, b95, b99 = _summary(bare)
    print(
        f"web, {args.requests} requests, {args.clients} clients: signed-in /index.json "
        f"p50 {s50:.1f} ms, p95 {s95:.1f} ms, p99 {s99:.1f} ms, {signed_rps:,.0f} req/s; "
        f"public /healthz p50 {f50:.1f} ms, p95 {f95:.1f} ms, p99 {f99:.1f} ms, "
        f"{floor_rps:,.0f} req/s; bare FastAPI p50 {b50:.1f} ms, p95 {b95:.1f} ms, "
        f"p99 {b99:.1f} ms, {bare_rps:,.0f} req/s (p95 ratio signed-in/bare {s95 / b95:.2f}x)"
    )


if __name__ == "__main__":
    main()
