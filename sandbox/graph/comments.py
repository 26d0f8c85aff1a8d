"""Comments, replies, hide/unhide, delete and mention replies (graph-api.md §5)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .errors import GraphError, invalid_param
from .paging import paginate, with_summary
from .render import render_comment, replies_of, top_level_comments
from .state import Comment

if TYPE_CHECKING:
    from .call import Call
    from .server import GraphEmulator

MAX_PAGE = 50


def _message(call: Call) -> str:
    text = call.param("message")
    if not text or not str(text).strip():
        raise GraphError(100, "(#100) The parameter message is required")
    if len(str(text)) > 2200:
        raise invalid_param("The comment is too long (at most 2,200 characters)")
    return str(text)


async def list_comments(emu: GraphEmulator, call: Call) -> dict[str, Any]:
    """GET /{ig-media-id}/comments: top-level only, newest first, at most 50 a page."""
    items = top_level_comments(emu, call.target)
    return with_summary(
        call.params,
        paginate(call, items, lambda c: render_comment(emu, call, c, call.fields), item_id=lambda c: c.id,
                 max_limit=MAX_PAGE),
        len(items),
    )


async def create_comment(emu: GraphEmulator, call: Call) -> dict[str, Any]:
    """POST /{ig-media-id}/comments?message=… (a comment by the account itself)."""
    media = call.target
    if media.media_product_type == "STORY" or media.parent_id:
        raise invalid_param("Comments are not supported on this media")
    if not media.is_comment_enabled:
        raise GraphError(100, "(#100) Comments are disabled for this media", subcode=2207044)
    comment = emu.new_comment(media.id, _message(call), call.account.username, by_owner=True)
    return {"id": comment.id}


async def get_comment(emu: GraphEmulator, call: Call) -> dict[str, Any]:
    """GET /{ig-comment-id}."""
    return render_comment(emu, call, call.target, call.fields)


async def list_replies(emu: GraphEmulator, call: Call) -> dict[str, Any]:
    """GET /{ig-comment-id}/replies."""
    items = replies_of(emu, call.target)
    return with_summary(
        call.params,
        paginate(call, items, lambda c: render_comment(emu, call, c, call.fields), item_id=lambda c: c.id,
                 max_limit=MAX_PAGE),
        len(items),
    )


async def create_reply(emu: GraphEmulator, call: Call) -> dict[str, Any]:
    """POST /{ig-comment-id}/replies?message=… (only on top-level comments)."""
    parent: Comment = call.target
    if parent.parent_id:
        raise invalid_param(
            "Replies can only be made to top-level comments; reply to the parent comment "
            f"{parent.parent_id} instead"
        )
    media = emu.state.media[parent.media_id]
    if not media.is_comment_enabled:
        raise GraphError(100, "(#100) Comments are disabled for this media", subcode=2207044)
    reply = emu.new_comment(
        media.id, _message(call), call.account.username, parent_id=parent.id, by_owner=True
    )
    return {"id": reply.id}


async def update_comment(emu: GraphEmulator, call: Call) -> dict[str, Any]:
    """POST /{ig-comment-id}?hide=true|false."""
    hide = call.bool_param("hide")
    if hide is None:
        raise GraphError(100, "(#100) The parameter hide is required")
    comment: Comment = call.target
    if comment.by_owner and hide:
        raise invalid_param("The media owner's own comments cannot be hidden")
    comment.hidden = hide
    return {"success": True}


async def delete_comment(emu: GraphEmulator, call: Call) -> dict[str, Any]:
    """DELETE /{ig-comment-id} (and its replies)."""
    comment: Comment = call.target
    comment.deleted = True
    for reply in replies_of(emu, comment):
        reply.deleted = True
    return {"success": True}


async def reply_to_mention(emu: GraphEmulator, call: Call) -> dict[str, Any]:
    """POST /{ig-user-id}/mentions?media_id=…&message=…[&comment_id=…]."""
    acct = call.account
    media = emu.state.media.get(str(call.require("media_id")))
    message = _message(call)
    if media is None or media.deleted:
        raise invalid_param("Invalid media_id")
    comment_id = call.param("comment_id")
    if comment_id:
        target = emu.state.comments.get(str(comment_id))
        if (
            target is None
            or target.deleted
            or target.media_id != media.id
            or target.mentioned_ig_user_id != acct.ig_user_id
        ):
            raise invalid_param("The comment does not mention this account")
        parent = target.parent_id or target.id
    else:
        if f"@{acct.username}".lower() not in media.caption.lower():
            raise invalid_param("The media caption does not mention this account")
        parent = None
    if not media.is_comment_enabled:
        raise GraphError(100, "(#100) Comments are disabled for this media", subcode=2207044)
    reply = emu.new_comment(media.id, message, acct.username, parent_id=parent, by_owner=False, deliver=False)
    return {"id": reply.id}
