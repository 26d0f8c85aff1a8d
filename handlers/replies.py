"""Answers every Slack surface gives the same way: a sentence to one person, and the stale-button reply."""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

log = logging.getLogger(__name__)
STALE = (":x: That button does not match anything igbot knows, so nothing was done. "
         "Use the buttons on the newest message.")


async def tell(client: AsyncWebClient, channel: str | None, user: str, text: str) -> None:
    """Show a sentence to one person only (ephemeral); log if Slack refuses."""
    if not channel:
        return
    try:
        await client.chat_postEphemeral(channel=channel, user=user, text=text)
    except SlackApiError as exc:
        log.warning("could not tell %s ephemerally: %s", user, exc.response.get("error"))


async def tell_stale(client: AsyncWebClient, body: dict) -> None:
    """Answer a button whose value matches nothing igbot could have made (altered or from another app)."""
    await tell(client, where(body), body["user"]["id"], STALE)


def where(body: dict) -> str | None:
    """The channel a click came from (a message's channel, or its container's)."""
    return (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id")
