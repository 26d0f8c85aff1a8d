"""The comment benchmarks still run (at a tiny size; the figures come from running them by hand)."""

from __future__ import annotations


async def test_intake_bench_runs_and_every_200_was_stored():
    from bench import intake

    rows = await intake.run([20], 0.25)
    assert [r.target for r in rows] == ["bare aiohttp 200", "igbot (verify + store)"]
    assert all(r.ok == r.sent == 5 for r in rows)


async def test_burst_bench_runs_and_folds():
    from bench import burst

    (folded, naive) = await burst.run(5, 2)
    assert folded[1] == 5 and folded[3] < 5  # fewer messages than comments
    assert naive[3] == 2


def test_sync_bench_runs_and_counts_one_call_per_idle_account():
    from bench import sync

    figures = sync.measure(4, [0.0], 1)
    cycles = figures["0.0"]
    assert [c["calls"] for c in cycles["idle"]] == [4] and [c["calls"] for c in cycles["active"]] == [5]
    assert figures["previous"]["calls"] == 4 * 11 and len(cycles["bare"]) == 1
    assert "| 4 | 0 ms | 4 (4–4)" in sync.table([figures], [0.0])
