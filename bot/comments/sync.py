"""Sync: read recent media's comments to catch what no webhook delivered, through the same inbox."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from bot.comments.inbox import store_delivery
from bot.deps import Deps
from bot.graph import GraphAccount, GraphError, Priority
from bot.graph_accounts import graph_account
from storage import accounts as account_rows
from storage import comments as comment_rows
from storage import inbox as inbox_rows
from storage.clock import iso, parse
from storage.meta import get_meta, set_meta

log = logging.getLogger(__name__)
INTERVAL_SECONDS = 600
RECENT = timedelta(days=7)
STALE = timedelta(hours=48)
NEWEST_POSTS = 10
MAX_PAGES = 3
WEBHOOK_SILENCE = timedelta(hours=24)
COMMENT_FIELDS = ("id,text,timestamp,username,from,hidden,parent_id,"
                  "replies{id,text,timestamp,username,from,parent_id}")
MEDIA_FIELDS = "id,timestamp,permalink,caption,media_type,media_product_type,media_url,thumbnail_url"


async def sync_all(deps: Deps) -> None:
    """Sync every active account (one failing account does not stop the others)."""
    for account in await deps.store.run(account_rows.list_accounts):
        if account["status"] != "active":
            continue
        try:
            await sync_account(deps, account)
        except GraphError as exc:
            log.warning("comment sync of @%s stopped: %s", account["username"],
                        exc.sentence if isinstance(exc, GraphError) else exc)


async def sync_account(deps: Deps, account: dict, *, now: datetime | None = None, max_pages: int = MAX_PAGES) -> int:
    """Feed comments no webhook delivered into the inbox (marked as caught by sync); return how many."""
    now = now or datetime.now(UTC)
    graph = await graph_account(deps.store, deps.cipher, account)
    if await deps.graph.ready_at(graph, Priority.BACKGROUND) is not None:
        log.info("comment sync of @%s skipped: its Graph budget is throttled", account["username"])
        return 0
    media_ids = await media_to_read(deps, account, graph, now)
    changes: list[dict] = []
    for media_id in media_ids:
        changes += await unseen_comments(deps, account, graph, media_id, now=now, max_pages=max_pages)
    new, _ = await store_delivery(deps, changes, source="sync")
    if new:
        deps.metrics.comments_synced.labels(account=account["username"]).inc(new)
        await tell_gap_once(deps, account, new, now)
    return new


async def media_to_read(deps: Deps, account: dict, graph: GraphAccount, now: datetime) -> list[str]:
    """Return the media to read: the 10 newest, those posted in the last 7 days, those commented on lately."""
    page = await deps.graph.get(f"{account['ig_user_id']}/media", graph, priority=Priority.BACKGROUND,
                                params={"fields": MEDIA_FIELDS, "limit": 25})
    items = page.get("data") or []
    chosen = [m["id"] for i, m in enumerate(items) if i < NEWEST_POSTS or is_recent(m.get("timestamp"), now)]
    commented = await deps.store.run(comment_rows.recent_media_ids, account["id"], since=iso(now - RECENT))
    return list(dict.fromkeys([*chosen, *commented]))


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
    async for page in deps.graph.pages(f"{media_id}/comments", graph, priority=Priority.BACKGROUND,
                                       params={"fields": COMMENT_FIELDS, "limit": 50}, max_pages=max_pages,
                                       context={"object": f"media {media_id}"}):
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
    seen = await deps.store.run(inbox_rows.webhook_seen, account["ig_user_id"])
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
