"""Counted Graph calls and wall time for the digests of 1, 10 and 100 accounts × 50 media, on the emulator.

Run by hand from the repository root: ``python bench/digest.py [--accounts 1 10 100] [--media 50] [--latency 0]``.
igbot's read (profile with the recent media and their nested insights in one call, yesterday's account
insights in one call, day −2 again) against the one-call-per-media approach of the usual tutorials (profile,
one call per account metric, the media list, one insights call per media), in the same run. Graph calls count
batch sub-requests one by one, as Meta does. The chart's render time per digest is measured too.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.digests import chart  # noqa: E402
from bot.digests.collect import collect  # noqa: E402
from bot.digests.compose import compose  # noqa: E402
from bot.digests.schedule import day_range  # noqa: E402
from bot.graph import GraphAccount, GraphClient, GraphSettings, MemoryStateStore  # noqa: E402
from bot.graph.insights import DIGEST_ACCOUNT_METRICS as ACCOUNT_METRICS  # noqa: E402
from bot.graph.insights import MEDIA_METRICS  # noqa: E402

TZ = "Europe/Berlin"
DAY = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)  # a Monday, 09:00 in Berlin


@dataclass
class Row:
    """One line of the table."""

    way: str
    accounts: int
    media: int
    calls: int
    http: int
    emulator_calls: int
    seconds: float


async def igbot(client: GraphClient, account: GraphAccount, media: int) -> int:
    """igbot's digest read; return how many media came back with insights."""
    content = await collect(client, account, timezone=TZ, day=DAY.date())
    return sum(1 for m in content["media"] if m["insights"])


async def per_media(client: GraphClient, account: GraphAccount, media: int) -> int:
    """The tutorial read: every account metric and every media's insights with a call of its own."""
    await client.get(account.ig_user_id, account, params={"fields": "followers_count,media_count"})
    since, until = day_range(DAY.date() - timedelta(days=1), TZ)
    for metric in ACCOUNT_METRICS:
        await client.get(f"{account.ig_user_id}/insights", account, params={
            "metric": metric, "period": "day", "metric_type": "total_value", "since": since, "until": until})
    items = client.items(f"{account.ig_user_id}/media", account, params={"fields": "id,caption,timestamp",
                                                                         "limit": 50}, max_items=media)
    done = 0
    async for item in items:
        await client.get(f"{item['id']}/insights", account, params={"metric": ",".join(MEDIA_METRICS)})
        done += 1
    return done


WAYS = {igbot: "igbot (expansion, one call per kind)", per_media: "tutorial: one call per media and per metric"}


async def measure(emu: Any, session: aiohttp.ClientSession, accounts: list[GraphAccount], way, media: int) -> Row:
    """Read every account's digest one way, with a fresh client, and count what it cost."""
    settings = GraphSettings(emu.urls.graph_facebook, emu.urls.graph_instagram, emu.urls.api_instagram, "v25.0",
                             meta_app_id=emu.app_id, meta_app_secret=emu.app_secret, throttle_threshold=101)
    client = GraphClient(session, settings, state=MemoryStateStore(), clock=emu.clock)
    before = emu.count_calls()
    started = time.perf_counter()
    read = 0
    for account in accounts:
        read += await way(client, account, media)
    seconds = time.perf_counter() - started
    return Row(WAYS[way], len(accounts), read, client.counters.calls, client.counters.http_requests,
               emu.count_calls() - before, seconds)


def chart_ms(runs: int = 3) -> float:
    """Return the mean time to render one digest chart (14 days and the weekly part), in milliseconds."""
    days = {(DAY.date() - timedelta(days=i)).isoformat(): {"reach": 400 + i, "views": 900 + i} for i in range(1, 30)}
    content = {"day": DAY.date().isoformat(), "yesterday": "2026-11-22", "timezone": TZ, "followers_count": 1500,
               "metrics": {"views": 900}, "refused": {}, "media": []}
    digest = compose(content, username="bench", insight_history=days, follower_history={}, weekly=True)
    chart.render(digest)  # the first render also imports matplotlib
    started = time.perf_counter()
    for _ in range(runs):
        chart.render(digest)
    return (time.perf_counter() - started) / runs * 1000


async def main(counts: list[int], media: int, latency: float) -> list[Row]:
    """Seed the largest number of accounts with media and measure both ways for each count."""
    from sandbox.graph import FakeClock
    from sandbox.graph.server import GraphEmulator

    rows: list[Row] = []
    clock = FakeClock(start=DAY.timestamp())
    async with GraphEmulator(seed=1, clock=clock) as emu, aiohttp.ClientSession() as session:
        emu.limiter.app_budget_per_hour = 10_000_000
        accounts = []
        for n in range(max(counts)):
            acct = emu.add_account(f"bench_{n}", login="facebook", call_budget=10_000_000)
            for i in range(media):
                emu.add_media(acct, caption=f"post {i}", like_count=i,
                              timestamp=DAY.timestamp() - 3600 * (3 * i + 1))
            accounts.append(GraphAccount(acct.ig_user_id, acct.ig_user_id, "facebook", acct.token, acct.page_id,
                                         acct.username))
        emu.set_latency(latency)
        for count in counts:
            for way in WAYS:
                rows.append(await measure(emu, session, accounts[:count], way, media))
    return rows


def table(rows: list[Row], media: int, latency: float, render_ms: float) -> str:
    """Format the rows as a plain-text table."""
    head = ("accounts", "way", "media read", "Graph calls", "per account", "HTTP requests", "emulator calls",
            "wall time")
    body = [(str(r.accounts), r.way, str(r.media), str(r.calls), f"{r.calls / r.accounts:.0f}", str(r.http),
             str(r.emulator_calls), f"{r.seconds:.2f} s") for r in rows]
    widths = [max(len(line[i]) for line in [head, *body]) for i in range(len(head))]
    lines = [f"Digest reads, {media} recent media per account (Facebook Login host); emulator on loopback, "
             f"{latency * 1000:.0f} ms added latency per HTTP request", ""]
    for line in [head, tuple("-" * w for w in widths), *body]:
        lines.append("  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip())
    lines += ["", f"Chart render (14 days + four weeks, 1200×675 PNG): {render_ms:.0f} ms per digest"]
    return "\n".join(lines)


def run(counts: list[int], media: int, latency: float) -> str:
    """Run the benchmark and return its table."""
    rows = asyncio.run(main(counts, media, latency))
    return table(rows, media, latency, chart_ms())


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, nargs="+", default=[1, 10, 100], help="account counts")
    parser.add_argument("--media", type=int, default=50, help="recent media per account (default 50)")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added to every HTTP request")
    args = parser.parse_args()
    print(run(args.accounts, args.media, args.latency))
