"""Sync: catch comments no webhook delivered, reading only what changed, through the same inbox.

A cycle reads each account's 25 newest media with their ``comments_count`` in one call, then the comments of
the media whose count moved since the account's last sync (a new post with comments counts as moved), and of
the newest post (when it has any) once an hour even when its count stayed (a deleted comment and a new one
leave it as it was). An idle account costs one call a cycle. Accounts are synced CONCURRENCY at a time, their
starts spread over most of the interval instead of all at once.

While webhooks demonstrably flow for an account (one arrived within WEBHOOK_FLOWING), it is synced once every
FLOWING_EVERY instead of every cycle. That is safe: each sync compares the counts with those of the last sync
that ran, so a comment whose webhook was lost in between is still found, at most FLOWING_EVERY later.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from bot.comments.inbox import store_delivery
from bot.deps import Deps
from bot.graph import GraphAccount, GraphError, Priority
from bot.graph import comments as graph_comments
from bot.graph import media as graph_media
from bot.graph_accounts import graph_account
from storage import accounts as account_rows
from storage import comment_sync as sync_rows
from storage import comments as comment_rows
from storage import inbox as inbox_rows
from storage.clock import iso, parse
from storage.meta import get_meta, set_meta

log = logging.getLogger(__name__)
INTERVAL_SECONDS = 600
SPREAD = 0.8  # the share of the interval the accounts' starts are spread over
CONCURRENCY = 8  # accounts synced at the same time
RECENT = timedelta(days=7)
STALE = timedelta(hours=48)
NEWEST_POSTS = 10
NEWEST_EVERY = timedelta(hours=1)
MAX_PAGES = 3
WEBHOOK_SILENCE = timedelta(hours=24)
WEBHOOK_FLOWING = timedelta(minutes=15)
FLOWING_EVERY = timedelta(hours=1)


async def sync_all(deps: Deps, *, spread: float = INTERVAL_SECONDS * SPREAD,
                   sleep: Callable[[float], Awaitable[object]] = asyncio.sleep) -> None:
    """Sync every active account, CONCURRENCY at a time, their starts spread evenly over `spread` seconds (one
    failing account does not stop the others)."""
    accounts = [a for a in await deps.store.run(account_rows.list_accounts) if a["status"] == "active"]
    gate = asyncio.Semaphore(CONCURRENCY)
    step = spread / len(accounts) if accounts else 0.0

    async def in_turn(account: dict, delay: float) -> None:
        if delay:
            await sleep(delay)
        async with gate:
            await _sync_logged(deps, account)

    await asyncio.gather(*(in_turn(account, i * step) for i, account in enumerate(accounts)))


async def _sync_logged(deps: Deps, account: dict) -> None:
    """Sync one account; log what stopped it."""
    try:
        await sync_account(deps, account)
    except GraphError as exc:
        log.warning("comment sync of @%s stopped: %s", account["username"], exc.sentence)
    except Exception:  # one account's bug must not stop the cycle of the others
        log.exception("comment sync of @%s failed", account["username"])


async def sync_account(deps: Deps, account: dict, *, now: datetime | None = None, max_pages: int = MAX_PAGES) -> int:
    """Feed comments no webhook delivered into the inbox (marked as caught by sync); return how many."""
    now = now or datetime.fromtimestamp(deps.graph.clock(), UTC)
    last = await deps.store.run(sync_rows.last_sync, account["id"])
    if await webhooks_flowing(deps, account, now) and _within(last["synced_at"], now, FLOWING_EVERY):
        return 0
    graph = await graph_account(deps.store, deps.cipher, account)
    if await deps.graph.ready_at(graph, Priority.BACKGROUND) is not None:
        log.info("comment sync of @%s skipped: its Graph budget is throttled", account["username"])
        return 0
    media = await graph_media.comment_counts(deps.graph, graph)
    read_newest = bool(media) and not _within(last["newest_read_at"], now, NEWEST_EVERY)
    pending = media_to_read(media, last, now, read_newest=read_newest)
    changes: list[dict] = []
    try:
        for media_id in list(pending):
            changes += await unseen_comments(deps, account, graph, media_id, now=now, max_pages=max_pages)
            pending.remove(media_id)
    finally:  # what was read counts, even when a read stopped half-way (the rest is read next time)
        await _record(deps, account, media, last, pending, now, read_newest)
        new = await _deliver(deps, account, changes, now)
    return new


def media_to_read(media: list[dict], last: dict, now: datetime, *, read_newest: bool) -> list[str]:
    """Return the media whose comments to read: those whose count moved since the last sync (on the first sync,
    those with comments among the 10 newest or the last 7 days), and the newest post, if it has comments, when
    it is due."""
    first = last["synced_at"] is None
    chosen = []
    for i, item in enumerate(media):
        media_id, count = str(item["id"]), int(item.get("comments_count") or 0)
        if first:
            moved = count > 0 and (i < NEWEST_POSTS or is_recent(item.get("timestamp"), now))
        else:
            moved = count != last["counts"].get(media_id, 0)
        if moved or (i == 0 and read_newest and count > 0):
            chosen.append(media_id)
    return chosen


async def webhooks_flowing(deps: Deps, account: dict, now: datetime) -> bool:
    """Say whether a webhook for the account arrived within WEBHOOK_FLOWING."""
    seen = await deps.webhook_seen.last(deps.store, account["ig_user_id"])
    return _within(seen, now, WEBHOOK_FLOWING)


def _within(stamp: str | None, now: datetime, period: timedelta) -> bool:
    """Say whether a stored moment lies within a period before now."""
    return stamp is not None and parse(stamp) > now - period


async def _record(deps: Deps, account: dict, media: list[dict], last: dict, pending: list[str], now: datetime,
                  read_newest: bool) -> None:
    """Store this sync's counts; media whose read did not happen keep the count of before, to be read again."""
    counts = {}
    for item in media:
        media_id = str(item["id"])
        count = last["counts"].get(media_id) if media_id in pending else int(item.get("comments_count") or 0)
        if count is not None:
            counts[media_id] = count
    newest_read = read_newest and str(media[0]["id"]) not in pending
    await deps.store.run(sync_rows.record_sync, account["id"], counts=counts, synced_at=iso(now),
                         newest_read_at=iso(now) if newest_read else last["newest_read_at"])


async def _deliver(deps: Deps, account: dict, changes: list[dict], now: datetime) -> int:
    """Store what sync found in the inbox, count it, tell the channel once; return how many were new."""
    new, _ = await store_delivery(deps, changes, source="sync")
    if new:
        deps.metrics.comments_synced.labels(account=account["username"]).inc(new)
        await tell_gap_once(deps, account, new, now)
    return new


def is_recent(stamp: str | None, now: datetime, within: timedelta = RECENT) -> bool:
    """Return True when a Graph timestamp is within a period before now."""
    moment = graph_time(stamp)
    return moment is not None and moment >= now - within


def graph_time(stamp: str | None) -> datetime | None:
    """Parse a Graph timestamp (2026-11-28T10:00:00+0000)."""
    if not stamp:
        return None
    try:
        return datetime.fromisoformat(stamp.replace("Z", "+00:00").replace("+0000", "+00:00"))
    except ValueError:
        return None


async def unseen_comments(deps: Deps, account: dict, graph: GraphAccount, media_id: str, *, now: datetime,
                          max_pages: int) -> list[dict]:
    """Read a media's comments newest first; stop at a page with nothing new and recent, or after max_pages."""
    found: list[dict] = []
    async for page in graph_comments.comment_pages(deps.graph, graph, media_id, max_pages=max_pages):
        flat = []
        for comment in page.get("data") or []:
            flat.append(comment)
            for reply in (comment.get("replies") or {}).get("data") or []:
                flat.append({**reply, "parent_id": reply.get("parent_id") or comment["id"]})
        ids = [str(c["id"]) for c in flat if c.get("id")]
        known = await deps.store.run(comment_rows.known_comment_ids, account["id"], ids) | \
            await deps.store.run(inbox_rows.known_ids, account["ig_user_id"], ids, unprocessed=False)
        fresh = [c for c in flat if str(c.get("id")) not in known and is_recent(c.get("timestamp"), now, STALE)]
        found += [as_change(account, media_id, c) for c in fresh]
        if not fresh:
            break
    return found
def as_change(account: dict, media_id: str, comment: dict) -> dict:
    """Shape a comment read by sync like the `comments` change Meta would have sent."""
    value = {"id": str(comment["id"]), "text": comment.get("text") or "", "media": {"id": media_id},
             "from": comment.get("from") or {"username": comment.get("username")},
             "timestamp": comment.get("timestamp")}
    if comment.get("parent_id"):
        value["parent_id"] = str(comment["parent_id"])
    return {"entry_id": account["ig_user_id"], "field": "comments", "object_id": value["id"], "value": value}


async def tell_gap_once(deps: Deps, account: dict, found: int, now: datetime) -> None:
    """Tell the channel, once until webhooks flow again, that sync caught comments webhooks missed."""
    key = f"sync_gap_told:{account['id']}"
    told = await deps.store.run(get_meta, key)
    seen = await deps.webhook_seen.last(deps.store, account["ig_user_id"])
    if told and (not seen or parse(seen) <= parse(told)):
        return
    await deps.store.run(set_meta, key, iso(now))
    silent = not seen or parse(seen) < now - WEBHOOK_SILENCE
    why = ("no webhook has arrived for it " + (f"since {seen[:16].replace('T', ' ')} UTC" if seen else "yet")) \
        if silent else "some webhooks did not arrive"
    text = (f":mag: Sync found {found} comment{'s' if found != 1 else ''} on @{account['username']} that Meta's "
            f"webhooks never delivered ({why}); they are shown here marked “caught by sync”. "
            "If this repeats, run `igbot webhooks status` to check the subscription.")
    await deps.outbox.post(channel_id=account["channel_id"], account_id=account["id"],
                           payload={"text": text, "blocks": [{"type": "section",
                                                              "text": {"type": "mrkdwn", "text": text}}]},
                           dedupe_key=f"sync_gap:{account['id']}:{iso(now)}")
