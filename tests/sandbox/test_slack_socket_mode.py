"""Socket Mode: apps.connections.open, hello, envelopes out, acks by envelope_id, person actions over it."""

import asyncio
import json
import os

import aiohttp
import pytest
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from sandbox.slack import SlackEmulator

TOKEN = "xoxb-test"
APP_TOKEN = "xapp-test"
MODAL = {
    "type": "modal",
    "callback_id": "compose",
    "title": {"type": "plain_text", "text": "Compose"},
    "submit": {"type": "plain_text", "text": "Queue"},
    "blocks": [
        {
            "type": "input",
            "block_id": "caption",
            "label": {"type": "plain_text", "text": "Caption"},
            "element": {"type": "plain_text_input", "action_id": "text"},
        }
    ],
}


@pytest.fixture(autouse=True)
def no_slack_env(monkeypatch):
    for name in list(os.environ):
        if name.startswith("SLACK_"):
            monkeypatch.delenv(name)


@pytest.fixture
async def emu():
    emu = SlackEmulator(bot_token=TOKEN, app_token=APP_TOKEN, socket_mode=True)
    await emu.start()
    yield emu
    await emu.stop()


@pytest.fixture
async def bolt(emu):
    seen = []
    app = AsyncApp(client=AsyncWebClient(token=TOKEN, base_url=emu.api_url))

    @app.command("/ig")
    async def ig(ack, command, client):
        seen.append(command)
        if command["text"] == "post":
            await ack()
            await client.views_open(trigger_id=command["trigger_id"], view=MODAL)
        else:
            await ack(f"You said: {command['text']}")

    @app.action("reply")
    async def reply(ack, body):
        await ack()
        seen.append(body)

    @app.view("compose")
    async def compose(ack, view):
        seen.append(view)
        if not view["state"]["values"]["caption"]["text"]["value"].strip():
            await ack(response_action="errors", errors={"caption": "Write a caption"})
        else:
            await ack()

    @app.event("app_home_opened")
    async def home(event, client):
        seen.append(event)
        await client.views_publish(user_id=event["user"], view={"type": "home", "blocks": []})

    handler = AsyncSocketModeHandler(app, APP_TOKEN, ping_interval=30)
    await handler.connect_async()
    await emu.wait_for(lambda: emu.socket.connected)
    yield seen
    await handler.close_async()


async def test_connections_open_needs_the_app_token(emu):
    url = (await AsyncWebClient(base_url=emu.api_url).apps_connections_open(app_token=APP_TOKEN))["url"]
    assert url.startswith(emu.base_url.replace("http", "ws")) and "ticket=" in url
    with pytest.raises(SlackApiError) as e:
        await AsyncWebClient(base_url=emu.api_url).apps_connections_open(app_token="xapp-wrong")
    assert e.value.response["error"] == "invalid_auth"


async def test_hello_envelope_and_ack_by_envelope_id(emu):
    url = (await AsyncWebClient(base_url=emu.api_url).apps_connections_open(app_token=APP_TOKEN))["url"]
    user = emu.add_user("alice")
    chan = emu.add_channel("social", members=[user])
    async with aiohttp.ClientSession() as s, s.ws_connect(url) as ws:
        hello = await ws.receive_json()
        assert hello["type"] == "hello" and hello["connection_info"]["app_id"] == emu.ws.app_id
        task = asyncio.create_task(emu.slash_command(user=user, channel=chan, text="hi"))
        envelope = await ws.receive_json()
        assert set(envelope) == {"envelope_id", "payload", "type", "accepts_response_payload"}
        assert envelope["type"] == "slash_commands" and envelope["accepts_response_payload"] is True
        assert envelope["payload"]["command"] == "/ig" and envelope["payload"]["text"] == "hi"
        await ws.send_str(json.dumps({"envelope_id": "someone-else", "payload": {"text": "wrong"}}))
        await ws.send_str(json.dumps({"envelope_id": envelope["envelope_id"], "payload": {"text": "hello!"}}))
        d = await task
        assert d.transport == "socket" and d.ok and d.text == "hello!"
        event_task = asyncio.create_task(emu.app_home_opened(user=user))
        envelope = await ws.receive_json()
        assert envelope["type"] == "events_api" and envelope["accepts_response_payload"] is False
        assert envelope["retry_attempt"] == 0 and envelope["retry_reason"] == ""
        assert envelope["payload"]["type"] == "event_callback"
        await ws.send_str(json.dumps({"envelope_id": envelope["envelope_id"]}))
        assert (await event_task).ok
    # a used ticket cannot be reused
    async with aiohttp.ClientSession() as s:
        with pytest.raises(aiohttp.WSServerHandshakeError):
            await s.ws_connect(url)


async def test_person_actions_reach_bolt_over_socket_mode(emu, bolt):
    seen = bolt
    alice = emu.add_user("alice")
    chan = emu.add_channel("social", members=[alice], bot_member=True)
    d = await emu.slash_command(user=alice, channel=chan, text="hello")
    assert d.transport == "socket" and d.text == "You said: hello"
    assert emu.ephemerals(user=alice)[0]["text"] == "You said: hello"
    await emu.slash_command(user=alice, channel=chan, text="post")
    await emu.wait_for(lambda: emu.views_of(alice))
    d = await emu.submit_view(user=alice, values={"caption": {"text": "  "}})
    assert d.json == {"response_action": "errors", "errors": {"caption": "Write a caption"}}
    assert emu.views_of(alice)[0]["errors"] == {"caption": "Write a caption"}
    d = await emu.submit_view(user=alice, values={"caption": {"text": "Sunset"}})
    assert d.ok and emu.views_of(alice) == []
    client = AsyncWebClient(token=TOKEN, base_url=emu.api_url)
    ts = (
        await client.chat_postMessage(
            channel=chan,
            text="comment",
            blocks=[
                {
                    "type": "actions",
                    "elements": [
                        {
                            "type": "button",
                            "action_id": "reply",
                            "text": {"type": "plain_text", "text": "Reply"},
                        }
                    ],
                }
            ],
        )
    )["ts"]
    d = await emu.click(user=alice, channel=chan, message_ts=ts, action_id="reply")
    assert d.ok and d.transport == "socket"
    await emu.wait_for(lambda: any(b.get("type") == "block_actions" for b in seen))
    await emu.app_home_opened(user=alice)
    await emu.wait_for(lambda: emu.home_of(alice))


async def test_no_connection_means_dispatch_failed(emu):
    alice = emu.add_user("alice")
    chan = emu.add_channel("social", members=[alice])
    d = await emu.slash_command(user=alice, channel=chan, text="x")
    assert d.error == "dispatch_failed"
