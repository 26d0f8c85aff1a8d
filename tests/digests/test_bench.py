"""bench/digest.py runs at a tiny size (so it cannot rot) and shows igbot's read is the cheaper one."""

from __future__ import annotations

import asyncio
import importlib.util
import sys
from pathlib import Path


def test_the_digest_bench_runs_and_igbot_reads_in_three_calls_per_account():
    path = Path(__file__).resolve().parents[2] / "bench" / "digest.py"
    spec = importlib.util.spec_from_file_location("bench_digest", path)
    bench = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = bench  # dataclasses look their module up
    spec.loader.exec_module(bench)

    rows = asyncio.run(bench.main([2], media=5, latency=0.0))
    ours, theirs = rows
    assert ours.calls == 6 and ours.emulator_calls == 6 and ours.media == 10
    assert theirs.calls == 2 * (1 + 11 + 1 + 5) and theirs.media == 10
    assert "Graph calls" in bench.table(rows, 5, 0.0, 1.0)
