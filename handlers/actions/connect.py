"""Clicks on the connect link's buttons: they open the browser; Slack still wants an ack."""

from __future__ import annotations

from slack_bolt.async_app import AsyncAck


async def handle_link_opened(ack: AsyncAck) -> None:
    """Acknowledge a click on a URL button (nothing else to do)."""
    await ack()


ACTIONS = {"connect_open_facebook": handle_link_opened, "connect_open_instagram": handle_link_opened}
