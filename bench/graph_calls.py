"""Graph calls and wall time to read 200 media with insights for one account, three ways, on the emulator.

Run by hand from the repository root: ``python bench/graph_calls.py [--media 200] [--latency 0.0]``.
Field expansion (one call per page of 50) against one call per media, and on graph.facebook.com also a
batch (≤ 50 sub-requests per HTTP request). Graph calls count batch sub-requests one by one, as Meta does.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.graph import BatchRequest, GraphAccount, GraphClient, GraphSettings, MemoryStateStore, insights  # noqa: E402

WAYS = {
    "expansion": "field expansion, 50 per page",
    "batched": "list + batch of 50 per request",
    "per_media": "list + one call per media",
}
METRICS = ("reach", "views", "likes", "comments", "saved", "shares", "total_interactions")


@dataclass
class Row:
    """One line of the table."""

    host: str
    way: str
    media: int
    calls: int
    http: int
    emulator_calls: int
    seconds: float


async def expansion(client: GraphClient, account: GraphAccount, n: int) -> int:
    """Read media with insights through field expansion."""
    got = await insights.media_with_insights(client, account, metrics=METRICS, max_items=n)
    return sum(1 for m in got if m.get("insights"))


async def list_ids(client: GraphClient, account: GraphAccount, n: int) -> list[str]:
    """List the media ids (pages of 50)."""
    items = client.items(
        f"{account.ig_user_id}/media", account, params={"fields": "id", "limit": 50}, max_items=n
    )
    return [m["id"] async for m in items]


async def batched(client: GraphClient, account: GraphAccount, n: int) -> int:
    """List media, then read insights in batches of 50 (Facebook host only)."""
    ids = await list_ids(client, account, n)
    reqs = [BatchRequest(f"{i}/insights", {"metric": ",".join(METRICS)}) for i in ids]
    results = await client.batch(account, reqs)
    return sum(1 for r in results if isinstance(r, dict))


async def per_media(client: GraphClient, account: GraphAccount, n: int) -> int:
    """List media, then read each media's insights with its own call."""
    ids = await list_ids(client, account, n)
    done = 0
    for media_id in ids:
        await client.get(f"{media_id}/insights", account, params={"metric": ",".join(METRICS)})
        done += 1
    return done


async def measure(emu: Any, session: aiohttp.ClientSession, account: GraphAccount, way, n: int) -> Row:
    """Run one way with a fresh client and count what it cost."""
    settings = GraphSettings(
        emu.urls.graph_facebook,
        emu.urls.graph_instagram,
        emu.urls.api_instagram,
        "v25.0",
        meta_app_id=emu.app_id,
        meta_app_secret=emu.app_secret,
        throttle_threshold=101,  # a benchmark, not background work: never hold calls back
    )
    client = GraphClient(session, settings, state=MemoryStateStore())
    before = emu.count_calls()
    started = time.perf_counter()
    done = await way(client, account, n)
    seconds = time.perf_counter() - started
    host = "graph.facebook.com" if account.login == "facebook" else "graph.instagram.com"
    return Row(host, WAYS[way.__name__], done, client.counters.calls, client.counters.http_requests,
               emu.count_calls() - before, seconds)  # fmt: skip


async def main(n: int, latency: float) -> list[Row]:
    """Seed one account per login with n media and measure every way."""
    from sandbox.graph.server import GraphEmulator

    rows: list[Row] = []
    async with GraphEmulator(seed=1) as emu, aiohttp.ClientSession() as session:
        for login in ("facebook", "instagram"):
            acct = emu.add_account(f"bench_{login}", login=login, call_budget=1_000_000)
            for i in range(n):
                emu.add_media(acct, caption=f"post {i}", timestamp=1_700_000_000 + i * 3600)
            account = GraphAccount(
                acct.ig_user_id, acct.ig_user_id, login, acct.token, acct.page_id, acct.username
            )
            emu.limiter.app_budget_per_hour = 1_000_000
            emu.set_latency(latency)
            ways = [expansion, batched, per_media] if login == "facebook" else [expansion, per_media]
            for way in ways:
                rows.append(await measure(emu, session, account, way, n))
    return rows


def table(rows: list[Row], n: int, latency: float) -> str:
    """Format the rows as a plain-text table."""
    head = ("host", "way", "media read", "Graph calls", "HTTP requests", "emulator calls", "wall time")
    body = [
        (r.host, r.way, str(r.media), str(r.calls), str(r.http), str(r.emulator_calls), f"{r.seconds:.2f} s")
        for r in rows
    ]
    widths = [max(len(line[i]) for line in [head, *body]) for i in range(len(head))]
    lines = [f"{n} media with insights ({', '.join(METRICS)}) for one account; emulator on loopback, "
             f"{latency * 1000:.0f} ms added latency per HTTP request", ""]  # fmt: skip
    for line in [head, tuple("-" * w for w in widths), *body]:
        lines.append("  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip())
    return "\n".join(lines)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--media", type=int, default=200, help="media on the account (default 200)")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added to every HTTP request")
    args = parser.parse_args()
    print(table(asyncio.run(main(args.media, args.latency)), args.media, args.latency))
