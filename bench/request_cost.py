"""In-process cost of one request, without a socket: microseconds per request for the hot routes.

    python bench/request_cost.py [hello|card|schedule|book|pay ...] [--profile]

The app is called through ASGI directly (no HTTP parsing, no client), on a `bench` sandbox with
synthetic citizens (see backend.py). Use it to see what a change to a route costs; `backend.py`
gives the figures over a real socket.
"""
from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import pstats
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import backend  # noqa: E402

from mock_server.app import create_app  # noqa: E402
from mock_server.sandbox import SandboxRegistry  # noqa: E402
from mock_server.settings import DEFAULT_SETTINGS  # noqa: E402


async def call(app, method: str, path: str, body: bytes, headers: list[tuple[bytes, bytes]]) -> int:
    path, _, query = path.partition("?")
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method, "scheme": "http",
             "path": path, "raw_path": path.encode(), "query_string": query.encode(), "root_path": "",
             "headers": [(b"host", b"bench"), *headers], "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 80)}
    sent = False

    async def receive():
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        await asyncio.sleep(3600)

    status = []

    async def send(message):
        if message["type"] == "http.response.start":
            status.append(message["status"])

    await app(scope, receive, send)
    return status[0]


def request_for(mode: str, line: str, i: int):
    token, card, bill, window = line.split()
    headers = [(b"authorization", b"Bearer " + token.encode()), (b"x-sandbox-id", b"bench"),
               (b"content-type", b"application/json"), (b"idempotency-key", f"cost-{mode}-{i:08d}".encode())]
    if mode == "hello":
        return "GET", "/healthz", b"", [], 200
    if mode == "card":
        return "GET", f"/api/v1/cards/{card}", b"", headers, 200
    if mode == "schedule":
        return "GET", "/api/v1/departments/H01D01/schedule?date=2026-06-16", b"", headers, 200
    if mode == "book":
        return "POST", "/api/v1/appointments", json.dumps({"window_id": window}).encode(), headers, 201
    if mode == "pay":
        return "POST", "/api/v1/payments", json.dumps({"bill_id": bill, "pin": "258369"}).encode(), headers, 201
    raise SystemExit(f"unknown mode {mode}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("modes", nargs="*", default=["hello", "card", "schedule", "book", "pay"])
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--profile", action="store_true")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="zheliban-cost-"))
    registry = SandboxRegistry(work / "mock.sqlite", DEFAULT_SETTINGS)
    registry.ensure("demo", seed=2025, start=backend.iso(backend.START))
    registry.create("bench", seed=2025, start=backend.iso(backend.START))
    lines = backend.prepare(work / "mock.sandboxes" / "bench.sqlite", (args.n + 300) * len(args.modes) * 2)["lines"]
    app = create_app(registry, DEFAULT_SETTINGS, admin_key="bench")
    offset = 0

    async def run(mode: str, count: int) -> None:
        nonlocal offset
        for i in range(offset, offset + count):
            method, path, body, headers, expected = request_for(mode, lines[i], i)
            status = await call(app, method, path, body, headers)
            assert status == expected, (mode, status)
        offset += count

    for mode in args.modes:
        asyncio.run(run(mode, 200))
        started = time.perf_counter()
        asyncio.run(run(mode, args.n))
        print(f"{mode:<10}{(time.perf_counter() - started) / args.n * 1e6:>8.0f} us/request", flush=True)
        if args.profile:
            profiler = cProfile.Profile()
            profiler.runcall(asyncio.run, run(mode, args.n))
            pstats.Stats(profiler).sort_stats("tottime").print_stats(15)
    registry.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
