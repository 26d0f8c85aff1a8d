"""Seconds until 1,000 simultaneous comments are all visible in Slack, with the emulator's rate limits on.

Run by hand from the repository root: ``python bench/burst.py [--comments 1000] [--naive 40]``.
Meta delivers the burst in batches of up to 1,000 updates; igbot folds pending comments (20 a message)
once a channel is behind, and the Slack emulator enforces about one post per second per channel. The
baseline in the same run sends one message per comment (folding off) for `--naive` comments and
extrapolates its measured rate to the full burst. Target: ≤ 60 s (one message per comment: ~1,000 s).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import sys
import time
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.intake import hmac_header, signed  # noqa: E402


async def burst(count: int, *, fold: bool, deadline: float = 1800.0) -> tuple[float, int]:
    """Deliver `count` comments at once; return (seconds until all are visible, messages used)."""
    from bench.world import META_SECRET, open_bench_world
    from bot.comments import relay

    relay.FOLD_BACKLOG = 3 if fold else 10**9
    world = await open_bench_world()
    try:
        media = world.graph.add_media(world.ig, caption="viral post")
        started = time.perf_counter()

        async with aiohttp.ClientSession() as session:
            for start in range(0, count, 1000):  # Meta batches up to 1,000 updates a delivery
                entries = [json.loads(signed(world.ig.ig_user_id, media.id, n, META_SECRET)[0])["entry"][0]
                           for n in range(start, min(count, start + 1000))]
                body = json.dumps({"object": "instagram", "entry": [{"id": world.ig.ig_user_id, "time": 1,
                                   "changes": [c for e in entries for c in e["changes"]]}]}).encode()
                async with session.post(f"{world.url}/webhooks/instagram", data=body,
                                        headers=hmac_header(body, META_SECRET)) as response:
                    assert response.status == 200, response.status
        while time.perf_counter() - started < deadline:
            messages = world.slack.messages(world.channel)
            seen = set(re.findall(r"bench comment (\d+)\b", json.dumps([m.get("blocks") for m in messages])))
            if len(seen) >= count:
                return time.perf_counter() - started, len(messages)
            await asyncio.sleep(0.05)
        raise TimeoutError(f"not all {count} comments visible after {deadline:.0f} s")
    finally:
        await world.close()
        relay.FOLD_BACKLOG = 3


async def run(comments: int, naive: int) -> list[tuple[str, int, float, int, float]]:
    """Return rows (way, comments, seconds, messages, seconds extrapolated to the full burst)."""
    folded_s, folded_msgs = await burst(comments, fold=True)
    naive_s, naive_msgs = await burst(naive, fold=False)
    return [("folded (igbot)", comments, folded_s, folded_msgs, folded_s),
            ("one message per comment", naive, naive_s, naive_msgs, naive_s / naive * comments)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--comments", type=int, default=1000)
    parser.add_argument("--naive", type=int, default=40, help="comments sent one message each (extrapolated)")
    args = parser.parse_args()
    rows = asyncio.run(run(args.comments, args.naive))
    print(f"{'way':<26} {'comments':>9} {'seconds':>9} {'messages':>9} {f'~s for {args.comments}':>14}")
    for way, n, seconds, messages, full in rows:
        print(f"{way:<26} {n:>9} {seconds:>9.1f} {messages:>9} {full:>14.0f}")


if __name__ == "__main__":
    main()
