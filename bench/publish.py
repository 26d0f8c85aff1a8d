"""Seconds from due to published for 200 posts over 20 accounts due in the same minute, and Graph calls per post.

Run by hand from the repository root: ``python bench/publish.py [--posts 200] [--accounts 20] [--latency 0.05]``.
Both emulators and igbot run on loopback; the Graph emulator answers every request after ``--latency`` seconds
(a stand-in for the network). igbot creates containers ahead of time (images 5 minutes before), reads the
publishing quota once per account in the last 30 s before the time and works through the accounts side by
side. The baseline in the
same run is a naive sequential publisher: at the due time, for each post in turn, read the quota, create the
container, wait until it is FINISHED, publish, and read the permalink.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

IMAGE = "https://cdn.example/img/square.jpg"
PUBLISH = "/{ig-user-id}/media_publish"


async def _accounts(world, count: int) -> list[dict]:
    """bench_shop plus count-1 more accounts, connected in igbot and in the Graph emulator."""
    from bot import accounts as account_ops
    from storage import accounts as account_rows

    deps = world.deps
    for n in range(1, count):
        ig = world.graph.add_account(f"bench_shop{n}", login="facebook")
        new = account_ops.validate_new_account(username=f"bench_shop{n}", ig_user_id=ig.ig_user_id,
                                               login="facebook", page_id=ig.page_id, channel_id=world.channel,
                                               timezone="UTC", digest_time="09:00")
        await asyncio.to_thread(account_ops.register_account, deps.store, deps.cipher, new, ig.page_token)
    return await deps.store.run(account_rows.list_accounts)


def _figures(started: float, publish_times: list[float], posts: int, calls: int) -> dict:
    delays = sorted(t - started for t in publish_times)
    p95 = delays[min(len(delays) - 1, int(round(0.95 * len(delays))) - 1)] if delays else float("nan")
    return {"published": len(delays), "p50": statistics.median(delays) if delays else float("nan"), "p95": p95,
            "calls_per_post": calls / posts}


async def run_igbot(posts: int, accounts: int, latency: float) -> dict:
    """Queue the posts due in one minute, let igbot's ticks prepare and publish them; return the figures."""
    from bench.world import open_bench_world
    from bot.posts import publisher
    from bot.posts.queueing import queue_post
    from bot.posts.rules import Draft

    world = await open_bench_world(slack_limits=False)
    try:
        world.graph.set_latency(latency)
        rows = await _accounts(world, accounts)
        deps = world.deps
        due = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=1)
        queued_at = due - timedelta(minutes=30)
        for n in range(posts):
            account = rows[n % len(rows)]
            draft = Draft("image", [{"url": IMAGE, "media": "image"}], f"bench post {n}",
                          due)
            await queue_post(deps, account=account, draft=draft, author="U0BENCH", channel_id=None, now=queued_at)
        await publisher.publish_due(deps, now=due - timedelta(minutes=5))  # containers are made ahead
        await publisher.publish_due(deps, now=due - timedelta(seconds=20))  # the last tick before: quota read
        started = time.time()
        calls_before_due = world.graph.count_calls()
        deadline = started + 600
        while time.time() < deadline:
            await publisher.publish_due(deps, now=due + timedelta(seconds=time.time() - started))
            if len(world.graph.find_calls(path=PUBLISH, ok=True)) >= posts:
                break
            await asyncio.sleep(0.2)
        await publisher.publish_due(deps, now=due + timedelta(minutes=2))  # permalinks and reports
        publishes = [c.time for c in world.graph.find_calls(path=PUBLISH, ok=True)]
        figures = _figures(started, publishes, posts, world.graph.count_calls())
        figures["calls_after_due"] = (world.graph.count_calls() - calls_before_due) / posts
        return figures
    finally:
        await world.close()


async def run_naive(posts: int, accounts: int, latency: float) -> dict:
    """At the due time, publish every post one after the other; return the figures."""
    from bench.world import open_bench_world
    from bot.graph import media as graph_media
    from bot.graph_accounts import graph_account

    world = await open_bench_world(slack_limits=False)
    try:
        world.graph.set_latency(latency)
        rows = await _accounts(world, accounts)
        deps = world.deps
        gaccounts = [await graph_account(deps.store, deps.cipher, row) for row in rows]
        started = time.time()
        for n in range(posts):
            account = gaccounts[n % len(gaccounts)]
            await graph_media.publishing_limit(deps.graph, account)
            container = (await graph_media.create_container(deps.graph, account, image_url=IMAGE,
                                                            caption=f"bench post {n}"))["id"]
            for _ in range(120):  # poll until FINISHED, as naive tools do
                status = await graph_media.container_status(deps.graph, account, container)
                if status.get("status_code") == "FINISHED":
                    break
                await asyncio.sleep(0.5)
            media = (await graph_media.publish(deps.graph, account, container))["id"]
            await graph_media.get_media(deps.graph, account, media, fields="permalink")
        publishes = [c.time for c in world.graph.find_calls(path=PUBLISH, ok=True)]
        figures = _figures(started, publishes, posts, world.graph.count_calls())
        figures["calls_after_due"] = figures["calls_per_post"]
        return figures
    finally:
        await world.close()


async def run(posts: int, accounts: int, latency: float) -> list[tuple[str, dict]]:
    """Return rows (way, figures) for igbot and the naive publisher."""
    return [("igbot (ahead, per-account lanes)", await run_igbot(posts, accounts, latency)),
            ("naive sequential", await run_naive(posts, accounts, latency))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=200)
    parser.add_argument("--accounts", type=int, default=20)
    parser.add_argument("--latency", type=float, default=0.05, help="seconds the Graph emulator waits per request")
    args = parser.parse_args()
    rows = asyncio.run(run(args.posts, args.accounts, args.latency))
    print(f"{args.posts} posts over {args.accounts} accounts due in the same minute; "
          f"Graph latency {args.latency * 1000:.0f} ms per request")
    print(f"{'publisher':34} {'published':>9} {'p50 s':>8} {'p95 s':>8} {'calls/post':>10} {'after due':>9}")
    for way, f in rows:
        print(f"{way:34} {f['published']:>9} {f['p50']:>8.2f} {f['p95']:>8.2f} {f['calls_per_post']:>10.2f} "
              f"{f['calls_after_due']:>9.2f}")


if __name__ == "__main__":
    main()
