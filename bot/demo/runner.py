"""Play the demo script against a fresh world and report whether every step did what it should."""

from __future__ import annotations

import tempfile
from pathlib import Path

from bot.demo.script import STEPS, DemoFailure
from bot.demo.transcript import Transcript
from bot.demo.world import USERNAME, close_world, open_world


def group_calls(calls) -> list[tuple[tuple[str, str, int], int]]:
    """Fold consecutive identical Graph calls into one line with a count (batch envelopes left out)."""
    grouped: list[tuple[tuple[str, str, int], int]] = []
    for call in calls:
        if call.is_batch:
            continue
        key = (call.method, call.path, call.status)
        if grouped and grouped[-1][0] == key:
            grouped[-1] = (key, grouped[-1][1] + 1)
        else:
            grouped.append((key, 1))
    return grouped


async def play(db_path: str | None = None, out: Transcript | None = None) -> bool:
    """Run every step; return True only if each one's effect was verified."""
    out = out or Transcript()
    with tempfile.TemporaryDirectory(prefix="igbot-demo-") as folder:
        world = await open_world(db_path or str(Path(folder) / "demo.db"))
        out.action("igbot demo", f"@{USERNAME} on the offline Instagram, #instagram on the offline Slack, "
                                 f"igbot on {world.bot_url}")
        failures = 0
        try:
            for step in STEPS:
                out.heading(step.title)
                before = len(world.graph.calls)
                try:
                    await step.run(world, out)
                except DemoFailure as exc:
                    failures += 1
                    out.verdict(False, str(exc))
                    continue
                for (method, path, status), count in group_calls(world.graph.calls[before:]):
                    out.graph_call(method, path, status, count)
                out.verdict(True, "verified in the emulators' state")
        finally:
            await close_world(world)
    out.heading("Result")
    total = len(STEPS)
    out.verdict(failures == 0, f"{total - failures} of {total} steps did what they should")
    return failures == 0
