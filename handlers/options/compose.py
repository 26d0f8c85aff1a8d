"""The compose modal's account picker: the accounts the person may publish to."""

from __future__ import annotations

from slack_bolt.async_app import AsyncAck

from bot.deps import Deps
from bot.posts import compose, composing


async def handle_account_options(ack: AsyncAck, body: dict, deps: Deps) -> None:
    """block_suggestion: the accounts the person may publish to, filtered by what they typed (≤100)."""
    await ack(options=await composing.account_options(deps, body["user"]["id"], body.get("value") or ""))


OPTIONS = {compose.ACCOUNT_ACTION: handle_account_options}
