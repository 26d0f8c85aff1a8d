"""Web API emulation: tokens, transports, chat.*, conversations.*, users.info, recording, faults."""

import json

import aiohttp
import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from sandbox.slack import ManualClock, RateLimits, SlackEmulator

TOKEN = "xoxb-test"


@pytest.fixture(autouse=True)
def no_slack_env(monkeypatch):
    for name in list(__import__("os").environ):
        if name.startswith("SLACK_"):
            monkeypatch.delenv(name)


@pytest.fixture
def clock():
    return ManualClock(1_800_000_000.0)


@pytest.fixture
async def emu(clock):
    emu = SlackEmulator(bot_token=TOKEN, app_token="xapp-test", clock=clock, limits=RateLimits(enabled=False))
    await emu.start()
    yield emu
    await emu.stop()


@pytest.fixture
def client(emu):
    return AsyncWebClient(token=TOKEN, base_url=emu.api_url)


@pytest.fixture
def alice(emu):
    return emu.add_user("alice")


@pytest.fixture
def chan(emu, alice):
    return emu.add_channel("social", members=[alice], bot_member=True)


async def error_of(coro) -> str:
    with pytest.raises(SlackApiError) as e:
        await coro
    return e.value.response["error"]


async def test_auth_test_describes_the_bot(client, emu):
    r = await client.auth_test()
    assert r["ok"] and r["user_id"] == "U0BOT" and r["bot_id"] == emu.ws.bot_id and r["team_id"] == "T0001"
    assert "chat:write" in r.headers["x-oauth-scopes"]
    assert emu.calls_of("auth.test")[0].token == TOKEN


async def test_token_checks(emu, chan):
    assert await error_of(AsyncWebClient(base_url=emu.api_url).auth_test()) == "not_authed"
    assert (
        await error_of(AsyncWebClient(token="xoxb-wrong", base_url=emu.api_url).auth_test()) == "invalid_auth"
    )
    app_client = AsyncWebClient(token="xapp-test", base_url=emu.api_url)
    assert await error_of(app_client.chat_postMessage(channel=chan, text="x")) == "not_allowed_token_type"
    bot = AsyncWebClient(token=TOKEN, base_url=emu.api_url)
    assert await error_of(bot.apps_connections_open(app_token=TOKEN)) == "not_allowed_token_type"
    emu.revoke_token()
    assert await error_of(bot.auth_test()) == "token_revoked"


async def test_form_query_and_json_bodies(emu, chan):
    url, auth = emu.api_url, {"Authorization": f"Bearer {TOKEN}"}
    async with aiohttp.ClientSession() as s:
        r = await s.post(
            url + "chat.postMessage",
            data={"channel": chan, "text": "form", "metadata": json.dumps({"event_type": "e"})},
            headers=auth,
        )
        assert (await r.json())["ok"]
        r = await s.post(
            url + "chat.postMessage", data={"channel": chan, "text": "form token", "token": TOKEN}
        )
        assert (await r.json())["ok"]
        r = await s.post(url + "chat.postMessage", json={"channel": chan, "text": "json"}, headers=auth)
        assert (await r.json())["ok"]
        r = await s.get(url + "conversations.info", params={"channel": chan}, headers=auth)
        assert (await r.json())["channel"]["id"] == chan
        r = await s.post(url + "auth.test", params={"token": TOKEN})
        assert (await r.json())["error"] == "not_authed"  # query-string tokens are refused
        r = await s.post(url + "conversations.info", json={"channel": chan}, headers=auth)
        assert (await r.json())["error"] == "channel_not_found"  # JSON is not read by form-only methods
        r = await s.post(url + "no.such", headers=auth)
        assert (await r.json())["error"] == "unknown_method"
    assert [m["text"] for m in emu.messages(chan)] == ["form", "form token", "json"]
    assert emu.calls_of("conversations.info")[0].http_method == "GET"


async def test_post_message_and_threads(client, emu, chan, alice):
    parent = await client.chat_postMessage(
        channel=chan, text="parent", unfurl_links=False, unfurl_media=False
    )
    assert parent["message"]["bot_id"] == emu.ws.bot_id and parent["message"]["user"] == "U0BOT"
    r1 = await client.chat_postMessage(channel=chan, text="r1", thread_ts=parent["ts"])
    emu.post_as(alice, chan, "human reply", thread_ts=parent["ts"])
    r3 = await client.chat_postMessage(
        channel=chan, text="r3", thread_ts=r1["ts"]
    )  # a reply's ts: same thread
    assert r3["message"]["thread_ts"] == parent["ts"]
    top = emu.messages(chan)
    assert [m["text"] for m in top] == ["parent"]
    assert top[0]["reply_count"] == 3 and top[0]["reply_users"] == ["U0BOT", alice]
    assert [m["text"] for m in emu.thread(chan, parent["ts"])] == ["parent", "r1", "human reply", "r3"]
    assert emu.ws.channels[chan].message(parent["ts"]).unfurl_links is False
    replies = await client.conversations_replies(channel=chan, ts=parent["ts"])
    assert [m["text"] for m in replies["messages"]] == ["parent", "r1", "human reply", "r3"]
    assert (
        await error_of(client.chat_postMessage(channel=chan, text="x", thread_ts="1.000000"))
        == "thread_not_found"
    )
    await client.chat_postMessage(channel=chan, text="b", thread_ts=parent["ts"], reply_broadcast=True)
    assert [m["text"] for m in emu.messages(chan)] == ["parent", "b"]


async def test_post_message_argument_errors(client, chan):
    with pytest.warns(UserWarning):  # slack_sdk warns too; Slack answers no_text
        assert await error_of(client.chat_postMessage(channel=chan, text="")) == "no_text"
    assert await error_of(client.chat_postMessage(channel=chan, text="x" * 40001)) == "msg_too_long"
    assert await error_of(client.chat_postMessage(channel="C999", text="x")) == "channel_not_found"
    bad = client.chat_postMessage(channel=chan, text="x", metadata={"event_payload": {}})
    assert await error_of(bad) == "invalid_metadata_schema"


async def test_post_by_channel_name_and_to_a_user(client, emu, chan, alice):
    assert (await client.chat_postMessage(channel="#social", text="x"))["channel"] == chan
    dm = await client.chat_postMessage(channel=alice, text="hello")
    assert dm["channel"].startswith("D") and emu.messages(dm["channel"])[0]["text"] == "hello"


async def test_membership_privacy_and_archive(client, emu, alice):
    public = emu.add_channel("public", members=[alice])
    private = emu.add_channel("secret", private=True, members=[alice])
    archived = emu.add_channel("old", members=[alice], bot_member=True, archived=True)
    assert (await client.chat_postMessage(channel=public, text="via chat:write.public"))["ok"]
    assert await error_of(client.chat_postMessage(channel=private, text="x")) == "channel_not_found"
    assert await error_of(client.conversations_info(channel=private)) == "channel_not_found"
    assert (
        await error_of(client.conversations_join(channel=private)) == "method_not_supported_for_channel_type"
    )
    assert await error_of(client.chat_postMessage(channel=archived, text="x")) == "is_archived"
    assert await error_of(client.conversations_history(channel=public)) == "not_in_channel"
    info = await client.conversations_info(channel=public, include_num_members=True)
    assert info["channel"]["is_member"] is False and info["channel"]["num_members"] == 1
    joined = await client.conversations_join(channel=public)
    assert joined["channel"]["is_member"] is True
    again = await client.conversations_join(channel=public)
    assert again["warning"] == "already_in_channel"
    emu.invite(private, "bot")
    assert (await client.conversations_info(channel=private))["channel"]["is_private"] is True
    emu.set_scopes("chat:write")
    other = emu.add_channel("other", members=[alice])
    assert await error_of(client.chat_postMessage(channel=other, text="x")) == "not_in_channel"
    err = await error_of(client.users_info(user=alice))
    assert err == "missing_scope"


async def test_update_delete_and_permalink(client, emu, chan, alice):
    posted = await client.chat_postMessage(
        channel=chan, text="old", blocks=[{"type": "section", "text": {"type": "mrkdwn", "text": "old"}}]
    )
    ts = posted["ts"]
    r = await client.chat_update(
        channel=chan,
        ts=ts,
        text="new",
        blocks=[{"type": "context", "elements": [{"type": "mrkdwn", "text": "hidden by <@U1>"}]}],
    )
    assert r["text"] == "new"
    msg = emu.message(chan, ts)
    assert msg["text"] == "new" and msg["blocks"][0]["type"] == "context" and "edited" in msg
    assert await error_of(client.chat_update(channel=chan, ts=ts, text="x" * 4001)) == "msg_too_long"
    assert await error_of(client.chat_update(channel=chan, ts="1.000001", text="x")) == "message_not_found"
    human = emu.post_as(alice, chan, "mine")
    assert await error_of(client.chat_update(channel=chan, ts=human, text="x")) == "cant_update_message"
    assert await error_of(client.chat_delete(channel=chan, ts=human)) == "cant_delete_message"
    link = await client.chat_getPermalink(channel=chan, message_ts=ts)
    assert link["permalink"] == f"https://igbot-sandbox.slack.com/archives/{chan}/p{ts.replace('.', '')}"
    await client.chat_delete(channel=chan, ts=ts)
    assert emu.message(chan, ts) is None


async def test_history_metadata_and_paging(client, emu, chan):
    for i in range(3):
        await client.chat_postMessage(
            channel=chan, text=f"m{i}", metadata={"event_type": "igbot_outbox", "event_payload": {"id": i}}
        )
    plain = await client.conversations_history(channel=chan)
    assert [m["text"] for m in plain["messages"]] == ["m2", "m1", "m0"]
    assert all("metadata" not in m for m in plain["messages"])
    full = await client.conversations_history(channel=chan, include_all_metadata=True, limit=2)
    assert full["messages"][0]["metadata"] == {"event_type": "igbot_outbox", "event_payload": {"id": 2}}
    assert full["has_more"] and full["response_metadata"]["next_cursor"]
    rest = await client.conversations_history(channel=chan, cursor=full["response_metadata"]["next_cursor"])
    assert [m["text"] for m in rest["messages"]] == ["m0"] and not rest["has_more"]


async def test_ephemeral_and_users_info(client, emu, chan, alice):
    r = await client.chat_postEphemeral(channel=chan, user=alice, text="only you")
    assert r["message_ts"]
    assert emu.ephemerals(user=alice) == [
        {
            "channel": chan,
            "user": alice,
            "ts": r["message_ts"],
            "text": "only you",
            "blocks": None,
            "thread_ts": None,
            "source": "chat.postEphemeral",
        }
    ]
    bob = emu.add_user("bob")
    assert (
        await error_of(client.chat_postEphemeral(channel=chan, user=bob, text="x")) == "user_not_in_channel"
    )
    info = await client.users_info(user=alice)
    assert info["user"]["name"] == "alice" and info["user"]["is_admin"] is False
    assert await error_of(client.users_info(user="U404")) == "user_not_found"


async def test_fault_injection_and_recording(client, emu, chan):
    emu.inject_error("chat.postMessage", error="ratelimited", retry_after=7)
    with pytest.raises(SlackApiError) as e:
        await client.chat_postMessage(channel=chan, text="x")
    assert e.value.response.status_code == 429 and e.value.response.headers["Retry-After"] == "7"
    emu.inject_error("chat.update", error="internal_error", status=500, times=2)
    for _ in range(2):
        with pytest.raises(SlackApiError) as e:
            await client.chat_update(channel=chan, ts="1.1", text="x")
        assert e.value.response.status_code == 500
    assert (await client.chat_postMessage(channel=chan, text="fine"))["ok"]
    calls = emu.calls_of("chat.postMessage")
    assert [c.ok for c in calls] == [False, True] and calls[0].error == "ratelimited"
    assert calls[1].args == {"channel": chan, "text": "fine"} and calls[1].content_type == "application/json"
