"""Comments, replies, moderation and mentions."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from .account import GraphAccount, Priority
from .client import GraphClient

COMMENT_FIELDS = "id,text,timestamp,username,from,like_count,hidden,parent_id,media{id,media_product_type}"
REPLY_FIELDS = "id,text,timestamp,username,from,like_count,hidden,parent_id"
MENTION_COMMENT_FIELDS = "id,text,timestamp,like_count,username,media{id,permalink,media_product_type}"
THREAD_FIELDS = (
    "id,text,timestamp,username,from,hidden,parent_id,replies{id,text,timestamp,username,from,parent_id}"
)
MENTION_MEDIA_FIELDS = "id,caption,media_type,permalink,comments_count,like_count,timestamp,username"
QUOTE_FIELDS = "id,text,username"  # enough to quote a parent comment igbot never showed


def _ctx(comment_id: str, action: str | None = None) -> dict[str, Any]:
    ctx: dict[str, Any] = {"object": f"comment {comment_id}"}
    if action:
        ctx["action"] = action
    return ctx


def list_comments(
    client: GraphClient,
    account: GraphAccount,
    media_id: str,
    *,
    fields: str = COMMENT_FIELDS,
    max_items: int | None = None,
    priority: Priority = Priority.BACKGROUND,
) -> AsyncIterator[dict[str, Any]]:
    """Iterate a media's top-level comments, newest first (50 per page)."""
    return client.items(
        f"{media_id}/comments",
        account,
        params={"fields": fields, "limit": 50},
        max_items=max_items,
        priority=priority,
        context={"object": f"media {media_id}"},
    )


def comment_pages(
    client: GraphClient, account: GraphAccount, media_id: str, *, max_pages: int
) -> AsyncIterator[dict[str, Any]]:
    """Iterate pages of a media's comments with their replies nested, newest first (50 per page; background)."""
    params = {"fields": THREAD_FIELDS, "limit": 50}
    ctx = {"object": f"media {media_id}"}
    return client.pages(f"{media_id}/comments", account, params=params, max_pages=max_pages, context=ctx)


def list_replies(
    client: GraphClient,
    account: GraphAccount,
    comment_id: str,
    *,
    fields: str = REPLY_FIELDS,
    priority: Priority = Priority.BACKGROUND,
) -> AsyncIterator[dict[str, Any]]:
    """Iterate the replies to a comment."""
    return client.items(
        f"{comment_id}/replies",
        account,
        params={"fields": fields},
        priority=priority,
        context=_ctx(comment_id),
    )


async def get_comment(
    client: GraphClient,
    account: GraphAccount,
    comment_id: str,
    *,
    fields: str = COMMENT_FIELDS,
    priority: Priority = Priority.BACKGROUND,
) -> dict[str, Any]:
    """Read one comment."""
    return await client.get(
        comment_id, account, params={"fields": fields}, priority=priority, context=_ctx(comment_id)
    )


async def reply(
    client: GraphClient,
    account: GraphAccount,
    comment_id: str,
    message: str,
    *,
    priority: Priority = Priority.PERSON,
) -> dict[str, Any]:
    """Reply publicly to a comment; return ``{"id": reply_id}`` (never retried)."""
    ctx = _ctx(comment_id, f"the reply to comment {comment_id}")
    return await client.post(
        f"{comment_id}/replies", account, form={"message": message}, priority=priority, context=ctx
    )


async def comment_on_media(
    client: GraphClient,
    account: GraphAccount,
    media_id: str,
    message: str,
    *,
    priority: Priority = Priority.PERSON,
) -> dict[str, Any]:
    """Comment on the account's own media; return ``{"id": comment_id}`` (never retried)."""
    ctx = {"object": f"media {media_id}", "action": f"the comment on media {media_id}"}
    return await client.post(
        f"{media_id}/comments", account, form={"message": message}, priority=priority, context=ctx
    )


async def hide(
    client: GraphClient,
    account: GraphAccount,
    comment_id: str,
    hidden: bool = True,
    *,
    priority: Priority = Priority.PERSON,
) -> dict[str, Any]:
    """Hide (or unhide) a comment; safe to repeat, so transient failures are retried."""
    return await client.post(
        comment_id,
        account,
        form={"hide": hidden},
        priority=priority,
        idempotent=True,
        context=_ctx(comment_id),
    )


async def delete_comment(
    client: GraphClient, account: GraphAccount, comment_id: str, *, priority: Priority = Priority.PERSON
) -> dict[str, Any]:
    """Delete a comment on the account's media; a NotFound means it is already gone."""
    return await client.delete(
        comment_id, account, priority=priority, idempotent=True, context=_ctx(comment_id)
    )


async def reply_to_mention(
    client: GraphClient,
    account: GraphAccount,
    media_id: str,
    message: str,
    *,
    comment_id: str | None = None,
    priority: Priority = Priority.PERSON,
) -> dict[str, Any]:
    """Reply to a mention (``POST /{ig-user-id}/mentions``) in a caption, or in comment_id when given."""
    form = {"media_id": media_id, "message": message}
    if comment_id:
        form["comment_id"] = comment_id
    target = f"comment {comment_id}" if comment_id else f"media {media_id}"
    ctx = {"object": target, "action": f"the reply to the mention in {target}"}
    return await client.post(
        f"{account.ig_user_id}/mentions", account, form=form, priority=priority, context=ctx
    )


async def mentioned_comment(
    client: GraphClient,
    account: GraphAccount,
    comment_id: str,
    *,
    fields: str = MENTION_COMMENT_FIELDS,
    priority: Priority = Priority.BACKGROUND,
) -> dict[str, Any]:
    """Read a comment (on someone else's media) that mentions the account."""
    params = {"fields": f"mentioned_comment.comment_id({comment_id}){{{fields}}}"}
    body = await client.get(
        account.ig_user_id, account, params=params, priority=priority, context=_ctx(comment_id)
    )
    return body.get("mentioned_comment") or {}


async def mentioned_media(
    client: GraphClient,
    account: GraphAccount,
    media_id: str,
    *,
    fields: str = MENTION_MEDIA_FIELDS,
    priority: Priority = Priority.BACKGROUND,
) -> dict[str, Any]:
    """Read a media whose caption mentions the account."""
    params = {"fields": f"mentioned_media.media_id({media_id}){{{fields}}}"}
    ctx = {"object": f"media {media_id}"}
    body = await client.get(account.ig_user_id, account, params=params, priority=priority, context=ctx)
    return body.get("mentioned_media") or {}
