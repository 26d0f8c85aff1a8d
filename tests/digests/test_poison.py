"""A digest run whose processing raises is failed with the reason; the other accounts' digests still go out."""

from __future__ import annotations

from datetime import timedelta

from bot.digests import chart
from bot.digests.runner import run_due
from storage import digests as rows
from storage import failed as failed_rows
from tests.digests.conftest import MONDAY_9_BERLIN


async def test_a_run_that_raises_is_failed_and_the_next_account_gets_its_digest(deps, add_account, slack, sleeps,
                                                                                monkeypatch):
    slack.file_processing_seconds = 0
    poison, _ = add_account("poison_shop")
    fine, _ = add_account("fine_shop")
    await run_due(deps, now=MONDAY_9_BERLIN - timedelta(hours=1), sleep=sleeps)
    real = chart.render

    def breaks(digest):
        if digest.username == "poison_shop":
            raise ZeroDivisionError("a chart with no days")
        return real(digest)

    monkeypatch.setattr(chart, "render", breaks)
    await run_due(deps, now=MONDAY_9_BERLIN, sleep=sleeps)
    [bad] = await deps.store.run(rows.runs_of, poison["id"])
    [good] = await deps.store.run(rows.runs_of, fine["id"])
    assert good["state"] == "sent"
    assert bad["state"] == "failed" and bad["error"] == "ZeroDivisionError: a chart with no days"
    assert bad["claimed_by"] is None and bad["content"]  # what was read is kept for the retry
    assert (await deps.store.run(failed_rows.counts))["digests"] == 1
    await run_due(deps, now=MONDAY_9_BERLIN + timedelta(minutes=1), sleep=sleeps)  # no loop on the failed run
    assert [r["state"] for r in await deps.store.run(rows.runs_of, poison["id"])] == ["failed"]

    monkeypatch.setattr(chart, "render", real)
    assert await deps.store.run(failed_rows.retry, "digests", bad["id"], now=MONDAY_9_BERLIN)
    await run_due(deps, now=MONDAY_9_BERLIN + timedelta(minutes=2), sleep=sleeps)
    assert [r["state"] for r in await deps.store.run(rows.runs_of, poison["id"])] == ["sent"]
    digests = await slack.wait_for(lambda: [m for m in slack.messages(slack.social) if "poison_shop" in str(m)
                                            and "Daily digest" in str(m.get("blocks"))])
    assert len(digests) == 1
