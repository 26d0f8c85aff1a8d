"""/ig settings: ack at once, then answer the admin ephemerally."""

from __future__ import annotations

from slack_bolt.async_app import AsyncAck, AsyncRespond

from bot.accounts_ui.settings import run_settings
from bot.deps import Deps


async def handle_settings(ack: AsyncAck, command: dict, deps: Deps, args: str, respond: AsyncRespond,
                          **_: object) -> None:
    """Show or change an account's settings; every change is audited."""
    await ack()
    text = await run_settings(deps, user_id=command["user_id"], args=args)
    await respond(text=text, response_type="ephemeral", replace_original=False)
