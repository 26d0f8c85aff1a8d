"""/ig accounts' page buttons: ack at once, then show another page from stored state."""

from __future__ import annotations

from slack_bolt.async_app import AsyncAck, AsyncRespond

from bot.accounts_ui.blocks import PAGE_ACTIONS
from bot.accounts_ui.listing import accounts_reply, parse_page
from bot.deps import Deps


async def handle_page(ack: AsyncAck, body: dict, action: dict, deps: Deps, respond: AsyncRespond) -> None:
    """Show another page in place of the one clicked."""
    await ack()
    page = parse_page(action.get("value") or "") or 1
    text, blocks = await accounts_reply(deps, body["user"]["id"], page)
    await respond(text=text, blocks=blocks, response_type="ephemeral", replace_original=True)


ACTIONS = dict.fromkeys(PAGE_ACTIONS, handle_page)
