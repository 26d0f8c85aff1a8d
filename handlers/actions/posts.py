"""Buttons on post messages and in /ig queue: ack first, then the role check and the change in bot.posts."""

from __future__ import annotations

from slack_bolt.async_app import AsyncAck
from slack_sdk.web.async_client import AsyncWebClient

from bot.deps import Deps
from bot.edges.ids import row_id
from bot.posts import actions
from bot.posts import messages as post_blocks
from bot.posts.actions import cancel_post
from handlers.replies import tell, tell_stale, where


def _post_id(action: dict) -> int | None:
    return row_id((action.get("value") or "").split(":", 1)[0])


def _seen_revision(action: dict) -> int | None:
    """The post revision an Approve button carries (None on buttons that carry none)."""
    mark = (action.get("value") or "").partition(":")[2]
    return int(mark) if mark.isdigit() else None


async def handle_button(ack: AsyncAck, body: dict, action: dict, client: AsyncWebClient, deps: Deps) -> None:
    """Publish now, Retry, Check again, Cancel, Approve; tell the person when it did not work."""
    await ack()
    post_id = _post_id(action)
    if post_id is None:
        await tell_stale(client, body)
        return
    user = body["user"]["id"]
    name = action["action_id"]
    if name == post_blocks.CANCEL_ACTION:
        await tell(client, where(body), user, await cancel_post(deps, user_id=user, post_id=post_id))
        return
    if name == post_blocks.APPROVE_ACTION:
        outcome = await actions.approve(deps, user_id=user, post_id=post_id, seen_revision=_seen_revision(action))
    else:
        run = {post_blocks.PUBLISH_NOW_ACTION: actions.publish_now, post_blocks.RETRY_ACTION: actions.retry,
               post_blocks.CHECK_ACTION: actions.check_again}[name]
        outcome = await run(deps, user_id=user, post_id=post_id)
    if not outcome.ok:
        await tell(client, where(body), user, outcome.message)


async def handle_reject(ack: AsyncAck, body: dict, action: dict, client: AsyncWebClient, deps: Deps) -> None:
    """Reject opens a modal asking for the reason (built from the click alone; no Graph call)."""
    await ack()
    post_id = _post_id(action)
    if post_id is None:
        await tell_stale(client, body)
        return
    await client.views_open(trigger_id=body["trigger_id"], view=post_blocks.reject_modal(post_id, where(body)))


ACTIONS = dict.fromkeys((post_blocks.PUBLISH_NOW_ACTION, post_blocks.RETRY_ACTION, post_blocks.CHECK_ACTION,
                         post_blocks.CANCEL_ACTION, post_blocks.APPROVE_ACTION), handle_button) | {
    post_blocks.REJECT_ACTION: handle_reject}
