"""A scheduled digest end to end: scheduled, read from the Graph emulator, posted in Slack with its chart."""

from __future__ import annotations

from datetime import timedelta

from bot.digests.runner import run_due
from storage import digests as rows
from tests.digests.conftest import MONDAY_9_BERLIN


async def test_scheduled_digest_reaches_the_channel_with_the_emulators_numbers(deps, graph, slack, add_account,
                                                                               sleeps):
    slack.file_processing_seconds = 0
    row, acct = add_account(followers_count=1500)
    acct.insights.update({"views": 4321, "reach": 1234, "likes": 210, "accounts_engaged": 99})
    await run_due(deps, now=MONDAY_9_BERLIN - timedelta(hours=20), sleep=sleeps)
    account = await deps.store.run(rows.due_accounts, MONDAY_9_BERLIN)
    assert [a["id"] for a in account] == [row["id"]]
    assert account[0]["next_digest_at"] == "2026-11-23T08:00:00.000000Z"

    await run_due(deps, now=MONDAY_9_BERLIN + timedelta(seconds=20), sleep=sleeps)
    messages = await slack.wait_for(lambda: slack.messages(slack.social))
    msg = messages[-1]
    text = str(msg["blocks"])
    assert "1,500" in text and "4,321" in text and "1,234" in text and "210" in text
    images = [b for b in msg["blocks"] if b["type"] == "image"]
    assert images and images[0]["slack_file"]["id"] and images[0]["alt_text"]

