"""The compose modal's listeners: account suggestions, redraw on a choice, Edit, and submission (thin)."""

from __future__ import annotations

import json

from slack_bolt.async_app import AsyncAck
from slack_sdk.web.async_client import AsyncWebClient

from bot.deps import Deps
from bot.edges.ids import row_id
from bot.posts import compose, composing
from bot.posts import messages as post_blocks
from bot.posts.compose import FieldErrors
from handlers.actions.comments import tell, tell_stale


async def handle_account_options(ack: AsyncAck, body: dict, deps: Deps) -> None:
    """block_suggestion: the accounts the person may publish to, filtered by what they typed (≤100)."""
    await ack(options=await composing.account_options(deps, body["user"]["id"], body.get("value") or ""))


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
    where = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id")
    refusal = await composing.open_edit(deps, client, trigger_id=body["trigger_id"], user_id=body["user"]["id"],
                                        post_id=post_id, channel_id=where)
    if refusal:
        await tell(client, where, body["user"]["id"], refusal)


async def handle_submit(ack: AsyncAck, body: dict, view: dict, client: AsyncWebClient, deps: Deps) -> None:
    """Check with the slash command's rules; errors go back into the modal, otherwise close it and queue."""
    user = body["user"]["id"]
    try:
        form, account, _ = await composing.check(deps, user, view)
    except FieldErrors as exc:
        await ack(response_action="errors", errors=exc.errors)
        return
    await ack()
    channel_id = json.loads(view.get("private_metadata") or "{}").get("channel_id")
    await composing.finish(deps, client, user_id=user, form=form, account=account, channel_id=channel_id)


OPTIONS = {compose.ACCOUNT_ACTION: handle_account_options}
ACTIONS = {compose.ACCOUNT_ACTION: handle_choice, compose.TYPE_ACTION: handle_choice,
           post_blocks.EDIT_ACTION: handle_edit}
SUBMISSIONS = {compose.CALLBACK: handle_submit}
