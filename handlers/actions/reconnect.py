"""The Reconnect button: an admin of the account gets a fresh personal link, ephemerally."""

from __future__ import annotations

from slack_bolt.async_app import AsyncAck, AsyncRespond

from bot import access
from bot.connect.links import ConnectUnavailable, connect_blocks, new_connect_link
from bot.connect.reconnect import RECONNECT_ACTION
from bot.deps import Deps
from bot.edges.ids import row_id
from storage import accounts as account_rows


async def handle_reconnect(ack: AsyncAck, body: dict, action: dict, respond: AsyncRespond, deps: Deps) -> None:
    """Send the clicker, if admin of that account, a fresh link to reconnect it."""
    await ack()
    user_id = body["user"]["id"]
    account_id = row_id(action.get("value"))
    account = await deps.store.run(account_rows.get_account, account_id) if account_id else None
    if account is None:
        await respond(text=":x: That account is no longer connected to igbot.", response_type="ephemeral",
                      replace_original=False)
        return
    decision = await access.authorize(deps, user_id=user_id, account=account, needed="admin",
                                      action="reconnect")
    if not decision.allowed:
        await respond(text=decision.message, response_type="ephemeral", replace_original=False)
        return
    try:
        link = await new_connect_link(deps, user_id=user_id, channel_id=account["channel_id"],
                                      account=account["username"])
    except ConnectUnavailable as exc:
        await respond(text=f":x: {exc}", response_type="ephemeral", replace_original=False)
        return
    text, blocks = connect_blocks(link, account=account["username"])
    await respond(text=text, blocks=blocks, response_type="ephemeral", replace_original=False)
    await access.record(deps, user_id=user_id, action="reconnect", account=account, result="link sent")


ACTIONS = {RECONNECT_ACTION: handle_reconnect}
