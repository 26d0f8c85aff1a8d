"""Block Kit for relayed comments: one message per comment, folded messages, thread posts (pure functions).

Every piece of Instagram text is clipped first, then escaped, and placed in mrkdwn with `verbatim: true`;
the fallback `text` is escaped the same way, so a comment can neither ping nor disguise a link.
"""

from __future__ import annotations

import re
from datetime import datetime

from bot.blocks import escape

USERNAME = re.compile(r"^[A-Za-z0-9._]{1,30}$")
SLACK_ID = re.compile(r"^[UWB][A-Z0-9]{2,20}$")
SAFE_URL = re.compile(r"^https://[^\s<>|]+$")
COMMENT_CHARS = 1500  # escaped characters of comment text in a message of its own
FOLD_COMMENT_CHARS = 450  # … in a folded message (20 of them stay under about 12,000)
FALLBACK_CHARS = 3900
MAX_FOLD = 20
MAX_FOLD_CHARS = 12000
ACTION_IDS = {"reply": "comment_reply", "hide": "comment_hide", "unhide": "comment_unhide",
              "delete": "comment_delete", "open": "comment_open", "menu": "comment_menu"}
PRODUCT_NAMES = {"FEED": "post", "REELS": "reel", "STORY": "story", "AD": "ad"}


def clip(text: str | None, budget: int) -> str:
    """Return text cut to fit `budget` characters once escaped (cut first, then escaped; '…' if cut)."""
    text = (text or "").strip()
    escaped = escape(text)
    if len(escaped) <= budget:  # the common case: nothing to cut
        return escaped
    out: list[str] = []
    used = 0
    for index, char in enumerate(text):
        piece = escape(char)
        room = budget - 1 if index < len(text) - 1 else budget
        if used + len(piece) > room:
            return "".join(out).rstrip() + "…"
        out.append(piece)
        used += len(piece)
    return "".join(out)


def mrkdwn(text: str) -> dict:
    """Return a mrkdwn text object that Slack does not auto-link or auto-mention."""
    return {"type": "mrkdwn", "text": text or " ", "verbatim": True}


def who(username: str | None) -> str:
    """Return '@name' linked to the Instagram profile (plain when the name is not a valid username)."""
    if username and USERNAME.match(username):
        return f"*<https://www.instagram.com/{username}/|@{username}>*"
    return f"*@{clip(username, 40)}*" if username else "*someone*"


def person(user_id: str) -> str:
    """Return a Slack mention of a person who acted (only well-formed ids)."""
    return f"<@{user_id}>" if SLACK_ID.match(user_id or "") else "someone"


def quote(text: str) -> str:
    """Return escaped text as a mrkdwn block quote (every line prefixed)."""
    return "\n".join(f">{line}" if line.strip() else ">" for line in text.split("\n"))


def permalink_of(comment: dict, media: dict | None) -> str | None:
    """Return the safe https link to the post a comment is on, if known."""
    link = (media or {}).get("permalink") or comment.get("permalink")
    return link if link and SAFE_URL.match(link) else None


def where(comment: dict, media: dict | None) -> str:
    """Return 'your post' (linked) or a description of what the comment is on."""
    noun = PRODUCT_NAMES.get((media or {}).get("product_type") or "", "post")
    noun = "a post" if comment["kind"] in ("mention", "caption_mention") else f"your {noun}"
    link = permalink_of(comment, media)
    return f"<{link}|{noun}>" if link else noun


def headline(comment: dict, media: dict | None, account: dict) -> str:
    """Return the first line of a comment's message: who did what, where."""
    kind = comment["kind"]
    if kind == "caption_mention":
        owner = (media or {}).get("owner_username") or comment.get("username")
        return f"{who(owner)} mentioned @{escape(account['username'])} in the caption of {where(comment, media)}"
    if kind == "mention":
        if comment.get("text") is None:
            return f"@{escape(account['username'])} was mentioned in a comment on {where(comment, media)}"
        return f"{who(comment.get('username'))} mentioned @{escape(account['username'])} on {where(comment, media)}"
    if comment.get("quote") is not None:
        return f"{who(comment.get('username'))} replied to “{clip(comment['quote'], 300)}” on {where(comment, media)}"
    return f"{who(comment.get('username'))} commented on {where(comment, media)}"


def body_text(comment: dict, media: dict | None, budget: int) -> str:
    """Return the quoted Instagram text of a comment (the caption for a caption mention)."""
    text = (media or {}).get("caption") if comment["kind"] == "caption_mention" else comment.get("text")
    if text is None:
        return "_(Instagram did not let igbot read the text; open it on Instagram)_"
    return quote(clip(text, budget) or " ")


def when(comment: dict) -> str:
    """Return a Slack date token for when the comment was written (readable fallback)."""
    stamp = comment.get("commented_at")
    if not stamp:
        return ""
    try:
        moment = datetime.fromisoformat(stamp.replace("Z", "+00:00").replace("+0000", "+00:00"))
    except ValueError:
        return ""
    fallback = moment.strftime("%Y-%m-%d %H:%M UTC")
    return f"<!date^{int(moment.timestamp())}^{{date_short_pretty}} at {{time}}|{fallback}>"


def available(comment: dict) -> list[str]:
    """Return the actions a comment's message offers in its state."""
    if comment["state"] in ("deleted", "gone"):
        return []
    if comment["kind"] in ("mention", "caption_mention"):
        return ["reply"]
    if comment["kind"] == "own":
        return []
    return ["reply", "unhide" if comment["state"] == "hidden" else "hide", "delete"]


def status_lines(comment: dict) -> list[str]:
    """Return what happened to a comment (hidden, replied, answered, gone), as mrkdwn lines."""
    lines = []
    if comment.get("replied_by"):
        lines.append(f":leftwards_arrow_with_hook: replied by {comment['replied_by']}: "
                     f"{clip(comment.get('reply_text'), 300)}")
    if comment.get("note"):
        lines.append(comment["note"])
    return lines


def comment_message(comment: dict, media: dict | None, account: dict) -> dict:
    """Return the payload of a comment's own message."""
    section: dict = {"type": "section", "text": mrkdwn(f"{headline(comment, media, account)}\n"
                                                        f"{body_text(comment, media, COMMENT_CHARS)}")}
    thumb = (media or {}).get("thumbnail_url")
    if thumb and SAFE_URL.match(thumb):
        section["accessory"] = {"type": "image", "image_url": thumb, "alt_text": "the post"}
    context = [piece for piece in (when(comment), caption_snippet(comment, media),
                                   "caught by sync" if comment.get("source") == "sync" else "") if piece]
    blocks: list[dict] = [section]
    if context:
        blocks.append({"type": "context", "elements": [mrkdwn(" · ".join(context))]})
    for line in status_lines(comment):
        blocks.append({"type": "context", "elements": [mrkdwn(line)]})
    buttons = [button(comment, action) for action in available(comment)]
    link = permalink_of(comment, media)
    if link and comment["state"] != "deleted":
        buttons.append({"type": "button", "action_id": ACTION_IDS["open"], "text": plain("Open on Instagram"),
                        "url": link})
    if buttons:
        blocks.append({"type": "actions", "block_id": f"comment:{comment['id']}", "elements": buttons})
    return {"text": fallback(comment, media, account), "blocks": blocks,
            "unfurl_links": False, "unfurl_media": False}


def caption_snippet(comment: dict, media: dict | None) -> str:
    """Return 'on “caption…”' for the post a comment is on, if its caption is known."""
    caption = (media or {}).get("caption")
    if not caption or comment["kind"] == "caption_mention":
        return ""
    return f"on “{clip(caption.replace(chr(10), ' '), 120)}”"


def plain(text: str) -> dict:
    """Return a plain_text object."""
    return {"type": "plain_text", "text": text, "emoji": True}


def button(comment: dict, action: str) -> dict:
    """Return the button for one action on a comment (Delete asks to confirm)."""
    labels = {"reply": "Reply", "hide": "Hide", "unhide": "Unhide", "delete": "Delete"}
    out: dict = {"type": "button", "action_id": ACTION_IDS[action], "text": plain(labels[action]),
                 "value": str(comment["id"])}
    if action == "reply":
        out["style"] = "primary"
    if action == "delete":
        out["style"] = "danger"
        out["confirm"] = {"title": plain("Delete this comment?"),
                          "text": plain("It is removed from Instagram for everyone. This cannot be undone."),
                          "confirm": plain("Delete"), "deny": plain("Keep it"), "style": "danger"}
    return out


def fallback(comment: dict, media: dict | None, account: dict) -> str:
    """Return the notification text of a comment's message (escaped like the blocks)."""
    name = comment.get("username") or "someone"
    text = comment.get("text") if comment["kind"] != "caption_mention" else (media or {}).get("caption")
    return f"@{clip(name, 40)} on @{escape(account['username'])}: {clip(text or '', 300)}"


def fold_message(comments: list[dict], media_of: dict, account: dict) -> dict:
    """Return one message holding several comments, each with an overflow menu of its actions."""
    count = len(comments)
    blocks: list[dict] = [{"type": "section", "text": mrkdwn(
        f":inbox_tray: *{count} new comment{'s' if count != 1 else ''} on @{escape(account['username'])}* "
        "(folded into one message to keep up with a burst)")}]
    for comment in comments:
        media = media_of.get(comment.get("media_id"))
        lines = [f"{headline(comment, media, account)}\n{body_text(comment, media, FOLD_COMMENT_CHARS)}",
                 *(f"_{line}_" if not line.startswith(":") else line for line in status_lines(comment))]
        section: dict = {"type": "section", "block_id": f"comment:{comment['id']}", "text": mrkdwn("\n".join(lines))}
        options = [menu_option(comment, action) for action in available(comment)]
        if options:
            section["accessory"] = {"type": "overflow", "action_id": ACTION_IDS["menu"], "options": options}
        blocks.append(section)
    summary = "; ".join(fallback(c, media_of.get(c.get("media_id")), account) for c in comments)
    text = f"{count} new comments on @{escape(account['username'])}: {summary}"
    if len(text) > FALLBACK_CHARS:
        text = text[:FALLBACK_CHARS].rsplit(";", 1)[0] + "; …"
    return {"text": text, "blocks": blocks, "unfurl_links": False, "unfurl_media": False}


def menu_option(comment: dict, action: str) -> dict:
    """Return one overflow option (value `action:comment id`)."""
    labels = {"reply": "Reply", "hide": "Hide", "unhide": "Unhide", "delete": "Delete…"}
    return {"text": plain(labels[action]), "value": f"{action}:{comment['id']}"}


def fold_size(payload: dict) -> int:
    """Return the characters of text a folded message carries (Slack refuses about 13,000)."""
    return sum(len(block.get("text", {}).get("text", "")) for block in payload["blocks"])


def thread_post(comment: dict, parent: dict, account: dict) -> dict:
    """Return the thread post of a reply (or of the account's own answer) under its parent's message."""
    if comment["kind"] == "own":
        text = f":white_check_mark: answered in Instagram by @{escape(account['username'])}:\n" \
               f"{quote(clip(comment.get('text'), COMMENT_CHARS) or ' ')}"
    else:
        named = ""
        if parent.get("folded"):
            named = f" to {who(parent.get('username'))}'s comment “{clip(parent.get('text'), 120)}”"
        text = f":leftwards_arrow_with_hook: {who(comment.get('username'))} replied{named}:\n" \
               f"{quote(clip(comment.get('text'), COMMENT_CHARS) or ' ')}"
    blocks: list[dict] = [{"type": "section", "text": mrkdwn(text)}]
    for line in status_lines(comment):
        blocks.append({"type": "context", "elements": [mrkdwn(line)]})
    buttons = [button(comment, action) for action in available(comment)]
    if buttons:
        blocks.append({"type": "actions", "block_id": f"comment:{comment['id']}", "elements": buttons})
    fallback_text = f"@{clip(comment.get('username') or account['username'], 40)} replied: " \
                    f"{clip(comment.get('text'), 300)}"
    return {"text": fallback_text, "blocks": blocks, "unfurl_links": False, "unfurl_media": False}


def team_reply_post(reply_text: str, actor: str, target: dict) -> dict:
    """Return the thread post showing a reply the team sent through igbot."""
    text = f":speech_balloon: {person(actor)} replied on Instagram to {who(target.get('username'))}:\n" \
           f"{quote(clip(reply_text, COMMENT_CHARS))}"
    return {"text": f"Reply sent: {clip(reply_text, 300)}", "blocks": [{"type": "section", "text": mrkdwn(text)}],
            "unfurl_links": False, "unfurl_media": False}
