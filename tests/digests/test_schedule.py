"""When digests fire: timezone and DST, one per account and day across restarts, late and missed ones."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from bot.digests import runner
from bot.digests.runner import open_due_runs, run_due, schedule_accounts
from bot.digests.schedule import day_range, next_slot, slot_on
from storage import accounts as account_rows
from storage import digests as rows
from tests.digests.conftest import MONDAY_9_BERLIN


def test_nine_in_berlin_is_eight_utc_in_winter_and_seven_in_summer():
    assert slot_on(date(2026, 1, 12), "Europe/Berlin", "09:00") == datetime(2026, 1, 12, 8, 0, tzinfo=UTC)
    assert slot_on(date(2026, 7, 13), "Europe/Berlin", "09:00") == datetime(2026, 7, 13, 7, 0, tzinfo=UTC)


def test_a_time_skipped_by_dst_fires_after_the_jump_and_a_doubled_one_fires_once():
    # 02:30 does not exist in Berlin on 2026-03-29 and exists twice on 2026-10-25
    assert slot_on(date(2026, 3, 29), "Europe/Berlin", "02:30") == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    assert slot_on(date(2026, 10, 25), "Europe/Berlin", "02:30") == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)


def test_local_days_are_23_or_25_hours_around_dst():
    since, until = day_range(date(2026, 3, 29), "Europe/Berlin")
    assert until - since == 23 * 3600
    since, until = day_range(date(2026, 10, 25), "Europe/Berlin")
    assert until - since == 25 * 3600


def test_next_slot_skips_days_that_already_had_their_digest():
    after = datetime(2026, 1, 12, 7, 0, tzinfo=UTC)
    assert next_slot("Europe/Berlin", "09:00", after) == datetime(2026, 1, 12, 8, 0, tzinfo=UTC)
    assert next_slot("Europe/Berlin", "09:00", after, taken={"2026-01-12"}) == datetime(2026, 1, 13, 8, 0,
                                                                                       tzinfo=UTC)


@pytest.mark.parametrize(("month", "expected"), [(1, "2026-01-13T08:00:00.000000Z"),
                                                 (7, "2026-07-13T07:00:00.000000Z")])
async def test_the_tick_stores_next_digest_at_from_timezone_and_digest_time(deps, add_account, month, expected):
    row, _ = add_account()
    await schedule_accounts(deps, datetime(2026, month, 12, 12, 0, tzinfo=UTC))
    account = await deps.store.run(account_rows.get_account, row["id"])
    assert account["next_digest_at"] == expected


async def test_a_settings_change_reschedules_but_never_sends_a_second_digest_that_day(deps, add_account, slack,
                                                                                     sleeps):
    slack.file_processing_seconds = 0
    row, _ = add_account()
    await run_due(deps, now=MONDAY_9_BERLIN - timedelta(hours=1), sleep=sleeps)
    await run_due(deps, now=MONDAY_9_BERLIN, sleep=sleeps)
    assert [r["state"] for r in await deps.store.run(rows.runs_of, row["id"])] == ["sent"]
    # later that morning an admin moves the digest to 11:00: today's is done, so the next one is tomorrow
    await deps.store.run(account_rows.update_settings, row["id"], digest_time="11:00")
    await run_due(deps, now=MONDAY_9_BERLIN + timedelta(minutes=5), sleep=sleeps)
    account = await deps.store.run(account_rows.get_account, row["id"])
    assert account["next_digest_at"] == "2026-11-24T10:00:00.000000Z"
    await run_due(deps, now=MONDAY_9_BERLIN + timedelta(hours=2, minutes=1), sleep=sleeps)
    assert len(await deps.store.run(rows.runs_of, row["id"])) == 1


async def test_two_processes_opening_the_same_digest_make_one_run(deps, add_account):
    row, _ = add_account()
    await schedule_accounts(deps, MONDAY_9_BERLIN - timedelta(hours=1))
    account = await deps.store.run(account_rows.get_account, row["id"])
    first = await open_due_runs(deps, MONDAY_9_BERLIN)
    # a second process that read the same account row before the first one moved it
    again = await deps.store.run(rows.open_scheduled_run, account, day="2026-11-23", due_at=MONDAY_9_BERLIN,
                                 next_at=MONDAY_9_BERLIN + timedelta(days=1), weekly=True, now=MONDAY_9_BERLIN)
    assert len(first) == 1 and again is None
    assert len(await deps.store.run(rows.runs_of, row["id"])) == 1


async def test_a_restart_mid_digest_resumes_it_once(deps, add_account, slack, sleeps, monkeypatch):
    slack.file_processing_seconds = 0
    row, _ = add_account()
    await run_due(deps, now=MONDAY_9_BERLIN - timedelta(hours=1), sleep=sleeps)

    class Died(BaseException):
        """The process dies after claiming the run."""

    async def crash(*args, **kwargs):
        raise Died

    monkeypatch.setattr(runner, "process_run", crash)
    with pytest.raises(Died):
        await run_due(deps, now=MONDAY_9_BERLIN, sleep=sleeps)
    monkeypatch.undo()
    # the next run (a new worker id) cannot take the run while the lease holds; once it expires, it can
    await run_due(deps, now=MONDAY_9_BERLIN + timedelta(seconds=10), sleep=sleeps)
    assert [r["state"] for r in await deps.store.run(rows.runs_of, row["id"])] == ["pending"]
    later = MONDAY_9_BERLIN + timedelta(minutes=1)
    assert later - MONDAY_9_BERLIN > timedelta(seconds=runner.LEASE_SECONDS)
    await run_due(deps, now=later, sleep=sleeps)
    await run_due(deps, now=later + timedelta(minutes=1), sleep=sleeps)
    runs = await deps.store.run(rows.runs_of, row["id"])
    assert [r["state"] for r in runs] == ["sent"]
    messages = await slack.wait_for(lambda: slack.messages(slack.social))
    assert len([m for m in messages if "Daily digest" in str(m.get("blocks"))]) == 1
    # taken over a minute after its time, so it is not marked late
    assert "Sent late" not in str(messages[0]["blocks"])


async def test_a_digest_missed_by_more_than_six_hours_is_skipped_for_that_day(deps, add_account, slack, sleeps):
    row, _ = add_account()
    await run_due(deps, now=MONDAY_9_BERLIN - timedelta(hours=1), sleep=sleeps)
    await run_due(deps, now=MONDAY_9_BERLIN + timedelta(hours=7), sleep=sleeps)
    runs = await deps.store.run(rows.runs_of, row["id"])
    assert [r["state"] for r in runs] == ["missed"] and "missed by 7 h" in runs[0]["error"]
    account = await deps.store.run(account_rows.get_account, row["id"])
    assert account["next_digest_at"] == "2026-11-24T08:00:00.000000Z"
    assert slack.messages(slack.social) == []


async def test_weekly_part_only_on_mondays_and_only_when_on(deps, add_account, slack, sleeps):
    slack.file_processing_seconds = 0
    row, _ = add_account()
    await run_due(deps, now=MONDAY_9_BERLIN - timedelta(hours=1), sleep=sleeps)
    await run_due(deps, now=MONDAY_9_BERLIN, sleep=sleeps)
    await deps.store.run(account_rows.update_settings, row["id"], weekly_digest=0)
    next_monday = MONDAY_9_BERLIN + timedelta(days=7)
    for day in range(1, 8):
        await run_due(deps, now=MONDAY_9_BERLIN + timedelta(days=day), sleep=sleeps)
    runs = await deps.store.run(rows.runs_of, row["id"])
    assert [(r["day"], r["weekly"]) for r in runs][0] == ("2026-11-23", 1)
    assert all(r["weekly"] == 0 for r in runs[1:]) and runs[-1]["day"] == next_monday.date().isoformat()
    payloads = [(await deps.outbox.get(r["outbox_id"]))["payload"] for r in runs]  # queued, paced to Slack
    assert "Weekly: the last four weeks" in payloads[0]
    assert not any("Weekly" in p for p in payloads[1:])
