"""Binding a channel: make sure igbot can post there (join a public channel; ask to be invited to a private one)."""

from __future__ import annotations

from dataclasses import dataclass

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient


@dataclass(frozen=True)
class ChannelCheck:
    """Whether igbot can post in a channel, and what to tell the person when it cannot."""

    ok: bool
    joined: bool = False
    message: str = ""


async def ensure_member(slack: AsyncWebClient, channel_id: str) -> ChannelCheck:
    """Join a public channel igbot is not in; for a private one, say how to invite igbot."""
    try:
        info = (await slack.conversations_info(channel=channel_id))["channel"]
    except SlackApiError as exc:
        if exc.response.get("error") == "channel_not_found":
            return ChannelCheck(False, message="I cannot see this channel. If it is private, invite me first with "
                                               "`/invite @igbot`, then try again.")
        return ChannelCheck(False, message=f"Slack would not tell me about this channel "
                                           f"(`{exc.response.get('error')}`); try again in a moment.")
    if info.get("is_archived"):
        return ChannelCheck(False, message="This channel is archived; pick another one.")
    if info.get("is_member"):
        return ChannelCheck(True)
    if info.get("is_private"):
        return ChannelCheck(False, message="I am not in this private channel: invite me with `/invite @igbot`, "
                                           "then try again.")
    try:
        await slack.conversations_join(channel=channel_id)
    except SlackApiError as exc:
        return ChannelCheck(False, message=f"I could not join this channel (`{exc.response.get('error')}`): "
                                           "invite me with `/invite @igbot`, then try again.")
    return ChannelCheck(True, joined=True)
