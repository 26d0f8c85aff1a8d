"""Soak: comments and posts flow while igbot is killed with SIGKILL at seeded random moments and restarted.

    python -m bench.soak --kills 10 --seed 7

The emulators run in one process, `igbot serve` in another, and this process is the load: followers comment
(their webhooks relayed the way Meta does, retried until igbot answers 200) and posts are queued, some due
while igbot is down. At the end it prints how many comments and posts were lost or shown/published more than
once (both must be 0), the p95 and max delay after each restart (from the moment the restarted igbot answers
/healthz to the moment a comment shows in Slack or a post is live; "first" is when comments resumed, the rest
is Slack's pace of about one message a second, with bursts folded), and the seed to replay the run.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from dataclasses import dataclass, field

from bench.crashes import Harness


@dataclass
class Restart:
    """One kill and what it delayed."""

    killed_at: float
    up_at: float
    comment_delays: list[float] = field(default_factory=list)
    post_delays: list[float] = field(default_factory=list)


@dataclass
class Load:
    """What was sent: comment tokens with when they were made, post tokens with when they were due."""

    comments: dict[str, float] = field(default_factory=dict)
    posts: dict[str, float] = field(default_factory=dict)

    def tokens(self) -> list[str]:
        return [*self.comments, *self.posts]


def flow(h: Harness, load: Load, rng: random.Random, seconds: float, *, max_posts: int) -> None:
    """Send comments (1–4 every 0.2–0.6 s) and now and then a post, for `seconds`."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        texts = []
        for _ in range(rng.randint(1, 4)):
            token = f"[c{len(load.comments):05d}]"
            load.comments[token] = time.time()
            texts.append(f"Do you ship to Ghent? {token}")
        h.comment(texts)
        if len(load.posts) < max_posts and rng.random() < 0.15:
            due_in = rng.uniform(0, 4)
            token = f"[p{len(load.posts):05d}]"
            load.posts[token] = time.time() + due_in
            h.queue_posts([f"New in the shop {token}"], due_in=due_in)
        time.sleep(rng.uniform(0.2, 0.6))


def delays(restarts: list[Restart], load: Load, facts: dict) -> None:
    """Give each restart the delays of the work it held up: made (or due) before it was up and done after it,
    each item counted for the last restart before it was done."""
    def last_before(moment: float) -> Restart | None:
        return max((r for r in restarts if r.up_at <= moment), key=lambda r: r.up_at, default=None)

    for items, done, bucket in ((load.comments, facts["first_seen"], "comment_delays"),
                                (load.posts, facts["live_at"], "post_delays")):
        for token, started in items.items():
            finished = done.get(token)
            restart = last_before(finished) if finished is not None else None
            if restart is not None and started < restart.up_at:
                getattr(restart, bucket).append(finished - restart.up_at)


def settled(facts: dict, load: Load) -> bool:
    """Whether every comment is shown and every post is live."""
    return all(facts["shown"][t] for t in load.comments) and all(facts["live"][t] for t in load.posts)


def p95(values: list[float]) -> float:
    """The 95th percentile (the value itself for fewer than two)."""
    if len(values) < 2:
        return values[0] if values else 0.0
    return statistics.quantiles(values, n=20, method="inclusive")[-1]


def report(seed: int, kills: int, restarts: list[Restart], load: Load, facts: dict, tick: int) -> bool:
    """Print the figures; return True when nothing was lost or repeated."""
    shown, live = facts["shown"], facts["live"]
    lost = sum(1 for t in load.comments if shown[t] == 0) + sum(1 for t in load.posts if live[t] == 0)
    duplicated = sum(1 for t in load.comments if shown[t] > 1) + sum(1 for t in load.posts if live[t] > 1)
    print(f"seed {seed}: {kills} kill -9, {len(load.comments)} comments, {len(load.posts)} posts, tick {tick} s")
    print(f"lost {lost}, duplicated {duplicated}")
    print("restart  comments held  first s  p95 s  max s  posts held  p95 s  max s")
    for i, r in enumerate(restarts, 1):
        print(f"{i:>7}  {len(r.comment_delays):>13}  {min(r.comment_delays, default=0):7.2f}  "
              f"{p95(r.comment_delays):5.2f}  "
              f"{max(r.comment_delays, default=0):5.2f}  {len(r.post_delays):>10}  {p95(r.post_delays):5.2f}  "
              f"{max(r.post_delays, default=0):5.2f}")
    every_c = [d for r in restarts for d in r.comment_delays]
    every_p = [d for r in restarts for d in r.post_delays]
    print(f"all restarts: comments p95 {p95(every_c):.2f} s, max {max(every_c, default=0):.2f} s; "
          f"posts p95 {p95(every_p):.2f} s, max {max(every_p, default=0):.2f} s")
    print(f"replay: python -m bench.soak --kills {kills} --seed {seed} --tick {tick}")
    return lost == 0 and duplicated == 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=10, help="how many times igbot is killed (default 10)")
    parser.add_argument("--seed", type=int, default=None, help="replay a run (default: a new seed)")
    parser.add_argument("--tick", type=int, default=2, help="IGBOT_TICK_SECONDS for igbot (default 2)")
    parser.add_argument("--max-posts", type=int, default=40, help="posts in all (Meta allows 50 a day; default 40)")
    args = parser.parse_args(argv)
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(1_000_000)
    rng = random.Random(seed)
    load, restarts = Load(), []
    with Harness(tick_seconds=args.tick) as h:
        h.start_igbot()
        for _ in range(args.kills):
            flow(h, load, rng, rng.uniform(2, 8), max_posts=args.max_posts)
            killed = h.kill_igbot()
            flow(h, load, rng, rng.uniform(0, 1.5), max_posts=args.max_posts)  # the load goes on while it is down
            restarts.append(Restart(killed, h.start_igbot()))
        flow(h, load, rng, 3, max_posts=args.max_posts)
        tokens = load.tokens()
        try:
            h.wait_for(lambda: settled(h.facts(tokens), load), timeout=180, interval=0.5)
        except AssertionError:
            print("not everything arrived within 180 s of the last restart", file=sys.stderr)
        facts = h.facts(tokens)
    delays(restarts, load, facts)
    return 0 if report(seed, args.kills, restarts, load, facts, args.tick) else 1


if __name__ == "__main__":
    sys.exit(main())
