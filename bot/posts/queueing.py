"""Turn a person's request into a stored post: parse, check every rule, store, and ask for approval if needed."""

from __future__ import annotations

import re
from datetime import datetime

from bot.deps import Deps
from bot.posts import messages
from bot.posts.publisher import lead_for
from bot.posts.rules import Draft, PostInputError, build_draft, check_time, looks_like_url, unwrap_url
from bot.posts.when import WhenError, parse_when
from storage import posts as rows

USAGE = {
    "post": "`/ig post <account> <when> <url> [<url> …] [caption]`, e.g. "
            "`/ig post @demo_shop tomorrow 09:00 https://cdn.example/img/square.jpg Autumn is here`",
    "reel": "`/ig reel <account> <when> <video-url> [caption]`, e.g. "
            "`/ig reel @demo_shop in 2h https://cdn.example/video/reel.mp4 Behind the scenes`",
    "story": "`/ig story <account> <when> <url>`, e.g. `/ig story @demo_shop now https://cdn.example/img/story.jpg`",
}


def split_account(args: str) -> tuple[str, str]:
    """Return the account word and the raw text after it."""
    match = re.match(r"\s*(\S+)", args)
    if not match:
        return "", ""
    return match.group(1), args[match.end():]


def parse_request(verb: str, rest: str, *, zone: str, now: datetime, fetched: dict[str, str] | None = None,
                  defer: bool = False) -> Draft:
    """Parse `<when> <url> [<url> …] [caption]` (the text after the account) and apply every rule.

    `fetched`/`defer` as in rules.build_draft (IGBOT_CHECK_MEDIA_URLS=1: the servers' Content-Types decide).
    """
    words = list(re.finditer(r"\S+", rest))
    try:
        when, used = parse_when([w.group(0) for w in words], zone=zone, now=now)
    except WhenError as exc:
        raise PostInputError(str(exc)) from None
    urls: list[str] = []
    end = words[used - 1].end() if used else 0
    for word in words[used:]:
        if not looks_like_url(word.group(0)):
            break
        urls.append(unwrap_url(word.group(0)))
        end = word.end()
    if not urls:
        after = words[used].group(0) if len(words) > used else None
        raise PostInputError(f"Expected a media URL after the time, got `{after}`." if after
                             else "No media URL given.")
    caption = rest[end:].strip() or None
    if caption:
        caption = caption.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    check_time(when, now)
    return build_draft(verb, urls, caption, when=when, fetched=fetched, defer=defer)


async def queue_post(deps: Deps, *, account: dict, draft: Draft, author: str, channel_id: str | None,
                     now: datetime) -> dict:
    """Store a validated post; post its approval request when it needs one. Return the post row."""
    due = draft.when or now
    needs_approval = draft.needs_approval or bool(account.get("approval_required"))
    items = draft.items

    post = await deps.store.run(
        rows.create_post_asking_approval, request=_request_for(account), account_id=account["id"], kind=draft.kind,
        caption=draft.caption, author=author, channel_id=account["channel_id"], due_at=due,
        next_action_at=min(due, max(now, due - lead_for(draft.has_video))), items=items, now=now,
        needs_approval=needs_approval, options=draft.options, first_comment=draft.first_comment)
    if needs_approval:
        deps.outbox.wake()
    return post


def _request_for(account: dict):
    """The approval request's message for a stored post of this account."""
    return lambda post, items: messages.approval_request(post, account, items)


async def save_edit(deps: Deps, *, post_id: int, account: dict, draft: Draft, editor: str,
                    now: datetime) -> dict | None:
    """Replace an editable post with the edited draft; ask for approval again when it needs it. None if not editable.

    The earlier approval request (approved or not) is updated to point at the new one, in the same transaction.
    """
    needs_approval = draft.needs_approval or bool(account.get("approval_required"))

    post = await deps.store.run(
        rows.replace_post_asking_approval, post_id, request=_request_for(account),
        superseded=lambda post: messages.approval_superseded(post, account), account_id=account["id"],
        kind=draft.kind, caption=draft.caption, due_at=draft.when or now, lead=lead_for(draft.has_video),
        items=draft.items, options=draft.options, first_comment=draft.first_comment, needs_approval=needs_approval,
        editor=editor, now=now)
    if post is not None:
        deps.outbox.wake()
    return post
