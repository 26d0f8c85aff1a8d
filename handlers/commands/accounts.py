"""/ig accounts and its page buttons: ack at once, then answer ephemerally from stored state."""

from __future__ import annotations

from slack_bolt.async_app import AsyncAck, AsyncRespond

from bot.accounts_ui.blocks import PAGE_ACTIONS
from bot.accounts_ui.listing import USAGE, accounts_reply, parse_page
from bot.blocks import escape
from bot.deps import Deps


async def handle_accounts(ack: AsyncAck, command: dict, deps: Deps, args: str, respond: AsyncRespond,
                          **_: object) -> None:
    """List the accounts the person can see with their health (one page)."""
    page = parse_page(args)
    if page is None:
        await ack(text=f":x: `{escape(args.strip())}` is not a page number. {USAGE}")
        return
    await ack()
    text, blocks = await accounts_reply(deps, command["user_id"], page)
    await respond(text=text, blocks=blocks, response_type="ephemeral", replace_original=False)


async def handle_page(ack: AsyncAck, body: dict, action: dict, deps: Deps, respond: AsyncRespond) -> None:
    """Show another page in place of the one clicked."""
    await ack()
    page = parse_page(action.get("value") or "") or 1
    text, blocks = await accounts_reply(deps, body["user"]["id"], page)
    await respond(text=text, blocks=blocks, response_type="ephemeral", replace_original=True)


ACTIONS = dict.fromkeys(PAGE_ACTIONS, handle_page)
