"""Modals for comment actions, built from stored rows only (no Graph call before views.open)."""

from __future__ import annotations

import json

from bot.comments import render
from bot.comments.actions import MAX_REPLY

REPLY_CALLBACK = "comment_reply"
DELETE_CALLBACK = "comment_delete_confirm"
REPLY_BLOCK = "reply"
REPLY_INPUT = "text"


def reply_modal(comment: dict, channel_id: str | None) -> dict:
    """Return the Reply modal: the comment quoted, a required multiline input of at most 2,200 characters."""
    said = render.quote(render.clip(comment.get("text") or "", 1500) or " ")
    who = render.who(comment.get("username"))
    return {
        "type": "modal", "callback_id": REPLY_CALLBACK, "title": render.plain("Reply on Instagram"),
        "submit": render.plain("Send reply"), "close": render.plain("Cancel"),
        "private_metadata": json.dumps({"comment": comment["id"], "channel": channel_id}),
        "blocks": [
            {"type": "section", "text": render.mrkdwn(f"{who} wrote:\n{said}")},
            {"type": "input", "block_id": REPLY_BLOCK, "label": render.plain("Your public reply"),
             "element": {"type": "plain_text_input", "action_id": REPLY_INPUT, "multiline": True,
                         "max_length": MAX_REPLY, "focus_on_load": True}},
        ],
    }


def delete_modal(comment: dict, channel_id: str | None) -> dict:
    """Return the confirm modal for Delete chosen from an overflow menu (menus have no confirm dialog)."""
    said = render.quote(render.clip(comment.get("text") or "", 1000) or " ")
    return {
        "type": "modal", "callback_id": DELETE_CALLBACK, "title": render.plain("Delete comment?"),
        "submit": render.plain("Delete"), "close": render.plain("Keep it"),
        "private_metadata": json.dumps({"comment": comment["id"], "channel": channel_id}),
        "blocks": [{"type": "section", "text": render.mrkdwn(
            f"Delete this comment by {render.who(comment.get('username'))} from Instagram? "
            f"This cannot be undone.\n{said}")}],
    }


def status_modal(title: str, text: str) -> dict:
    """Return a modal that only shows a sentence (Sending…, sent, or what went wrong)."""
    return {"type": "modal", "title": render.plain(title[:24]), "close": render.plain("Close"),
            "blocks": [{"type": "section", "text": render.mrkdwn(text)}]}


def metadata(view: dict) -> tuple[int | None, str | None]:
    """Return (comment id, channel id) from a modal's private_metadata (None when unreadable)."""
    try:
        data = json.loads(view.get("private_metadata") or "{}")
        return int(data["comment"]), data.get("channel")
    except (ValueError, KeyError, TypeError):
        return None, None
