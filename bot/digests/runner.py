"""Digest runs: schedule accounts, open the day's run, read, compose, chart, and queue the message."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from slack_sdk.errors import SlackApiError

from bot.deps import Deps
from bot.digests import chart, message
from bot.digests.collect import backfill, collect, store_collected
from bot.digests.compose import Digest, compose, history_window
from bot.digests.schedule import LATE_LIMIT, LATE_NOTE_AFTER, day_range, is_monday, local_day, next_slot
from bot.digests.slack_files import ChartUploadError, Sleep, processed, upload, wait_processed
from bot.graph import errors as E
from bot.graph.account import Priority
from bot.graph_accounts import graph_account
from bot.instance import LEASE_SECONDS
from bot.posts.publisher import now_of
from storage import accounts as account_rows
from storage import digest_sources as sources
from storage import digests as rows
from storage.clock import iso, parse

log = logging.getLogger(__name__)
PROCESSING_WAIT = 2.0  # how long a chart is given for Slack to process it before it is checked
CONCURRENCY = 8  # digests in progress at once (their waits overlap; Slack's and Meta's limits pace them)
POLL_SECONDS = 5.0  # how often the digest worker looks for due work
RETRY_AFTER = timedelta(minutes=10)
MAX_ATTEMPTS = 6
CHART_KEEP = timedelta(days=7)


async def run_worker(deps: Deps, *, sleep: Sleep = asyncio.sleep, poll: float = POLL_SECONDS) -> None:
    """The digest worker, apart from the scheduler's tick: do the due digest work, then look again."""
    while True:
        await run_due(deps, sleep=sleep)
        await deps.wakeups.wait("digests", timeout=poll)


async def run_due(deps: Deps, *, now: datetime | None = None, sleep: Sleep = asyncio.sleep,
                  concurrency: int = CONCURRENCY) -> None:
    """Do all digest work that is due (at `now`, else by the clock), `concurrency` runs at a time."""
    clock = (lambda: now) if now is not None else partial(now_of, deps)
    moment = clock()
    await schedule_accounts(deps, moment)
    await open_due_runs(deps, moment)
    await asyncio.gather(*(_lane(deps, clock, sleep) for _ in range(concurrency)))
    await deliver_thread_charts(deps, sleep=sleep)
    await deps.store.run(rows.prune_charts, before=moment - CHART_KEEP)


async def _lane(deps: Deps, clock: Callable[[], datetime], sleep: Sleep) -> None:
    """One of the concurrent digests: claim one due run at a time and process it, until none is left."""
    async with deps.instance.working("digests") as worker:
        while claimed := await deps.store.run(rows.claim_runs, worker=worker, lease_seconds=LEASE_SECONDS,
                                              now=clock(), limit=1):
            for run in claimed:
                await process_guarded(deps, run, now=clock(), sleep=sleep)


async def schedule_accounts(deps: Deps, now: datetime) -> None:
    """Compute next_digest_at for accounts that have none (new, or their timezone or time changed)."""
    for account in await deps.store.run(rows.unscheduled_accounts):
        await schedule_account(deps, account, now)


async def schedule_account(deps: Deps, account: dict, now: datetime) -> datetime | None:
    """Store and return an unscheduled account's next digest time (None if its settings cannot be scheduled)."""
    try:
        today = local_day(now, account["timezone"])
        near = [(today + timedelta(days=i)).isoformat() for i in (-1, 0, 1)]
        taken = await deps.store.run(rows.scheduled_days, account["id"], near)
        when = next_slot(account["timezone"], account["digest_time"], now, taken=taken)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        log.error("digest for account %s cannot be scheduled: %s", account["id"], exc)
        return None
    await deps.store.run(rows.set_next_digest_at, account, when)
    return when


async def open_due_runs(deps: Deps, now: datetime) -> list[int]:
    """Create the scheduled run of every account whose digest time has come (missed ones are recorded)."""
    opened = []
    for account in await deps.store.run(rows.due_accounts, now):
        due = parse(account["next_digest_at"])
        tz = account["timezone"]
        day = local_day(due, tz)
        following = next_slot(tz, account["digest_time"], max(now, due), taken={day.isoformat()})
        weekly = bool(account["weekly_digest"]) and is_monday(day)
        if now - due > LATE_LIMIT:
            hours = (now - due).total_seconds() / 3600
            run_id = await deps.store.run(rows.open_scheduled_run, account, day=day.isoformat(), due_at=due,
                                          next_at=following, weekly=weekly, now=now, state="missed",
                                          error=f"missed by {hours:.0f} h (igbot was not running)")
            log.warning("digest of %s for %s missed by %.0f h; skipped", account["username"], day, hours)
        else:
            run_id = await deps.store.run(rows.open_scheduled_run, account, day=day.isoformat(), due_at=due,
                                          next_at=following, weekly=weekly, now=now)
            if run_id:
                opened.append(run_id)
    return opened


async def start_manual(deps: Deps, account: dict, *, channel_id: str, user_id: str,
                       now: datetime | None = None) -> int:
    """Create a /ig digest run for today in a channel; it does not replace the scheduled one."""
    moment = now or datetime.now(UTC)
    day = local_day(moment, account["timezone"])
    weekly = bool(account["weekly_digest"]) and is_monday(day)
    return await deps.store.run(rows.create_manual_run, account_id=account["id"], day=day.isoformat(),
                                channel_id=channel_id, weekly=weekly, requested_by=user_id, now=moment)


async def run_now(deps: Deps, run_id: int, *, now: datetime | None = None, sleep: Sleep = asyncio.sleep) -> bool:
    """Claim one run and process it at once (for /ig digest); False if someone else holds it."""
    moment = now or datetime.now(UTC)
    async with deps.instance.working("digests") as worker:
        claimed = await deps.store.run(rows.claim_runs, worker=worker, lease_seconds=LEASE_SECONDS, now=moment,
                                       run_id=run_id)
        for run in claimed:
            await process_guarded(deps, run, now=moment, sleep=sleep)
    return bool(claimed)


async def process_guarded(deps: Deps, run: dict, *, now: datetime, sleep: Sleep = asyncio.sleep) -> None:
    """Process one claimed run (its claimed_by is the worker); one that raises is marked failed with the reason,
    and the others go on."""
    try:
        await process_run(deps, run, now=now, sleep=sleep)
    except Exception as exc:
        log.exception("digest run %s raised; marked failed", run["id"])
        await deps.store.run(rows.mark_failed, run["id"], error=f"{type(exc).__name__}: {exc}"[:300],
                             worker=run["claimed_by"])


async def process_run(deps: Deps, run: dict, *, now: datetime, sleep: Sleep = asyncio.sleep) -> None:
    """Read (or reuse), compose, chart and queue one claimed run; on a pause, put it back for later."""
    account = await deps.store.run(account_rows.get_account, run["account_id"])
    if account is None:
        await deps.store.run(rows.mark_failed, run["id"], error="account removed", worker=run["claimed_by"])
        return
    try:
        content = await _content(deps, run, account)
    except (E.GraphError, SlackApiError) as exc:
        await _not_now(deps, run, account, exc, now)
        return
    except Exception as exc:  # a broken run must not stop the others; it is retried, then reported
        log.exception("digest run %s failed", run["id"])
        await _not_now(deps, run, account, exc, now)
        return
    digest = await _compose(deps, run, account, content, now)
    png = await asyncio.to_thread(chart.render, digest)
    await deps.store.run(rows.save_chart, run["id"], png)
    alt = chart.alt_text(digest)
    file_id, chart_state = await _place_chart(deps, run, digest, png, alt, sleep)
    payload = {"text": message.text(digest),
               "blocks": message.blocks(digest, file_id=file_id if chart_state == "inline" else None, alt=alt)}
    outbox_id = await deps.outbox.post(channel_id=run["channel_id"], payload=payload, account_id=account["id"],
                                       dedupe_key=f"digest:{run['id']}")
    await deps.store.run(rows.mark_queued, run["id"], outbox_id=outbox_id, chart_state=chart_state,
                         worker=run["claimed_by"])
    deps.metrics.digests_sent.labels(kind=run["kind"], chart=chart_state).inc()
    log.info("digest %s for @%s (%s) queued; %s Graph calls; chart %s", run["id"], account["username"],
             run["day"], content.get("graph_calls"), chart_state)


async def _content(deps: Deps, run: dict, account: dict) -> dict:
    """Return the run's content: kept from an earlier attempt or today's run, else read from Graph now."""
    if run["content"]:
        return json.loads(run["content"])
    reuse = await deps.store.run(rows.reusable_content, account["id"], run["day"])
    if reuse is not None:
        await deps.store.run(rows.save_content, run["id"], reuse, graph_calls=0)
        return {**reuse, "graph_calls": 0}
    gaccount = await graph_account(deps.store, deps.cipher, account)
    priority = Priority.PERSON if run["kind"] == "manual" else Priority.BACKGROUND
    day = datetime.fromisoformat(run["day"]).date()
    content = await collect(deps.graph, gaccount, timezone=account["timezone"], day=day, priority=priority)
    await store_collected(deps.store, account["id"], content)
    if not await deps.store.run(rows.backfilled, account["id"]):
        try:
            note = await backfill(deps.graph, gaccount, timezone=account["timezone"], day=day, store=deps.store,
                                  account_id=account["id"])
        except E.GraphError as exc:  # history is a bonus: the digest goes out without it
            log.warning("digest backfill for @%s stopped: %s", account["username"], exc.sentence)
            note = None
        content["backfill_note"] = note
    await deps.store.run(rows.save_content, run["id"], content, graph_calls=content["graph_calls"])
    return content


async def _compose(deps: Deps, run: dict, account: dict, content: dict, now: datetime) -> Digest:
    first, last = history_window(run["day"])
    insights = await deps.store.run(rows.insight_history, account["id"], first, last)
    followers = await deps.store.run(rows.follower_history, account["id"], first, last)
    digest = compose(content, username=account["username"], insight_history=insights,
                     follower_history=followers, weekly=bool(run["weekly"]))
    since, until = _yesterday_iso(run["day"], account["timezone"])
    digest.moderation = await deps.store.run(sources.moderation_summary, account["id"], since, until)
    digest.quota = await deps.store.run(sources.publishing_quota, account["id"])
    digest.stories = await deps.store.run(sources.story_results, account["id"], since, until)
    if digest.quota is None:
        digest.footnotes.append("The publishing quota appears once igbot has published for this account.")
    if content.get("backfill_note"):
        digest.footnotes.append(f"History: {content['backfill_note']}")
    if run["kind"] == "scheduled" and run["due_at"]:
        late = now - parse(run["due_at"])
        if late > LATE_NOTE_AFTER:
            due_local = parse(run["due_at"]).astimezone(ZoneInfo(account["timezone"])).strftime("%H:%M")
            digest.late_note = f"Sent late: this digest was due at {due_local}"
    return digest


def _yesterday_iso(day: str, timezone: str) -> tuple[str, str]:
    d = datetime.fromisoformat(day).date() - timedelta(days=1)
    since, until = day_range(d, timezone)
    return iso(datetime.fromtimestamp(since, UTC)), iso(datetime.fromtimestamp(until, UTC))


async def _place_chart(deps: Deps, run: dict, digest: Digest, png: bytes, alt: str,
                       sleep: Sleep) -> tuple[str | None, str]:
    """Upload the chart (once per run) and say whether it can go inline or must go into the thread."""
    file_id = run["file_id"]
    try:
        if file_id is None:
            file_id = await upload(deps.slack, deps.http, png, filename=_filename(digest), title=chart.title(digest),
                                   alt=alt, sleep=sleep)
            await deps.store.run(rows.set_file, run["id"], file_id)
            ready = await wait_processed(deps.slack, file_id, sleep=sleep, delay=PROCESSING_WAIT)
        else:
            ready = await processed(deps.slack, file_id, sleep=sleep)
    except (SlackApiError, ChartUploadError, OSError) as exc:
        log.warning("digest %s: chart upload failed (%s); it will go into the thread", run["id"], exc)
        return None, "thread"
    return file_id, "inline" if ready else "thread"


def _filename(digest: Digest) -> str:
    return f"digest-{digest.username}-{digest.yesterday}.png"


async def _not_now(deps: Deps, run: dict, account: dict, exc: Exception, now: datetime) -> None:
    """Retry a run later, or give up (telling the channel) once it is too late or tried too often."""
    sentence = getattr(exc, "sentence", None) or f"an unexpected error ({type(exc).__name__})"
    retry_at = getattr(exc, "retry_at", None)  # on the Graph client's clock
    when = now + (timedelta(seconds=retry_at - deps.graph.clock()) if retry_at else RETRY_AFTER)
    when = max(when, now + timedelta(seconds=30))
    started = parse(run["due_at"]) if run["due_at"] else now
    too_late = run["kind"] == "manual" or when - started > LATE_LIMIT or run["attempts"] + 1 >= MAX_ATTEMPTS
    if not too_late:
        log.info("digest %s for @%s waits until %s: %s", run["id"], account["username"], iso(when), sentence)
        await deps.store.run(rows.retry_later, run["id"], error=sentence, at=when, worker=run["claimed_by"])
        return
    outbox_id = await deps.outbox.post(channel_id=run["channel_id"], account_id=account["id"],
                                       payload=message.failure_blocks(account["username"], run["day"], sentence),
                                       dedupe_key=f"digest-failed:{run['id']}")
    await deps.store.run(rows.mark_failed, run["id"], error=sentence, worker=run["claimed_by"], outbox_id=outbox_id)


async def deliver_thread_charts(deps: Deps, *, sleep: Sleep = asyncio.sleep) -> None:
    """Post charts that could not be shown inline into their digest's thread, once the digest is in Slack."""
    for run in await deps.store.run(rows.runs_needing_thread_chart):
        png = await deps.store.run(rows.get_chart, run["id"])
        if not png:
            await deps.store.run(rows.set_chart_state, run["id"], "none")
            continue
        account = await deps.store.run(account_rows.get_account, run["account_id"])
        name = account["username"] if account else "account"
        try:
            await upload(deps.slack, deps.http, png, filename=f"digest-{name}-{run['day']}.png",
                         title=f"@{name} digest chart", alt=f"Digest chart for @{name}",
                         channel_id=run["channel_id"], thread_ts=run["message_ts"], sleep=sleep)
        except (SlackApiError, ChartUploadError, OSError) as exc:
            log.warning("digest %s: chart for the thread not uploaded yet (%s)", run["id"], exc)
            continue
        await deps.store.run(rows.set_chart_state, run["id"], "thread_done")
