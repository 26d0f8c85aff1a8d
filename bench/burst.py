"""Bursts of comments: seconds until all are visible in Slack, against Slack's pacing floor, and CPU per comment.

Run by hand from the repository root: ``python -m bench.burst [--comments 1000,5000] [--runs 3]``.

The Slack and Graph emulators (`bench.crashes`, Slack's rate limits on) and `igbot serve` (a fresh database for
each burst) run as processes of their own; this process delivers each burst the way Meta batches it, up to
1,000 changes a delivery, and asks the Slack emulator when each comment first showed in the channel. igbot posts
the first comments on their own and folds the rest (up to 20 a message) once the channel is behind; at one post
a second per channel, the floor for N comments is one second per message after the first:
FOLD_BACKLOG own messages, then ⌈(N − FOLD_BACKLOG) / 20⌉ folded ones. CPU is igbot's process time (user +
system) from the first delivery until the last comment showed, divided by N.
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import time
import urllib.request

from bench.intake import signed
from bot.comments.relay import FOLD_BACKLOG
from bot.comments.render import MAX_FOLD

PATTERN = r"bench comment (\d+)\b"


def floor_seconds(comments: int, post_interval: float = 1.0) -> float:
    """The least time Slack's pace allows to show comments: one post a second after the first."""
    own = min(comments, FOLD_BACKLOG)
    messages = own + math.ceil((comments - own) / MAX_FOLD)
    return (messages - 1) * post_interval


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far (Linux /proc)."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def burst(harness, name: str, comments: int, *, deadline: float) -> dict:
    """Deliver one burst to a fresh igbot; return seconds until all visible, messages used and CPU per comment."""
    from bench.crashes import META_SECRET

    harness.fresh_database(f"{name}.db")
    harness.start_igbot()
    try:
        url = f"{harness.url}/webhooks/instagram"
        cpu_before, started = cpu_seconds(harness.igbot.pid), time.time()
        offset = 1_000_000 * harness.starts  # comment numbers of this burst only
        for start in range(0, comments, 1000):
            raw, headers = signed(harness.info["ig_user_id"], harness.info["media_id"], offset + start, META_SECRET,
                                  count=min(1000, comments - start))
            request = urllib.request.Request(url, data=raw, headers=headers, method="POST")
            with urllib.request.urlopen(request, timeout=60) as response:
                assert response.status == 200
        while time.time() - started < deadline:
            seen = harness.first_seen(PATTERN)
            mine = [at for token, at in seen.items() if offset <= int(token) < offset + comments]
            if len(mine) == comments:
                cpu = cpu_seconds(harness.igbot.pid) - cpu_before
                return {"seconds": max(mine) - started, "cpu_ms": cpu * 1000 / comments,
                        "messages": messages_sent(harness)}
            time.sleep(1.0)
        raise TimeoutError(f"not all {comments} comments visible after {deadline:.0f} s")
    finally:
        harness.kill_igbot()


def messages_sent(harness) -> int:
    """How many messages igbot's outbox sent (its database is fresh for each burst)."""
    import sqlite3

    with sqlite3.connect(harness.env["IGBOT_DB"], timeout=30) as conn:
        return conn.execute("SELECT COUNT(*) FROM outbox WHERE kind = 'post' AND state = 'sent'").fetchone()[0]


def run(sizes: list[int], runs: int) -> list[dict]:
    """Measure each burst size runs times; return one row per size with medians and min–max."""
    from bench.crashes import Harness

    rows = []
    with Harness(tick_seconds=30, slack_limits=True) as harness:
        for size in sizes:
            floor = floor_seconds(size)
            results = [burst(harness, f"burst-{size}-{n}", size, deadline=floor * 3 + 120) for n in range(runs)]
            rows.append({"comments": size, "floor": floor, **{key: [r[key] for r in results]
                                                              for key in ("seconds", "cpu_ms", "messages")}})
    return rows


def print_table(rows: list[dict]) -> None:
    print(f"{'comments':>9} {'floor s':>8} {'visible s (min–max)':>24} {'over floor':>11} {'messages':>9} "
          f"{'CPU ms/comment (min–max)':>26}")
    for row in rows:
        seconds, cpu = row["seconds"], row["cpu_ms"]
        over = (statistics.median(seconds) / row["floor"] - 1) * 100 if row["floor"] else 0.0
        print(f"{row['comments']:>9} {row['floor']:>8.0f} {statistics.median(seconds):>9.1f} "
              f"({min(seconds):.1f}–{max(seconds):.1f}) {over:>10.1f}% {statistics.median(row['messages']):>9.0f} "
              f"{statistics.median(cpu):>11.2f} ({min(cpu):.2f}–{max(cpu):.2f})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--comments", default="1000,5000", help="burst sizes, comma-separated")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print_table(run([int(n) for n in args.comments.split(",")], args.runs))


if __name__ == "__main__":
    main()
