"""Relay stored comments to Slack through the outbox: own message, thread post, or folded under a burst."""

from __future__ import annotations

import logging

from bot.comments import render
from bot.deps import Deps
from storage import accounts as account_rows
from storage import comments as comment_rows
from storage import inbox as inbox_rows
from storage import outbox as outbox_rows

log = logging.getLogger(__name__)
FOLD_BACKLOG = 3  # posts already waiting for a channel before new comments are folded


async def relay_waiting(deps: Deps, *, fold_backlog: int | None = None) -> int:
    """Queue every waiting comment's Slack post; return how many were queued."""
    fold_backlog = FOLD_BACKLOG if fold_backlog is None else fold_backlog
    queued = 0
    accounts: dict[int, dict | None] = {}
    for comment in await deps.store.run(comment_rows.waiting):
        if comment["account_id"] not in accounts:
            accounts[comment["account_id"]] = await deps.store.run(account_rows.get_account, comment["account_id"])
        account = accounts[comment["account_id"]]
        if account is None:
            await deps.store.run(comment_rows.skip_relay, comment["id"])
            continue
        try:
            if await relay_one(deps, account, comment, fold_backlog=fold_backlog):
                queued += 1
        except Exception as exc:  # a comment that cannot be rendered is set aside; the others are relayed
            log.exception("comment %s: relaying it raised; marked failed", comment["id"])
            await deps.store.run(comment_rows.fail_relay, comment["id"], error=f"{type(exc).__name__}: {exc}"[:300])
    if queued:
        deps.outbox.wake()
    return queued


async def relay_one(deps: Deps, account: dict, comment: dict, *, fold_backlog: int) -> bool:
    """Queue one comment; False when it must wait (its parent is not relayed yet)."""
    if comment["parent_ig_id"] and comment["quote"] is None:
        parent = await deps.store.run(comment_rows.get_by_ig_id, account["id"], comment["parent_ig_id"])
        if parent is not None and parent["relay_state"] in ("skipped", "failed"):  # never shown: quote it
            said = f"@{parent['username'] or account['username']}: {parent['text'] or ''}"
            comment = await deps.store.run(comment_rows.update_comment, comment["id"], quote=said)
            return await relay_top_level(deps, account, comment, fold_backlog=fold_backlog)
        if parent is None or parent["message_id"] is None:
            if parent is None and not await deps.store.run(inbox_rows.known_ids, account["ig_user_id"],
                                                           [comment["parent_ig_id"]]):
                # the parent never reached igbot: show the reply on its own rather than never
                comment = await deps.store.run(comment_rows.update_comment, comment["id"], quote="an earlier comment")
                return await relay_top_level(deps, account, comment, fold_backlog=fold_backlog)
            return False
        await relay_in_thread(deps, account, comment, parent)
        return True
    return await relay_top_level(deps, account, comment, fold_backlog=fold_backlog)


async def relay_in_thread(deps: Deps, account: dict, comment: dict, parent: dict) -> None:
    """Post a reply (or the account's own answer) in the thread of its parent's message."""
    await deps.store.run(comment_rows.link_thread_post, comment["id"], channel_id=account["channel_id"],
                         account_id=account["id"], payload=render.thread_post(comment, parent, account),
                         dedupe_key=f"comment:{comment['id']}", thread_parent_id=parent["message_id"])
    count(deps, account, comment, folded=False)
    if comment["kind"] == "own" and not parent["handled"]:
        handled = await deps.store.run(comment_rows.update_comment, parent["id"], handled=1,
                                       note=":white_check_mark: answered in Instagram")
        await refresh_message(deps, account, handled)


async def relay_top_level(deps: Deps, account: dict, comment: dict, *, fold_backlog: int) -> bool:
    """Post a comment on its own, or fold it into a pending message when the channel is behind."""
    channel = account["channel_id"]
    media = await deps.store.run(comment_rows.get_media, account["id"], comment["media_id"]) \
        if comment["media_id"] else None
    backlog = await deps.store.run(outbox_rows.backlog, channel, up_to=fold_backlog)
    if backlog < fold_backlog:
        await deps.store.run(comment_rows.queue_message, comment["id"], channel_id=channel, account_id=account["id"],
                             payload=render.comment_message(comment, media, account),
                             dedupe_key=f"comment:{comment['id']}")
        count(deps, account, comment, folded=False)
        return True
    opened = await deps.store.run(comment_rows.open_fold, channel, max_members=render.MAX_FOLD)
    if opened is not None:
        item_id, members = opened
        payload = await fold_payload(deps, account, [*members, comment])
        if render.fold_size(payload) <= render.MAX_FOLD_CHARS and \
                await deps.store.run(comment_rows.extend_fold, item_id, comment["id"], payload):
            count(deps, account, comment, folded=True)
            return True
    payload = await fold_payload(deps, account, [comment])
    await deps.store.run(comment_rows.queue_message, comment["id"], channel_id=channel, account_id=account["id"],
                         payload=payload, dedupe_key=f"{comment_rows.FOLD_PREFIX}{comment['id']}", folded=True)
    count(deps, account, comment, folded=True)
    return True


async def fold_payload(deps: Deps, account: dict, comments: list[dict]) -> dict:
    """Render a folded message with the media context of each of its comments."""
    media_of: dict = {}
    for comment in comments:
        media_id = comment.get("media_id")
        if media_id and media_id not in media_of:
            media_of[media_id] = await deps.store.run(comment_rows.get_media, account["id"], media_id)
    return render.fold_message(comments, media_of, account)


async def message_payload(deps: Deps, account: dict, comment: dict) -> tuple[int, dict] | None:
    """Return (outbox id, payload) of the message currently showing a comment, re-rendered from its row."""
    if comment["message_id"] is None:
        return None
    if comment["folded"]:
        members = await deps.store.run(comment_rows.fold_members, comment["message_id"])
        return comment["message_id"], await fold_payload(deps, account, members)
    if comment["parent_ig_id"] and comment["quote"] is None:
        parent = await deps.store.run(comment_rows.get_by_ig_id, account["id"], comment["parent_ig_id"]) or {}
        return comment["message_id"], render.thread_post(comment, parent, account)
    media = await deps.store.run(comment_rows.get_media, account["id"], comment["media_id"]) \
        if comment["media_id"] else None
    return comment["message_id"], render.comment_message(comment, media, account)


async def refresh_message(deps: Deps, account: dict, comment: dict) -> None:
    """Queue an update of the message showing a comment (merged with any pending one)."""
    found = await message_payload(deps, account, comment)
    if found is None:
        return
    item_id, payload = found
    await deps.outbox.update(target_id=item_id, payload=payload, account_id=account["id"])


def count(deps: Deps, account: dict, comment: dict, *, folded: bool) -> None:
    """Count one relayed comment."""
    deps.metrics.comments_relayed.labels(account=account["username"], kind=comment["kind"],
                                         folded=str(folded).lower()).inc()
