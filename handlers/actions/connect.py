"""Clicks on the connect link's buttons: they open the browser; Slack still wants an ack."""

from __future__ import annotations

from slack_bolt.async_app import AsyncAck

from bot.connect.links import OPEN_FACEBOOK_ACTION, OPEN_INSTAGRAM_ACTION


async def handle_link_opened(ack: AsyncAck) -> None:
    """Acknowledge a click on a URL button (nothing else to do)."""
    await ack()


ACTIONS = dict.fromkeys((OPEN_FACEBOOK_ACTION, OPEN_INSTAGRAM_ACTION), handle_link_opened)
