"""Choices inside the compose modal (redraw) and the Edit button on post messages."""

from __future__ import annotations

from slack_bolt.async_app import AsyncAck
from slack_sdk.web.async_client import AsyncWebClient

from bot.deps import Deps
from bot.edges.ids import row_id
from bot.posts import compose, composing
from bot.posts import messages as post_blocks
from handlers.replies import tell, tell_stale, where


async def handle_choice(ack: AsyncAck, body: dict, action: dict, client: AsyncWebClient, deps: Deps) -> None:
    """An account or type was chosen: redraw the modal with that type's fields and the account's zone."""
    await ack()
    await composing.redraw(deps, client, body["view"], action)


async def handle_edit(ack: AsyncAck, body: dict, action: dict, client: AsyncWebClient, deps: Deps) -> None:
    """Edit: open the modal prefilled (only for posts without a container)."""
    await ack()
    post_id = row_id(action.get("value"))
    if post_id is None:
        await tell_stale(client, body)
        return
    channel = where(body)
    refusal = await composing.open_edit(deps, client, trigger_id=body["trigger_id"], user_id=body["user"]["id"],
                                        post_id=post_id, channel_id=channel)
    if refusal:
        await tell(client, channel, body["user"]["id"], refusal)


ACTIONS = {compose.ACCOUNT_ACTION: handle_choice, compose.TYPE_ACTION: handle_choice,
           post_blocks.EDIT_ACTION: handle_edit}
