"""/ig accounts: ack at once, then answer ephemerally from stored state."""

from __future__ import annotations

from slack_bolt.async_app import AsyncAck, AsyncRespond

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
