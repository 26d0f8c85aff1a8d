"""Acting as a person over HTTP against a tiny Bolt app: signed payloads, acks, views, response_url."""

import json
import os
import re

import pytest
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from sandbox.slack import PersonError, SlackEmulator

TOKEN = "xoxb-test"
SECRET = "test-signing-secret"


def modal(callback_id="reply_modal", metadata="", notify=False):
    return {
        "type": "modal",
        "callback_id": callback_id,
        "private_metadata": metadata,
        "notify_on_close": notify,
        "title": {"type": "plain_text", "text": "Reply"},
        "submit": {"type": "plain_text", "text": "Send"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            {
                "type": "input",
                "block_id": "reply",
                "label": {"type": "plain_text", "text": "Reply"},
                "element": {"type": "plain_text_input", "action_id": "text", "max_length": 300},
            },
            {
                "type": "input",
                "block_id": "account",
                "optional": True,
                "label": {"type": "plain_text", "text": "Account"},
                "element": {"type": "external_select", "action_id": "pick_account", "min_query_length": 0},
            },
        ],
    }


COMMENT_BLOCKS = [
    {"type": "section", "block_id": "comment", "text": {"type": "mrkdwn", "text": "nice pic"}},
    {
        "type": "actions",
        "block_id": "comment_actions",
        "elements": [
            {
                "type": "button",
                "action_id": "reply",
                "text": {"type": "plain_text", "text": "Reply"},
                "value": "c1",
            },
            {
                "type": "button",
                "action_id": "hide",
                "text": {"type": "plain_text", "text": "Hide"},
                "value": "c1",
            },
            {
                "type": "overflow",
                "action_id": "more",
                "options": [
                    {"text": {"type": "plain_text", "text": "Delete"}, "value": "delete"},
                    {"text": {"type": "plain_text", "text": "Open"}, "value": "open"},
                ],
            },
        ],
    },
]


def build_bolt(api_url: str, seen: list) -> AsyncApp:
    """A tiny app shaped like igbot's listeners."""
    app = AsyncApp(client=AsyncWebClient(token=TOKEN, base_url=api_url), signing_secret=SECRET)

    @app.command("/ig")
    async def ig(ack, command, client, respond):
        seen.append(command)
        text = command["text"]
        if text == "help":
            await ack("Usage: /ig post")
        elif text == "loud":
            await ack(response_type="in_channel", text="Everyone sees this")
        elif text == "post":
            await ack()
            await client.views_open(trigger_id=command["trigger_id"], view=modal(notify=True))
        elif text == "echo":
            await ack(response_type="in_channel")
        elif text == "buttons":
            await ack(text="pick", blocks=[{"type": "actions", "elements": [
                {"type": "button", "action_id": "more", "value": "1",
                 "text": {"type": "plain_text", "text": "More"}}]}])
        elif text == "later":
            await ack()
            await respond(text="done later", response_type="ephemeral")

    @app.action("reply")
    async def reply(ack, body, client):
        await ack()
        seen.append(body)
        md = json.dumps({"channel": body["container"]["channel_id"], "ts": body["container"]["message_ts"]})
        await client.views_open(trigger_id=body["trigger_id"], view=modal(metadata=md))

    @app.action("hide")
    async def hide(ack, body, respond):
        await ack()
        seen.append(body)
        await respond(replace_original=True, text="hidden by someone")

    @app.action("more")
    async def more(ack, body):
        await ack()
        seen.append(body)

    @app.options("pick_account")
    async def accounts(ack, payload):
        seen.append(payload)
        await ack(options=[{"text": {"type": "plain_text", "text": "@acme"}, "value": "acme"}])

    @app.view(re.compile("reply_modal|second|swapped"))
    async def submitted(ack, view, client):
        seen.append(view)
        text = view["state"]["values"]["reply"]["text"]["value"]
        if text == "bad":
            await ack(response_action="errors", errors={"reply": "Say something nicer"})
        elif text == "more":
            await ack(response_action="push", view=modal(callback_id="second"))
        elif text == "swap":
            await ack(response_action="update", view=modal(callback_id="swapped"))
        else:
            await ack()
            md = json.loads(view["private_metadata"] or "{}")
            if md:
                await client.chat_postMessage(
                    channel=md["channel"], thread_ts=md["ts"], text=f"replied: {text}"
                )

    @app.view_closed("reply_modal")
    async def closed(ack, body):
        await ack()
        seen.append(body)

    @app.event("app_home_opened")
    async def home(event, client):
        seen.append(event)
        button = {"type": "button", "action_id": "refresh", "text": {"type": "plain_text", "text": "Refresh"}}
        await client.views_publish(
            user_id=event["user"],
            view={
                "type": "home",
                "blocks": [
                    {"type": "section", "text": {"type": "mrkdwn", "text": "Hi"}},
                    {"type": "actions", "block_id": "home_actions", "elements": [button]},
                ],
            },
        )

    @app.action("refresh")
    async def refresh(ack, body):
        await ack()
        seen.append(body)

    return app


@pytest.fixture(autouse=True)
def no_slack_env(monkeypatch):
    for name in list(os.environ):
        if name.startswith("SLACK_"):
            monkeypatch.delenv(name)


@pytest.fixture
async def emu():
    emu = SlackEmulator(signing_secret=SECRET, bot_token=TOKEN, file_processing_seconds=0)
    await emu.start()
    yield emu
    await emu.stop()


@pytest.fixture
def seen():
    return []


@pytest.fixture
async def bot(emu, seen, aiohttp_server):
    bolt = build_bolt(emu.api_url, seen)

    async def events(request):
        return await to_aiohttp_response(await bolt.async_dispatch(await to_bolt_request(request)))

    web_app = web.Application()
    web_app.router.add_post("/slack/events", events)
    server = await aiohttp_server(web_app, host="127.0.0.1")
    emu.set_request_url(str(server.make_url("/slack/events")))
    return server


@pytest.fixture
def alice(emu):
    return emu.add_user("alice")


@pytest.fixture
def chan(emu, alice):
    return emu.add_channel("social", members=[alice], bot_member=True)


async def post_comment(emu, chan) -> str:
    client = AsyncWebClient(token=TOKEN, base_url=emu.api_url)
    return (await client.chat_postMessage(channel=chan, text="nice pic", blocks=COMMENT_BLOCKS))["ts"]


async def test_slash_command_payload_and_text_ack(emu, bot, seen, alice, chan):
    d = await emu.slash_command(user=alice, channel=chan, command="/ig", text="help")
    assert d.ok and d.status == 200 and d.content_type == "text/plain"
    assert d.text == "Usage: /ig post"
    assert emu.ephemerals(user=alice)[0]["source"] == "ack"
    cmd = seen[0]
    assert cmd["command"] == "/ig" and cmd["text"] == "help" and cmd["user_id"] == alice
    assert cmd["channel_id"] == chan and cmd["channel_name"] == "social" and cmd["team_id"] == "T0001"
    assert cmd["response_url"].startswith(emu.base_url) and cmd["trigger_id"]
    assert emu.messages(chan) == []


async def test_slash_command_in_channel_and_respond(emu, bot, alice, chan):
    d = await emu.slash_command(user=alice, channel=chan, text="loud")
    assert d.json == {"text": "Everyone sees this", "response_type": "in_channel"}
    assert [m["text"] for m in emu.messages(chan)] == ["/ig loud", "Everyone sees this"]
    d = await emu.slash_command(user=alice, channel=chan, text="echo")  # only the command is shown
    assert d.shown == [] and emu.messages(chan)[-1]["text"] == "/ig echo"
    await emu.slash_command(user=alice, channel=chan, text="later")
    await emu.wait_for(lambda: any(e["text"] == "done later" for e in emu.ephemerals(user=alice)))
    assert emu.calls_of("response_url")[0].status == 200


async def test_slash_command_opens_modal_and_submission_errors(emu, bot, seen, alice, chan):
    await emu.slash_command(user=alice, channel=chan, text="post")
    stack = await emu.wait_for(lambda: emu.views_of(alice))
    assert stack[0]["callback_id"] == "reply_modal"
    d = await emu.submit_view(user=alice, values={"reply": {"text": "bad"}})
    assert d.ok and d.json["response_action"] == "errors"
    assert emu.views_of(alice)[0]["errors"] == {"reply": "Say something nicer"}
    submitted = seen[-1]
    assert submitted["state"]["values"]["reply"]["text"] == {"type": "plain_text_input", "value": "bad"}
    assert submitted["state"]["values"]["account"]["pick_account"] == {
        "type": "external_select",
        "selected_option": None,
    }
    d = await emu.submit_view(user=alice, values={"reply": {"text": "more"}})
    assert [v["callback_id"] for v in emu.views_of(alice)] == ["reply_modal", "second"]
    d = await emu.submit_view(user=alice, values={"reply": {"text": "fine"}})
    assert d.ok and [v["callback_id"] for v in emu.views_of(alice)] == ["reply_modal"]
    d = await emu.submit_view(user=alice, values={"reply": {"text": "swap"}})
    assert [v["callback_id"] for v in emu.views_of(alice)] == ["swapped"]


async def test_required_fields_are_checked_by_the_client(emu, bot, alice, chan):
    await emu.slash_command(user=alice, channel=chan, text="post")
    await emu.wait_for(lambda: emu.views_of(alice))
    before = len(emu.deliveries)
    d = await emu.submit_view(user=alice, values={})
    assert d.error == "client_validation" and d.client_errors == {
        "reply": "Please complete this required field."
    }
    d = await emu.submit_view(user=alice, values={"reply": {"text": "x" * 301}})
    assert d.error == "client_validation"
    assert len(emu.deliveries) == before


async def test_click_reply_then_submit_posts_in_thread(emu, bot, seen, alice, chan):
    ts = await post_comment(emu, chan)
    d = await emu.click(user=alice, channel=chan, message_ts=ts, action_id="reply")
    assert d.ok
    body = seen[-1]
    assert body["type"] == "block_actions" and body["container"] == {
        "type": "message",
        "message_ts": ts,
        "channel_id": chan,
        "is_ephemeral": False,
    }
    assert body["actions"][0]["value"] == "c1" and body["actions"][0]["block_id"] == "comment_actions"
    assert body["message"]["blocks"][1]["block_id"] == "comment_actions" and body["channel"]["id"] == chan
    await emu.wait_for(lambda: emu.views_of(alice))
    d = await emu.submit_view(user=alice, values={"reply": {"text": "thanks!"}})
    assert d.ok and emu.views_of(alice) == []
    thread = await emu.wait_for(lambda: emu.thread(chan, ts)[1:])
    assert thread[0]["text"] == "replied: thanks!"
    assert emu.messages(chan)[0]["reply_count"] == 1


async def test_overflow_choice_and_mistakes_a_person_cannot_make(emu, bot, seen, alice, chan):
    ts = await post_comment(emu, chan)
    await emu.click(user=alice, channel=chan, message_ts=ts, action_id="more", value="delete")
    await emu.wait_for(lambda: seen)
    action = seen[-1]["actions"][0]
    assert action["type"] == "overflow" and action["selected_option"]["value"] == "delete"
    with pytest.raises(PersonError):
        await emu.click(user=alice, channel=chan, message_ts=ts, action_id="more", value="nope")
    with pytest.raises(PersonError):
        await emu.click(user=alice, channel=chan, message_ts=ts, action_id="no_such_button")
    with pytest.raises(PersonError):
        await emu.click(user=alice, channel=chan, message_ts=ts, action_id="reply", value="other-comment")


async def test_hide_replaces_the_original_through_response_url(emu, bot, alice, chan):
    ts = await post_comment(emu, chan)
    await emu.click(user=alice, channel=chan, message_ts=ts, action_id="hide")
    msg = await emu.wait_for(lambda: (m := emu.message(chan, ts)) and m["text"] == "hidden by someone" and m)
    assert "blocks" not in msg


async def test_block_suggestion_and_view_closed(emu, bot, seen, alice, chan):
    await emu.slash_command(user=alice, channel=chan, text="post")
    await emu.wait_for(lambda: emu.views_of(alice))
    d = await emu.suggest(user=alice, action_id="pick_account", value="ac")
    assert d.options == [{"text": {"type": "plain_text", "text": "@acme"}, "value": "acme"}]
    assert seen[-1]["type"] == "block_suggestion" and seen[-1]["value"] == "ac"
    d = await emu.close_view(user=alice)
    assert d is not None and d.ok and emu.views_of(alice) == []
    closed = await emu.wait_for(lambda: [b for b in seen if b.get("type") == "view_closed"])
    assert closed[0]["is_cleared"] is False


async def test_app_home_opened_publishes_home(emu, bot, seen, alice):
    d = await emu.app_home_opened(user=alice)
    assert d.ok
    home = await emu.wait_for(lambda: emu.home_of(alice))
    assert home["type"] == "home" and home["blocks"][0]["text"]["text"] == "Hi"
    event = seen[-1]
    assert event["type"] == "app_home_opened" and event["tab"] == "home" and event["channel"].startswith("D")
    d = await emu.click(user=alice, view_id=home["id"], action_id="refresh")
    assert d.ok
    click = await emu.wait_for(lambda: [b for b in seen if b.get("type") == "block_actions"])
    assert (
        click[0]["container"] == {"type": "view", "view_id": home["id"]}
        and click[0]["view"]["type"] == "home"
    )
    assert "response_url" not in click[0]
    assert await emu.verify_url("abc") is True


async def test_bad_signature_gets_401(bot, seen, alice):
    wrong = SlackEmulator(signing_secret="not-the-secret", bot_token=TOKEN)
    await wrong.start()
    try:
        wrong.set_request_url(str(bot.make_url("/slack/events")))
        user = wrong.add_user("mallory")
        chan = wrong.add_channel("social", members=[user])
        d = await wrong.slash_command(user=user, channel=chan, text="help")
        assert d.status == 401 and d.error == "http_401" and d.shown == []
        assert seen == []
    finally:
        await wrong.stop()


async def test_no_ack_in_time_is_operation_timeout(emu, aiohttp_server, alice, chan):
    async def slow(request):
        import asyncio

        await asyncio.sleep(1)
        return web.Response()

    web_app = web.Application()
    web_app.router.add_post("/slack/events", slow)
    server = await aiohttp_server(web_app, host="127.0.0.1")
    emu.set_request_url(str(server.make_url("/slack/events")))
    emu.ack_timeout = 0.2
    d = await emu.slash_command(user=alice, channel=chan, text="help")
    assert d.error == "operation_timeout"


async def test_control_routes(emu, bot, alice, chan):
    import aiohttp

    async with aiohttp.ClientSession() as s:
        r = await s.post(
            emu.base_url + "_sandbox/slash", json={"user": "alice", "channel": "social", "text": "help"}
        )
        body = await r.json()
        assert body["delivery"]["shown"][0]["text"] == "Usage: /ig post"
        r = await s.get(emu.base_url + "_sandbox/ephemerals", params={"user": "alice"})
        assert (await r.json())[0]["text"] == "Usage: /ig post"
        r = await s.post(emu.base_url + "_sandbox/slash", json={"user": "nobody", "channel": "social"})
        assert r.status == 400
        r = await s.get(emu.base_url + "_sandbox/channels/social")
        assert await r.json() == []
        index = await (await s.get(emu.base_url + "_sandbox/")).text()
        assert "POST /_sandbox/slash" in index and emu.api_url in index and emu.bot_token in index


async def test_control_routes_take_form_fields_as_curl_sends_them(emu, bot, alice, chan):
    import aiohttp

    async with aiohttp.ClientSession() as s:
        r = await s.post(emu.base_url + "_sandbox/slash", data={"user": "alice", "channel": "social", "text": "help"})
        assert (await r.json())["delivery"]["shown"][0]["text"] == "Usage: /ig post"
        r = await s.post(emu.base_url + "_sandbox/users", data={"name": "zoe", "is_admin": "false"})
        zoe = (await r.json())["id"]
        assert not emu.ws.users[zoe].is_admin
        r = await s.post(emu.base_url + "_sandbox/channels", data={"name": "team", "members": "alice,zoe",
                                                                    "bot_member": "true"})
        team = emu.ws.channels[(await r.json())["id"]]
        assert team.members >= {alice, zoe} and emu.ws.bot_user_id in team.members
        r = await s.post(emu.base_url + "_sandbox/submit", data={"user": "alice", "values": "{not json"})
        assert r.status == 400 and "values must be JSON" in await r.text()
        r = await s.post(emu.base_url + "_sandbox/faults", data={"method": "chat.postMessage", "times": "x"})
        assert r.status == 400 and "wrong field" in (await r.json())["error"]
        r = await s.post(emu.base_url + "_sandbox/users", data={})
        assert r.status == 400


async def test_buttons_in_a_slash_command_answer_get_block_ids_and_can_be_clicked(emu, bot, seen, alice, chan):
    await emu.slash_command(user=alice, channel=chan, text="buttons")
    [eph] = emu.ephemerals(user=alice)
    assert eph["blocks"][0]["block_id"]  # Slack gives every block an id
    d = await emu.click(user=alice, channel=chan, message_ts=eph["ts"], action_id="more")
    assert d.ok and seen[-1]["actions"][0]["block_id"] == eph["blocks"][0]["block_id"]
