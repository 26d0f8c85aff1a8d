"""bench/publish.py still runs (at a tiny size; the figures come from running it by hand)."""

from __future__ import annotations


async def test_publish_bench_runs_and_igbot_publishes_everything_with_fewer_calls_after_due():
    from bench import publish

    (igbot, naive) = await publish.run(6, 3, 0.0)
    assert igbot[1]["published"] == naive[1]["published"] == 6
    assert igbot[1]["calls_after_due"] < naive[1]["calls_after_due"]
