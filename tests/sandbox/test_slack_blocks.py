"""Block Kit limits (slack.md §5) as Slack enforces them: invalid_blocks with json-pointer messages."""

import os

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from sandbox.slack import RateLimits, SlackEmulator, validate_blocks, validate_view

TOKEN = "xoxb-test"


def section(text="x", **kw):
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}, **kw}


def button(action_id="a", text="Go", **kw):
    return {"type": "button", "action_id": action_id, "text": {"type": "plain_text", "text": text}, **kw}


def actions(*elements):
    return {"type": "actions", "elements": list(elements)}


def option(value="v", text="t"):
    return {"text": {"type": "plain_text", "text": text}, "value": value}


@pytest.mark.parametrize(
    ("blocks", "message"),
    [
        ([section()] * 51, "no more than 50 items [json-pointer:/blocks]"),
        ([section("x" * 3001)], "must be less than 3001 characters [json-pointer:/blocks/0/text/text]"),
        ([section("")], "must be more than 0 characters [json-pointer:/blocks/0/text/text]"),
        ([{"type": "section", "fields": [{"type": "mrkdwn", "text": "f"}] * 11}], "/blocks/0/fields"),
        (
            [{"type": "section", "fields": [{"type": "mrkdwn", "text": "f" * 2001}]}],
            "/blocks/0/fields/0/text",
        ),
        ([{"type": "header", "text": {"type": "plain_text", "text": "h" * 151}}], "/blocks/0/text/text"),
        ([{"type": "header", "text": {"type": "mrkdwn", "text": "h"}}], "must be plain_text"),
        ([{"type": "context", "elements": [{"type": "mrkdwn", "text": "c"}] * 11}], "/blocks/0/elements"),
        ([actions(*[button(f"b{i}") for i in range(26)])], "no more than 25 items"),
        ([actions(button(text="t" * 76))], "/blocks/0/elements/0/text/text"),
        ([actions(button(value="v" * 2001))], "/blocks/0/elements/0/value"),
        ([actions(button(url="https://x/" + "u" * 3000))], "/blocks/0/elements/0/url"),
        ([actions(button(style="warning"))], "must be primary or danger"),
        ([actions(button("a" * 256))], "/blocks/0/elements/0/action_id"),
        ([actions(button("same"), button("same"))], "action_id already exists"),
        ([section(block_id="b"), section(block_id="b")], "block_id already exists"),
        ([section(block_id="b" * 256)], "/blocks/0/block_id"),
        (
            [actions({"type": "overflow", "action_id": "o", "options": [option(str(i)) for i in range(6)]})],
            "options",
        ),
        ([actions({"type": "static_select", "action_id": "s", "options": [option("v" * 151)]})], "/value"),
        ([actions({"type": "plain_text_input", "action_id": "t"})], "unsupported type: plain_text_input"),
        ([{"type": "image", "alt_text": "chart"}], "exactly one of image_url or slack_file"),
        ([{"type": "image", "image_url": "https://x/y.png"}], "/blocks/0/alt_text"),
        ([{"type": "nonsense"}], "unsupported type: nonsense"),
        (
            [
                actions(
                    button(
                        confirm={
                            "title": {"type": "plain_text", "text": "t" * 101},
                            "text": {"type": "plain_text", "text": "sure?"},
                            "confirm": {"type": "plain_text", "text": "Yes"},
                            "deny": {"type": "plain_text", "text": "No"},
                        }
                    )
                )
            ],
            "/confirm/title/text",
        ),
    ],
)
def test_limits(blocks, message):
    errors = validate_blocks(blocks)
    assert any(message in e for e in errors), errors


def test_valid_message_passes():
    blocks = [
        {"type": "header", "text": {"type": "plain_text", "text": "New comment"}},
        section(
            "*@bob* on <https://instagram.com/p/1|your post>",
            accessory={"type": "image", "image_url": "https://x/i.jpg", "alt_text": "thumb"},
        ),
        {"type": "context", "elements": [{"type": "mrkdwn", "text": "2 min ago"}]},
        actions(
            button("reply", value="c1", style="primary"),
            button("hide", value="c1"),
            {"type": "overflow", "action_id": "more", "options": [option("delete")]},
        ),
        {"type": "divider"},
    ]
    assert validate_blocks(blocks) == []
    assert validate_blocks([section()] * 100, surface="modal") == []


def test_view_limits():
    base = {"type": "modal", "title": {"type": "plain_text", "text": "Reply"}, "blocks": []}
    assert validate_view(base) == []
    assert validate_view({**base, "private_metadata": "m" * 3001}) == [
        "must be less than 3001 characters [json-pointer:/view/private_metadata]"
    ]
    assert "/view/callback_id" in validate_view({**base, "callback_id": "c" * 256})[0]
    assert (
        "/view/submit/text" in validate_view({**base, "submit": {"type": "plain_text", "text": "s" * 25}})[0]
    )
    assert "/view/blocks" in validate_view({**base, "blocks": [section()] * 101})[0]
    assert validate_view({"type": "home", "blocks": [section()]}) == []


@pytest.fixture(autouse=True)
def no_slack_env(monkeypatch):
    for name in list(os.environ):
        if name.startswith("SLACK_"):
            monkeypatch.delenv(name)


async def test_post_message_refuses_invalid_blocks_like_slack():
    emu = SlackEmulator(bot_token=TOKEN, limits=RateLimits(enabled=False))
    await emu.start()
    try:
        chan = emu.add_channel("social", bot_member=True)
        client = AsyncWebClient(token=TOKEN, base_url=emu.api_url)
        with pytest.raises(SlackApiError) as e:
            await client.chat_postMessage(channel=chan, text="x", blocks=[section("x" * 3001)])
        body = e.value.response.data
        assert body["error"] == "invalid_blocks"
        assert body["errors"] == ["must be less than 3001 characters [json-pointer:/blocks/0/text/text]"]
        assert body["response_metadata"]["messages"][0].startswith("[ERROR] must be less than 3001")
        with pytest.raises(SlackApiError) as e:
            await client.chat_postMessage(channel=chan, text="x", blocks="not json")
        assert e.value.response["error"] == "invalid_blocks_format"
        r = await client.chat_postMessage(
            channel=chan,
            text="x",
            blocks=[actions({"type": "button", "text": {"type": "plain_text", "text": "Go"}})],
        )
        element = r["message"]["blocks"][0]["elements"][0]
        assert r["message"]["blocks"][0]["block_id"] and element["action_id"]  # Slack fills missing ids
        with pytest.raises(SlackApiError) as e:
            await client.chat_update(channel=chan, ts=r["ts"], text="x", blocks=[section()] * 51)
        assert e.value.response["error"] == "invalid_blocks"
    finally:
        await emu.stop()
