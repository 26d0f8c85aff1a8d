"""Connect from App Home: a small modal asks for the channel, then shows the person's two login links."""

from __future__ import annotations

from bot.connect.links import ConnectUnavailable, connect_blocks, may_connect, new_connect_link, refusal
from bot.deps import Deps

CALLBACK = "home_connect"
CHANNEL_BLOCK, CHANNEL_INPUT = "channel", "channel_input"


def channel_modal() -> dict:
    """The modal that asks which channel the new account's work goes to."""
    return {
        "type": "modal", "callback_id": CALLBACK,
        "title": {"type": "plain_text", "text": "Connect an account"},
        "submit": {"type": "plain_text", "text": "Get my link"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            {"type": "input", "block_id": CHANNEL_BLOCK,
             "label": {"type": "plain_text", "text": "Channel for its comments, posts and digests"},
             "element": {"type": "conversations_select", "action_id": CHANNEL_INPUT,
                         "filter": {"include": ["public", "private"], "exclude_bot_users": True}}},
            {"type": "context", "elements": [{"type": "mrkdwn", "text":
                "igbot joins a public channel by itself; invite it to a private one first (`/invite @igbot`)."}]},
        ],
    }


async def refusal_modal(deps: Deps, user_id: str) -> dict | None:
    """The modal telling a person who is no admin anywhere that connecting needs the admin role, or None."""
    if await may_connect(deps, user_id):
        return None
    return _result_modal([{"type": "section", "text": {"type": "mrkdwn", "text": refusal(deps)}}])


def _result_modal(blocks: list[dict]) -> dict:
    return {"type": "modal", "callback_id": f"{CALLBACK}_done",
            "title": {"type": "plain_text", "text": "Connect an account"},
            "close": {"type": "plain_text", "text": "Done"}, "blocks": blocks}


async def link_modal(deps: Deps, *, user_id: str, channel_id: str | None) -> dict:
    """The modal that replaces the channel question: the two links, or what is wrong."""
    if not channel_id:
        return _result_modal([{"type": "section", "text": {"type": "mrkdwn", "text": ":x: Choose a channel."}}])
    try:
        link = await new_connect_link(deps, user_id=user_id, channel_id=channel_id)
    except ConnectUnavailable as exc:
        return _result_modal([{"type": "section", "text": {"type": "mrkdwn", "text": f":x: {exc}"}}])
    _text, blocks = connect_blocks(link)
    return _result_modal([*blocks, {"type": "context", "elements": [{"type": "mrkdwn", "text":
                          f"The account will work in <#{channel_id}>."}]}])
