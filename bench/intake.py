"""Signed webhook deliveries per second and time to 200 at rising load: igbot against a bare 200 handler.

Run by hand from the repository root: ``python bench/intake.py [--rates 100,250,500] [--seconds 3]``.
Each delivery is one new signed `comments` change, sent open-loop at a fixed rate (Meta does not wait for
us). igbot checks the signature, stores the change durably and only then answers 200, while its workers
relay the comments to the Slack emulator; the baseline handler reads the body and answers 200 at once.
Target: p99 under 20 ms at 500 deliveries/s.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import itertools
import json
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import aiohttp
from aiohttp import web

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


@dataclass
class Row:
    """One line of the table."""

    target: str
    rate: int
    sent: int
    ok: int
    achieved: float
    p50_ms: float
    p99_ms: float


def hmac_header(raw: bytes, secret: str) -> dict:
    """Return the headers Meta sends with a signed body."""
    digest = hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()
    return {"Content-Type": "application/json", "X-Hub-Signature-256": f"sha256={digest}"}


def signed(ig_user_id: str, media_id: str, n: int, secret: str) -> tuple[bytes, dict]:
    """Return a one-comment delivery and its headers."""
    body = json.dumps({"object": "instagram", "entry": [{"id": ig_user_id, "time": 1, "changes": [{
        "field": "comments", "value": {"id": f"1795{n:013d}", "text": f"bench comment {n}",
                                       "from": {"id": "42", "username": "fan"}, "media": {"id": media_id}}}]}]})
    raw = body.encode()
    return raw, hmac_header(raw, secret)


async def load(url: str, rate: int, seconds: float, bodies) -> tuple[int, list[float]]:
    """Send deliveries open-loop at rate per second; return (200s, latencies in ms)."""
    latencies: list[float] = []
    ok = 0
    connector = aiohttp.TCPConnector(limit=256)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def one(raw: bytes, headers: dict) -> None:
            nonlocal ok
            started = time.perf_counter()
            async with session.post(url, data=raw, headers=headers) as response:
                await response.read()
                ok += response.status == 200
            latencies.append((time.perf_counter() - started) * 1000)

        tasks = []
        start = time.perf_counter()
        for i in range(int(rate * seconds)):
            delay = start + i / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(*next(bodies))))
        await asyncio.gather(*tasks)
    return ok, latencies


def row(target: str, rate: int, seconds: float, ok: int, latencies: list[float]) -> Row:
    ordered = sorted(latencies)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] if ordered else 0.0
    return Row(target, rate, len(latencies), ok, len(latencies) / seconds, statistics.median(ordered or [0]), p99)


async def bare_server() -> tuple[web.AppRunner, str]:
    """Start an aiohttp app whose only handler reads the body and answers 200."""
    async def handler(request: web.Request) -> web.Response:
        await request.read()
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_post("/webhooks/instagram", handler)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    return runner, f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}/webhooks/instagram"


async def run(rates: list[int], seconds: float) -> list[Row]:
    """Measure the baseline and igbot at each rate, in the same run."""
    from bench.world import META_SECRET, open_bench_world

    world = await open_bench_world()
    media = world.graph.add_media(world.ig, caption="bench")
    counter = itertools.count()
    bodies = (signed(world.ig.ig_user_id, media.id, n, META_SECRET) for n in counter)
    runner, bare_url = await bare_server()
    rows = []
    try:
        for rate in rates:
            ok, lat = await load(bare_url, rate, seconds, bodies)
            rows.append(row("bare aiohttp 200", rate, seconds, ok, lat))
            ok, lat = await load(f"{world.url}/webhooks/instagram", rate, seconds, bodies)
            rows.append(row("igbot (verify + store)", rate, seconds, ok, lat))
        stored = await world.deps.store.run(lambda db: db.execute("SELECT COUNT(*) FROM inbox").fetchone()[0])
        rows_sent = sum(r.ok for r in rows if r.target.startswith("igbot"))
        assert stored == rows_sent, f"{rows_sent} deliveries got 200 but {stored} changes are stored"
    finally:
        await runner.cleanup()
        await world.close()
    return rows


def print_table(rows: list[Row]) -> None:
    print(f"{'target':<24} {'rate/s':>7} {'sent':>6} {'200s':>6} {'achieved/s':>11} {'p50 ms':>8} {'p99 ms':>8}")
    for r in rows:
        print(f"{r.target:<24} {r.rate:>7} {r.sent:>6} {r.ok:>6} {r.achieved:>11.0f} {r.p50_ms:>8.2f} "
              f"{r.p99_ms:>8.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rates", default="100,250,500", help="deliveries per second, comma-separated")
    parser.add_argument("--seconds", type=float, default=3.0, help="how long each rate is held")
    args = parser.parse_args()
    print_table(asyncio.run(run([int(r) for r in args.rates.split(",")], args.seconds)))


if __name__ == "__main__":
    main()
