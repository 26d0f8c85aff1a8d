"""/ig post|reel|story|queue|cancel: thin handlers over bot.posts."""

from __future__ import annotations

import logging
from datetime import timedelta

from slack_bolt.async_app import AsyncAck

from bot import access, blocks
from bot.deps import Deps
from bot.edges.ids import row_id
from bot.posts import messages, publisher
from bot.posts.actions import cancel_post
from bot.posts.queueing import USAGE, parse_request, queue_post, split_account
from bot.posts.rules import PostInputError
from storage import accounts as account_rows
from storage import posts as rows

log = logging.getLogger(__name__)


async def _account_for(ack: AsyncAck, deps: Deps, command: dict, name: str, usage: str, action: str,
                       needed: str = "publisher") -> dict | None:
    """Look up the account and check the person's role; answer in the ack when either fails."""
    if not name:
        await ack(text=f":x: Which account? Usage: {usage}")
        return None
    account = await deps.store.run(account_rows.get_account_by_username, name)
    if account is None:
        await ack(text=f":x: I know no account `{blocks.escape(name)}`. `/ig accounts` lists them. Usage: {usage}")
        return None
    decision = await access.authorize(deps, user_id=command.get("user_id", ""), account=account, needed=needed,
                                      action=action)
    if not decision.allowed:
        await ack(text=decision.message)
        return None
    return account


async def _queue(verb: str, ack: AsyncAck, command: dict, deps: Deps, args: str, **kwargs: object) -> None:
    usage = USAGE[verb]
    name, rest = split_account(args)
    account = await _account_for(ack, deps, command, name, usage, f"queue {verb}")
    if account is None:
        return
    now = publisher.now_of(deps)
    checking = deps.config.check_media_urls
    try:
        draft = parse_request(verb, rest, zone=account["timezone"], now=now, defer=checking)
    except PostInputError as exc:
        await ack(text=f":x: {blocks.escape(str(exc))}\nUsage: {usage}")
        return
    if checking:
        from bot.posts import url_check

        await ack(text=":mag: Checking the media URLs before queueing…")
        respond = kwargs.get("respond")
        problem, fetched = await url_check.probe_draft(deps, draft)
        if not problem:
            try:  # the fetched Content-Types decide each item's kind, so the rules run again with them
                draft = parse_request(verb, rest, zone=account["timezone"], now=now, fetched=fetched)
            except PostInputError as exc:
                problem = str(exc)
        if problem:
            await respond(text=f":x: {blocks.escape(problem)} Nothing was queued.", replace_original=False)
            return
        post = await queue_post(deps, account=account, draft=draft, author=command.get("user_id", ""),
                                channel_id=command.get("channel_id"), now=publisher.now_of(deps))
        await respond(text=messages.queued_text(post, account), replace_original=False)
    else:
        post = await queue_post(deps, account=account, draft=draft, author=command.get("user_id", ""),
                                channel_id=command.get("channel_id"), now=now)
        await ack(text=messages.queued_text(post, account))
    await access.record(deps, user_id=command.get("user_id", ""), action=f"queue {verb}", account=account,
                        result="ok", target=f"post {post['id']}")
    if draft.when is None:
        await publisher.publish_one(deps, post["id"])


async def handle_post(ack: AsyncAck, command: dict, deps: Deps, args: str, **kwargs: object) -> None:
    """/ig post alone opens the compose modal; with arguments it queues a feed post."""
    if not args.strip():
        await ack()
        from bot.posts import composing

        await composing.open_new(deps, kwargs["client"], trigger_id=command["trigger_id"],
                                 channel_id=command.get("channel_id"))
        return
    await _queue("post", ack, command, deps, args, **kwargs)


async def handle_reel(ack: AsyncAck, command: dict, deps: Deps, args: str, **kwargs: object) -> None:
    """/ig reel <account> <when> <video-url> [caption]."""
    await _queue("reel", ack, command, deps, args, **kwargs)


async def handle_story(ack: AsyncAck, command: dict, deps: Deps, args: str, **kwargs: object) -> None:
    """/ig story <account> <when> <url>."""
    await _queue("story", ack, command, deps, args, **kwargs)


async def handle_queue(ack: AsyncAck, command: dict, deps: Deps, args: str, **_: object) -> None:
    """/ig queue [account]: upcoming and recent posts of the accounts the person may see."""
    words = args.split()
    usage = "`/ig queue [account]`"
    if len(words) > 1:
        await ack(text=f":x: One account at most. Usage: {usage}")
        return
    if words:
        account = await _account_for(ack, deps, command, words[0], usage, "queue list", needed="moderator")
        if account is None:
            return
        accounts = [account]
    else:
        from bot.access import roles
        from storage import roles as role_rows

        user = command.get("user_id", "")
        grants = await deps.store.run(role_rows.roles_of, user)
        accounts = [a for a in await deps.store.run(account_rows.list_accounts)
                    if roles.allows(roles.role_on(a["username"], grants, user_id=user, admins=deps.config.admins),
                                    "moderator")]
    now = publisher.now_of(deps)
    posts = await deps.store.run(rows.queue_of, [a["id"] for a in accounts], recent_since=now - timedelta(days=2))
    by_id = {a["id"]: a for a in accounts}
    header = f"Posts for @{accounts[0]['username']}" if words else "Posts for your accounts"
    await ack(text=header, blocks=[messages._section(f"*{blocks.escape(header)}*"),
                                   *messages.queue_blocks(posts, by_id)][:50])


async def handle_cancel(ack: AsyncAck, command: dict, deps: Deps, args: str, **_: object) -> None:
    """/ig cancel <post-id>."""
    usage = "`/ig cancel <post-id>`, e.g. `/ig cancel 12` (`/ig queue` shows the ids)"
    word = args.strip().lstrip("#")
    if not word.isdigit():
        await ack(text=f":x: Which post? Usage: {usage}")
        return
    post_id = row_id(word)
    if post_id is None:
        await ack(text=f":x: There is no post #{blocks.escape(word[:40])}. `/ig queue` lists them.")
        return
    outcome = await cancel_post(deps, user_id=command.get("user_id", ""), post_id=post_id)
    await ack(text=outcome)
