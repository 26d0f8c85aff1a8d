"""Drain the inbox: each stored change becomes a comment row (at least once, idempotently), then is relayed."""

from __future__ import annotations

import json
import logging

from bot.comments import relay
from bot.comments.context import is_mention, media_context
from bot.comments.inbox import WORKER
from bot.deps import Deps
from bot.graph import AccountNeedsReconnect, GraphAccount, GraphError, Priority
from bot.graph import comments as graph_comments
from bot.graph_accounts import graph_account
from bot.instance import LEASE_SECONDS
from storage import accounts as account_rows
from storage import comments as comment_rows
from storage import inbox as inbox_rows

log = logging.getLogger(__name__)
HELD_RETRY_SECONDS = 600.0
TRANSIENT_RETRY_SECONDS = 30.0
OWN_REPLY_WAIT_SECONDS = 5.0
MAX_ATTEMPTS = 8
COMMENT_FIELDS = ("comments", "live_comments")


class Retry(Exception):
    """Process this inbox row again later (the message says why)."""

    def __init__(self, reason: str, delay: float = TRANSIENT_RETRY_SECONDS):
        super().__init__(reason)
        self.delay = delay


async def run(deps: Deps, *, idle_seconds: float = 1.0) -> None:
    """Process the inbox forever: drain, relay, then sleep until a delivery wakes it."""
    async with deps.instance.working("inbox") as worker:
        while True:
            processed = await drain(deps, worker=worker)
            await relay.relay_waiting(deps)
            if not processed:
                await deps.wakeups.wait(WORKER, idle_seconds)


async def drain(deps: Deps, *, worker: str, batch: int = 25) -> int:
    """Process every due inbox row once, claiming a small batch at a time; return how many were taken."""
    total = 0
    while rows := await deps.store.run(inbox_rows.claim_due, worker=worker, lease_seconds=LEASE_SECONDS,
                                       limit=batch):
        cache: dict[str, tuple[dict | None, GraphAccount | None]] = {}
        for row in rows:
            await process_row(deps, row, cache)
        await relay.relay_waiting(deps)  # a long backlog shows in Slack as it is processed, not after it
        total += len(rows)
        if len(rows) < batch:
            break
    return total


async def process_row(deps: Deps, row: dict, cache: dict) -> None:
    """Turn one inbox row into a comment row; keep it (held) when its account is unknown."""
    try:
        value = json.loads(row["value"])
        if row["field"] in COMMENT_FIELDS:
            await take_comment(deps, row, value, cache)
        elif row["field"] == "mentions":
            await take_mention(deps, row, value, cache)
        else:
            await deps.store.run(inbox_rows.finish, row["id"], state="ignored", error=f"field {row['field']}")
            return
    except Retry as exc:
        if row["attempts"] + 1 >= MAX_ATTEMPTS and exc.delay != HELD_RETRY_SECONDS:
            log.error("inbox %s: giving up after %d attempts: %s", row["id"], row["attempts"] + 1, exc)
            await deps.store.run(inbox_rows.finish, row["id"], state="failed", error=str(exc)[:300])
        else:
            await deps.store.run(inbox_rows.retry_later, row["id"], delay_seconds=exc.delay, error=str(exc)[:300],
                                 held=exc.delay == HELD_RETRY_SECONDS)
        return
    except (ValueError, KeyError, TypeError) as exc:
        log.warning("inbox %s: %s change is malformed (%s); kept as invalid", row["id"], row["field"], exc)
        await deps.store.run(inbox_rows.finish, row["id"], state="invalid", error=str(exc)[:300])
        return
    except Exception as exc:  # one row that breaks processing is kept aside (its raw value too); the drain goes on
        log.exception("inbox %s: processing the %s change raised; marked failed", row["id"], row["field"])
        await deps.store.run(inbox_rows.finish, row["id"], state="failed", error=f"{type(exc).__name__}: {exc}"[:300])
        return
    await deps.store.run(inbox_rows.finish, row["id"])


async def account_for(deps: Deps, entry_id: str, cache: dict) -> tuple[dict, GraphAccount | None]:
    """Return the account a change is for and its Graph identity; Retry (held) when it is unknown."""
    if entry_id not in cache:
        account = await deps.store.run(account_rows.get_account_by_ig_user_id, entry_id)
        graph = None
        if account is not None:
            try:
                graph = await graph_account(deps.store, deps.cipher, account)
            except AccountNeedsReconnect as exc:
                log.warning("%s", exc.sentence)
        cache[entry_id] = (account, graph)
    account, graph = cache[entry_id]
    if account is None:
        log.warning("webhook change for unknown Instagram account %s kept; it is processed once the account "
                    "is connected", entry_id)
        raise Retry(f"no account with Instagram id {entry_id}", HELD_RETRY_SECONDS)
    return account, graph


async def take_comment(deps: Deps, row: dict, value: dict, cache: dict) -> None:
    """Store a `comments` change: a comment, a reply, the account's own answer, or a mention."""
    account, graph = await account_for(deps, row["entry_id"], cache)
    comment_id = str(value.get("id") or value["comment_id"])
    if await deps.store.run(comment_rows.get_by_ig_id, account["id"], comment_id):
        return
    sender = value.get("from") if isinstance(value.get("from"), dict) else {}
    media_hint = value.get("media") if isinstance(value.get("media"), dict) else {}
    media_id = str(media_hint["id"]) if media_hint.get("id") else None
    parent_id = str(value["parent_id"]) if value.get("parent_id") else None
    own = str(sender.get("id") or "") == account["ig_user_id"] or \
        (sender.get("username") or "").lower() == account["username"].lower()
    if own and parent_id and await deps.store.run(comment_rows.reply_in_flight, account["id"], parent_id):
        raise Retry("igbot is still sending a reply to this comment", OWN_REPLY_WAIT_SECONDS)
    media = await media_context(deps, account, graph, media_id, media_hint)
    if media_id and media is None and graph is not None and row["attempts"] + 1 < 3:
        raise Retry("the post's details could not be read yet")
    kind = "own" if own and parent_id else "reply" if parent_id else "comment"
    if not own and is_mention(account, row["field"], media):
        kind = "mention"
    quote = None
    if kind == "reply":
        quote = await parent_quote(deps, account, graph, parent_id)
    await deps.store.run(comment_rows.add_comment, {
        "account_id": account["id"], "ig_comment_id": comment_id, "parent_ig_id": parent_id, "media_id": media_id,
        "kind": kind, "from_id": sender.get("id"), "username": sender.get("username"),
        "text": value.get("text") if isinstance(value.get("text"), str) else "",
        "quote": quote, "commented_at": value.get("timestamp") or row["received_at"], "source": row["source"]})


async def parent_quote(deps: Deps, account: dict, graph: GraphAccount | None, parent_id: str) -> str | None:
    """Return "@user: text" of a parent igbot never saw (None when it was relayed or is on its way)."""
    if await deps.store.run(comment_rows.get_by_ig_id, account["id"], parent_id):
        return None
    if await deps.store.run(inbox_rows.known_ids, account["ig_user_id"], [parent_id]):
        return None  # the parent is in the inbox too and will be relayed first
    if graph is None:
        return "an earlier comment"
    try:
        parent = await graph_comments.get_comment(deps.graph, graph, parent_id, fields=graph_comments.QUOTE_FIELDS,
                                                  priority=Priority.BACKGROUND)
    except GraphError as exc:
        log.info("parent comment %s not readable: %s", parent_id, exc.sentence)
        return "an earlier comment"
    return f"@{parent.get('username') or 'someone'}: {parent.get('text') or ''}"


async def take_mention(deps: Deps, row: dict, value: dict, cache: dict) -> None:
    """Store a Facebook-Login `mentions` change, read with mentioned_comment / mentioned_media (one call)."""
    account, graph = await account_for(deps, row["entry_id"], cache)
    media_id = str(value["media_id"]) if value.get("media_id") else None
    comment_id = str(value["comment_id"]) if value.get("comment_id") else None
    if not (media_id or comment_id):
        raise ValueError("a mention needs media_id or comment_id")
    key = comment_id or f"media:{media_id}"
    if await deps.store.run(comment_rows.get_by_ig_id, account["id"], key):
        return
    detail: dict = {}
    if graph is not None:
        try:
            if comment_id:
                detail = await graph_comments.mentioned_comment(deps.graph, graph, comment_id)
            else:
                detail = await graph_comments.mentioned_media(deps.graph, graph, media_id)
        except GraphError as exc:
            log.info("mention %s on @%s not readable (%s); relaying it without text", key, account["username"],
                     exc.sentence)
    if comment_id:
        media = detail.get("media") if isinstance(detail.get("media"), dict) else {}
        media_id = media_id or media.get("id")
        if media_id and media.get("permalink"):
            await deps.store.run(comment_rows.put_media, account["id"], str(media_id), permalink=media["permalink"],
                                 product_type=media.get("media_product_type"), readable=0)
        row_values = {"kind": "mention", "username": detail.get("username"),
                      "text": detail.get("text") if detail else None, "commented_at": detail.get("timestamp")}
    else:
        if detail:
            await deps.store.run(comment_rows.put_media, account["id"], media_id, permalink=detail.get("permalink"),
                                 caption=detail.get("caption") or "", media_type=detail.get("media_type"),
                                 owner_username=detail.get("username"), posted_at=detail.get("timestamp"),
                                 readable=0)
        row_values = {"kind": "caption_mention", "username": detail.get("username"), "text": None,
                      "commented_at": detail.get("timestamp")}
    await deps.store.run(comment_rows.add_comment, {
        "account_id": account["id"], "ig_comment_id": key, "media_id": media_id, "source": row["source"],
        **row_values, "commented_at": row_values["commented_at"] or row["received_at"]})
