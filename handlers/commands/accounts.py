"""/ig accounts [page]: the accounts you can see with their health, problems first."""

from __future__ import annotations

from slack_bolt.async_app import AsyncAck, AsyncRespond

from bot.account_list import overview_blocks, visible_overview
from bot.deps import Deps


async def handle_accounts(ack: AsyncAck, respond: AsyncRespond, command: dict, deps: Deps, args: str,
                          **_: object) -> None:
    """List accounts (ephemeral), paged within Slack's limits."""
    word = args.strip()
    if word and not word.isdigit():
        await ack(text=f":x: `/ig accounts` takes an optional page number, e.g. `/ig accounts 2` (not `{word[:40]}`).")
        return
    await ack()
    rows = await visible_overview(deps, command.get("user_id", ""))
    text, blocks = overview_blocks(rows, int(word or 1))
    await respond(text=text, blocks=blocks, response_type="ephemeral", replace_original=False)
