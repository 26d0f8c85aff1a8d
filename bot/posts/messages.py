"""Block Kit for posts: published and failed reports, holds, approval requests, the queue."""

from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.blocks import escape
from storage.clock import parse

KIND_WORDS = {"image": "image post", "carousel": "carousel", "reel": "reel", "story": "story"}
STATE_WORDS = {
    "awaiting_approval": "awaiting approval", "scheduled": "scheduled", "creating": "uploading to Instagram",
    "processing": "Instagram is processing", "ready": "ready", "publishing": "publishing",
    "needs_check": "outcome unknown — being checked", "published": "published", "failed": "failed",
    "rejected": "rejected", "cancelled": "cancelled",
}
# the buttons these messages carry (listeners in handlers/actions/posts.py and handlers/views/compose.py)
PUBLISH_NOW_ACTION, RETRY_ACTION, CHECK_ACTION = "post_publish_now", "post_retry", "post_check"
CANCEL_ACTION, EDIT_ACTION = "post_cancel", "post_edit"
APPROVE_ACTION, REJECT_ACTION = "post_approve", "post_reject"
REJECT_CALLBACK = "post_reject"
REJECT_BLOCK, REJECT_INPUT = "reason", "reason_input"
HOLD_WORDS = {"quota": "held: publishing quota used up", "reconnect": "held: account needs reconnecting",
              "overdue": "held: overdue", "containers": "held: container limit reached"}


def snippet(text: str | None, limit: int = 80) -> str:
    """Return a caption cut to limit characters (cut first, then escaped)."""
    if not text:
        return ""
    flat = " ".join(text.split())
    return escape(flat if len(flat) <= limit else flat[: limit - 1] + "…")


def when_text(moment: datetime | str, zone: str) -> str:
    """Say a time as Slack's local date for the reader plus the account's own wall time."""
    if isinstance(moment, str):
        moment = parse(moment)
    local = moment.astimezone(ZoneInfo(zone))
    fallback = local.strftime("%Y-%m-%d %H:%M")
    return (f"<!date^{int(moment.timestamp())}^{{date_short_pretty}} at {{time}}|{fallback} {zone}> "
            f"({local.strftime('%H:%M')} {zone})")


def _section(text: str) -> dict:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text[:3000], "verbatim": True}}


def _button(text: str, action_id: str, post_id: int, style: str | None = None) -> dict:
    button = {"type": "button", "text": {"type": "plain_text", "text": text}, "action_id": action_id,
              "value": str(post_id)}
    if style:
        button["style"] = style
    return button


def title(post: dict, account: dict) -> str:
    """Name a post for people: "reel #12 for @demo_shop"."""
    return f"{KIND_WORDS[post['kind']]} #{post['id']} for @{escape(account['username'])}"


def published(post: dict, account: dict) -> dict:
    """The channel message when a post is live."""
    link = f"<{post['permalink']}|View on Instagram>" if post.get("permalink") else "(Instagram gave no link yet)"
    caption = snippet(post.get("caption"))
    lines = [f":white_check_mark: Published the {title(post, account)} · {link}"]
    if caption:
        lines.append(f"> {caption}")
    lines.append(f"Queued by <@{post['author']}>")
    if post.get("late_note"):
        lines.append(f":warning: {escape(post['late_note'])}")
    if post.get("first_comment_state") == "failed":
        lines.append(f"The first comment was not posted: {escape(post.get('first_comment_error') or '')}")
    text = "\n".join(lines)
    return {"text": f"Published the {KIND_WORDS[post['kind']]} #{post['id']} for @{account['username']}",
            "blocks": [_section(text)]}


def failed(post: dict, account: dict) -> dict:
    """The channel message when a post failed: the reason (which URL, what to fix) with Retry and Edit."""
    why = snippet(post.get("error") or "unknown", 1500)
    text = (f":x: The {title(post, account)} was not published.\n*Why:* {why}\n"
            f"Queued by <@{post['author']}>")
    actions = [_button("Retry", RETRY_ACTION, post["id"], "primary")]
    if not post.get("container_id"):
        actions.append(_button("Edit", EDIT_ACTION, post["id"]))
    actions.append(_button("Cancel", CANCEL_ACTION, post["id"]))
    return {"text": f"The {KIND_WORDS[post['kind']]} #{post['id']} was not published",
            "blocks": [_section(text), {"type": "actions", "elements": actions}]}


def held(post: dict, account: dict, reason: str, *, until: str | None) -> dict:
    """The channel notice when a post is held (quota, containers, overdue) and when it will go out."""
    when = f" It goes out {when_text(until, account['timezone'])}." if until else ""
    text = f":hourglass: The {title(post, account)} is held: {escape(reason)}.{when}"
    blocks = [_section(text)]
    if post.get("hold") == "overdue":
        blocks.append({"type": "actions", "elements": [_button("Publish now", PUBLISH_NOW_ACTION, post["id"],
                                                               "primary"),
                                                       _button("Cancel", CANCEL_ACTION, post["id"])]})
    return {"text": f"The {KIND_WORDS[post['kind']]} #{post['id']} is held", "blocks": blocks}


def needs_check(post: dict, account: dict) -> dict:
    """The channel notice when a publish outcome stays unknown: Check again, never Publish now."""
    text = (f":grey_question: I could not confirm whether the {title(post, account)} went live "
            f"({escape(post.get('error') or 'Instagram did not answer')}). Check Instagram before doing anything.")
    return {"text": f"Outcome of #{post['id']} unknown",
            "blocks": [_section(text), {"type": "actions", "elements": [_button("Check again", CHECK_ACTION,
                                                                                  post["id"], "primary")]}]}


def approval_request(post: dict, account: dict, items: list[dict]) -> dict:
    """The channel message asking an approver (not the author or last editor) to approve or reject a post."""
    urls = "\n".join(f"• {snippet(i['url'], 200)}" for i in items[:10])
    caption = snippet(post.get("caption"), 300)
    edited = f" (edited by <@{post['edited_by']}>)" if post.get("edited_by") else ""
    text = (f":raised_hand: <@{post['author']}> queued the {title(post, account)}{edited} for "
            f"{when_text(post['due_at'], account['timezone'])}; it needs approval.\n{urls}"
            + (f"\n> {caption}" if caption else ""))
    approve = _button("Approve", APPROVE_ACTION, post["id"], "primary")
    approve["value"] = approval_value(post)
    return {"text": f"The {KIND_WORDS[post['kind']]} #{post['id']} needs approval",
            "blocks": [_section(text), {"type": "actions", "elements": [
                approve, _button("Reject", REJECT_ACTION, post["id"], "danger")]}]}


def approval_value(post: dict) -> str:
    """The Approve button's value: the post and the revision it shows, so an older request cannot approve newer
    content."""
    return f"{post['id']}:{post.get('revision') or 0}"


def approval_superseded(post: dict, account: dict) -> dict:
    """The earlier approval request after an edit: no buttons, a pointer to the new request."""
    if post["state"] == "awaiting_approval":
        after = "a new request with the changes is below"
    else:
        after = "it no longer needs approval"
    text = (f":pencil2: The {title(post, account)} was edited after this request (by <@{post['edited_by']}>); "
            f"{after}.")
    return {"text": f"#{post['id']} was edited", "blocks": [_section(text)]}


def approval_done(post: dict, account: dict, *, by: str, approved: bool, reason: str | None = None) -> dict:
    """The approval message after a decision."""
    word = "approved" if approved else "rejected"
    text = f"{':white_check_mark:' if approved else ':no_entry:'} <@{by}> {word} the {title(post, account)}"
    if reason:
        text += f": {escape(reason)}"
    return {"text": f"#{post['id']} {word}", "blocks": [_section(text)]}


def rejection_notice(post: dict, account: dict, *, by: str, reason: str) -> dict:
    """What the author reads when their post is rejected."""
    text = f"<@{post['author']}> <@{by}> rejected your {title(post, account)}: {escape(reason)}"
    return {"text": f"#{post['id']} rejected", "blocks": [_section(text)]}


def approval_reminder(post: dict, account: dict) -> dict:
    """The channel reminder for a post past its time and still not approved."""
    text = (f":bell: The {title(post, account)} was due {when_text(post['due_at'], account['timezone'])} but is not "
            "approved yet; it waits until an approver who is not its author approves it.")
    return {"text": f"#{post['id']} waits for approval", "blocks": [_section(text)]}


def queued_text(post: dict, account: dict, *, checking: bool = False) -> str:
    """The ephemeral confirmation after /ig post|reel|story."""
    when = when_text(post["due_at"], account["timezone"])
    extra = " It needs approval first; the request is in the channel." if post["state"] == "awaiting_approval" else ""
    return (f":calendar: Queued the {title(post, account)} for {when}.{extra} "
            f"`/ig queue {account['username']}` shows it; `/ig cancel {post['id']}` cancels it.")


def queue_blocks(posts: list[dict], accounts: dict[int, dict]) -> list[dict]:
    """/ig queue: upcoming and recent posts with state, holds and times, and their buttons."""
    if not posts:
        return [_section("No upcoming or recent posts.")]
    blocks: list[dict] = []
    for post in posts[:20]:
        account = accounts[post["account_id"]]
        state = STATE_WORDS.get(post["state"], post["state"])
        if post.get("hold"):
            state = HOLD_WORDS.get(post["hold"], post["hold"])
            if post.get("hold_reason"):
                state += f" ({escape(post['hold_reason'])})"
            if post.get("hold_until"):
                state += f"; resumes {when_text(post['hold_until'], account['timezone'])}"
        when = when_text(post.get("published_at") or post["due_at"], account["timezone"])
        line = f"*#{post['id']}* {KIND_WORDS[post['kind']]} @{escape(account['username'])} · {when} · _{state}_"
        caption = snippet(post.get("caption"), 60)
        if caption:
            line += f"\n> {caption}"
        if post["state"] == "published" and post.get("permalink"):
            line += f"\n<{post['permalink']}|View on Instagram>"
        if post["state"] == "failed" and post.get("error"):
            line += f"\n{escape(post['error'][:300])}"
        buttons = buttons_for(post)
        section = _section(line)
        blocks.append(section)
        if buttons:
            blocks.append({"type": "actions", "elements": buttons})
    return blocks[:50]


def buttons_for(post: dict) -> list[dict]:
    """Cancel, Publish now (never on needs_check: Check again instead), Retry, Edit (no container yet)."""
    state, pid = post["state"], post["id"]
    out = []
    if state == "needs_check":
        out.append(_button("Check again", CHECK_ACTION, pid))
    elif state == "failed":
        out.append(_button("Retry", RETRY_ACTION, pid))
    elif state in ("scheduled", "creating", "processing", "ready"):
        out.append(_button("Publish now", PUBLISH_NOW_ACTION, pid))
    if state in ("awaiting_approval", "scheduled", "failed") and not post.get("container_id"):
        out.append(_button("Edit", EDIT_ACTION, pid))
    if state in ("awaiting_approval", "scheduled", "creating", "processing", "ready", "failed"):
        out.append(_button("Cancel", CANCEL_ACTION, pid, "danger"))
    return out


def options_of(post: dict) -> dict:
    """Return a post's stored options."""
    return json.loads(post.get("options") or "{}")


def reject_modal(post_id: int, channel: str | None) -> dict:
    """The modal Reject opens: why the post is rejected (built from the click alone)."""
    return {
        "type": "modal", "callback_id": REJECT_CALLBACK,
        "private_metadata": json.dumps({"post_id": post_id, "channel": channel}),
        "title": {"type": "plain_text", "text": f"Reject post #{post_id}"[:24]},
        "submit": {"type": "plain_text", "text": "Reject"}, "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [{"type": "input", "block_id": REJECT_BLOCK, "label": {"type": "plain_text", "text": "Why?"},
                    "element": {"type": "plain_text_input", "action_id": REJECT_INPUT, "multiline": True,
                                "max_length": 1000}}],
    }
