"""The comment benchmarks still run (at a tiny size; the figures come from running them by hand)."""

from __future__ import annotations

import asyncio


async def test_intake_bench_measures_igbot_and_both_baselines_in_separate_processes():
    from bench import intake

    figures = await asyncio.to_thread(intake.run, 1, 0.5, [20], 20)
    for target in ("bare", "durable", "igbot"):
        assert figures.median(f"throughput {target}") > 0
        assert 10 < figures.median(f"achieved {target} 20/s") <= 25  # counted from answers, not from sends
        assert figures.median(f"p99 {target} 20/s") > 0
    assert figures.values["backlog relayed meanwhile, 20"] == [20]  # the backlog was shown while measured


async def test_burst_bench_folds_and_keeps_slacks_pace():
    from bench import burst

    (row,) = await asyncio.to_thread(burst.run, [5], 1)
    assert row["floor"] == 3.0 and row["messages"] == [4]  # three on their own, then one fold of two
    assert row["seconds"][0] >= 2.5 and row["cpu_ms"][0] > 0


def test_sync_bench_runs_and_counts_one_call_per_idle_account():
    from bench import sync

    figures = sync.measure(4, [0.0], 1)
    cycles = figures["0.0"]
    assert [c["calls"] for c in cycles["idle"]] == [4] and [c["calls"] for c in cycles["active"]] == [5]
    assert figures["previous"]["calls"] == 4 * 11 and len(cycles["bare"]) == 1
    assert "| 4 | 0 ms | 4 (4–4)" in sync.table([figures], [0.0])
