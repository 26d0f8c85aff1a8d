"""kill -9 in a publishing minute and in a comment burst: after a restart on the same database work resumes in
seconds, and nothing is lost or repeated (`igbot serve`, the emulators and the load each in their own process)."""

from __future__ import annotations

import time

import pytest

from bench.crashes import Harness

pytestmark = pytest.mark.slow
TICK = 2


@pytest.fixture
def harness():
    with Harness(tick_seconds=TICK) as h:
        yield h


def test_kill_9_mid_publish_then_mid_comment_burst_resumes_at_once_and_does_everything_once(harness):
    h = harness
    h.start_igbot()

    # A publishing minute: five posts due at once; igbot dies while the first media_publish is in flight.
    posts = [f"Winter drop [p{i:04d}]" for i in range(5)]
    tokens = [p[-7:] for p in posts]
    h.slow_publish(6)
    h.queue_posts(posts, due_in=6)
    h.wait_for(lambda: h.facts(tokens)["publish_calls"] >= 1, timeout=60)
    h.kill_igbot()
    before = h.facts(tokens)
    assert before["publish_calls"] == 1 and sum(before["live"].values()) <= 1
    up = h.start_igbot()
    h.wait_for(lambda: all(n >= 1 for n in h.facts(tokens)["live"].values()), timeout=60)
    assert time.time() - up <= TICK + 5, "due posts were not published within a tick of the restart"
    h.wait_for(lambda: all(n == 1 for n in h.facts(tokens)["shown"].values()), timeout=30)  # "Published" reports
    after = h.facts(tokens)
    assert after["live"] == {t: 1 for t in tokens}  # each post live exactly once
    assert after["publish_calls"] == 5  # the one in flight was resolved from its container, not published again

    # A comment burst: 60 comments in 6 deliveries; igbot dies as soon as the first one shows in Slack.
    comments = [f"Is this in stock? [c{i:04d}]" for i in range(60)]
    ctokens = [c[-7:] for c in comments]
    for start in range(0, len(comments), 10):
        h.comment(comments[start:start + 10])
    h.wait_for(lambda: h.facts(ctokens)["first_seen"], timeout=30, interval=0.01)
    h.kill_igbot()
    shown_at_kill = h.facts(ctokens)["first_seen"]
    assert len(shown_at_kill) < len(comments), "the burst was over before the kill"
    up = h.start_igbot()
    h.wait_for(lambda: len(h.facts(ctokens)["first_seen"]) == len(comments), timeout=90)
    seen = h.facts(ctokens)
    resumed = min(at for token, at in seen["first_seen"].items() if token not in shown_at_kill)
    assert resumed - up <= 5, f"comments resumed {resumed - up:.1f} s after the restart"
    assert seen["shown"] == {t: 1 for t in ctokens}  # each comment in exactly one message
    assert seen["relay_waiting"] == 0
