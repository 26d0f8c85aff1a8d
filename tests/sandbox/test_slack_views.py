"""views.* rules (trigger_id expiry and reuse, stack, hash, Home tab) and the response_url endpoint."""

import os

import aiohttp
import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from sandbox.slack import ManualClock, RateLimits, SlackEmulator

TOKEN = "xoxb-test"
MODAL = {
    "type": "modal",
    "title": {"type": "plain_text", "text": "Compose"},
    "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "hi"}}],
}


@pytest.fixture(autouse=True)
def no_slack_env(monkeypatch):
    for name in list(os.environ):
        if name.startswith("SLACK_"):
            monkeypatch.delenv(name)


@pytest.fixture
def clock():
    return ManualClock()


@pytest.fixture
async def emu(clock):
    emu = SlackEmulator(bot_token=TOKEN, clock=clock, limits=RateLimits(enabled=False))
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


async def error_of(coro) -> dict:
    with pytest.raises(SlackApiError) as e:
        await coro
    return e.value.response.data


async def test_trigger_is_single_use_and_expires_after_3s(client, emu, clock, alice):
    trigger = emu.issue_trigger(alice)
    r = await client.views_open(trigger_id=trigger, view=MODAL)
    assert r["view"]["id"].startswith("V") and r["view"]["root_view_id"] == r["view"]["id"]
    assert r["view"]["state"] == {"values": {}} and r["view"]["blocks"][0]["block_id"]
    assert (await error_of(client.views_open(trigger_id=trigger, view=MODAL)))[
        "error"
    ] == "exchanged_trigger_id"
    late = emu.issue_trigger(alice)
    clock.advance(3.01)
    assert (await error_of(client.views_open(trigger_id=late, view=MODAL)))["error"] == "expired_trigger_id"
    assert (await error_of(client.views_open(trigger_id="1.2.abc", view=MODAL)))[
        "error"
    ] == "invalid_trigger_id"
    assert [v["id"] for v in emu.views_of(alice)] == [r["view"]["id"]]


async def test_invalid_view_is_invalid_arguments(client, emu, alice):
    bad = dict(MODAL, title={"type": "plain_text", "text": "A title far longer than 24"})
    body = await error_of(client.views_open(trigger_id=emu.issue_trigger(alice), view=bad))
    assert body["error"] == "invalid_arguments"
    assert body["response_metadata"]["messages"] == [
        "[ERROR] must be less than 25 characters [json-pointer:/view/title/text]"
    ]
    with_input = dict(
        MODAL,
        blocks=[
            {
                "type": "input",
                "label": {"type": "plain_text", "text": "x"},
                "element": {"type": "plain_text_input", "action_id": "t"},
            }
        ],
    )
    body = await error_of(client.views_open(trigger_id=emu.issue_trigger(alice), view=with_input))
    assert "submit" in body["response_metadata"]["messages"][0]
    home = dict(MODAL, type="home")
    body = await error_of(client.views_open(trigger_id=emu.issue_trigger(alice), view=home))
    assert body["error"] == "invalid_arguments"


async def test_push_limit_update_and_hash(client, emu, alice):
    root = (await client.views_open(trigger_id=emu.issue_trigger(alice), view=MODAL))["view"]
    second = (await client.views_push(trigger_id=emu.issue_trigger(alice), view=MODAL))["view"]
    assert second["previous_view_id"] == root["id"] and second["root_view_id"] == root["id"]
    await client.views_push(trigger_id=emu.issue_trigger(alice), view=MODAL)
    body = await error_of(client.views_push(trigger_id=emu.issue_trigger(alice), view=MODAL))
    assert body["error"] == "push_limit_reached"
    changed = dict(MODAL, title={"type": "plain_text", "text": "Changed"})
    updated = (await client.views_update(view_id=root["id"], hash=root["hash"], view=changed))["view"]
    assert updated["title"]["text"] == "Changed" and updated["hash"] != root["hash"]
    stale = await error_of(client.views_update(view_id=root["id"], hash=root["hash"], view=MODAL))
    assert stale["error"] == "hash_conflict"
    assert (await error_of(client.views_update(view_id="V404", view=MODAL)))["error"] == "not_found"
    assert emu.views_of(alice)[0]["title"]["text"] == "Changed"


async def test_external_id_is_unique_and_updatable(client, emu, alice):
    view = dict(MODAL, external_id="compose-1")
    await client.views_open(trigger_id=emu.issue_trigger(alice), view=view)
    r = await client.views_update(external_id="compose-1", view=dict(view, callback_id="c"))
    assert r["view"]["callback_id"] == "c"
    bob = emu.add_user("bob")
    dup = await error_of(client.views_open(trigger_id=emu.issue_trigger(bob), view=view))
    assert dup["error"] == "duplicate_external_id"


async def test_publish_home(client, emu, alice):
    home = {"type": "home", "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "Accounts"}}]}
    first = (await client.views_publish(user_id=alice, view=home))["view"]
    assert emu.home_of(alice)["blocks"][0]["text"]["text"] == "Accounts"
    again = (await client.views_publish(user_id=alice, view=home, hash=first["hash"]))["view"]
    assert again["id"] == first["id"]
    assert (await error_of(client.views_publish(user_id=alice, view=home, hash="stale")))[
        "error"
    ] == "hash_conflict"
    assert (await error_of(client.views_publish(user_id="U404", view=home)))["error"] == "user_not_found"
    assert (await error_of(client.views_publish(user_id=alice, view=MODAL)))["error"] == "invalid_arguments"
    emu.home_tab_enabled = False
    assert (await error_of(client.views_publish(user_id=alice, view=home)))["error"] == "not_enabled"


async def test_response_url_five_uses_in_thirty_minutes(emu, clock, alice, chan):
    url = emu.issue_response_url(alice, chan)
    async with aiohttp.ClientSession() as s:
        for i in range(5):
            r = await s.post(url, json={"text": f"reply {i}"})
            assert r.status == 200 and await r.text() == "ok"
        r = await s.post(url, json={"text": "sixth"})
        assert r.status == 404 and await r.text() == "used_url"
        old = emu.issue_response_url(alice, chan)
        clock.advance(30 * 60 + 1)
        r = await s.post(old, json={"text": "late"})
        assert r.status == 404 and await r.text() == "expired_url"
        fresh = emu.issue_response_url(alice, chan)
        r = await s.post(fresh, json={"text": "everyone", "response_type": "in_channel"})
        assert r.status == 200
        r = await s.post(
            fresh, json={"blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": ""}}]}
        )
        assert r.status == 400 and await r.text() == "invalid_blocks"
        r = await s.post(fresh, data="not json", headers={"Content-Type": "application/json"})
        assert r.status == 400
    assert [e["text"] for e in emu.ephemerals(user=alice)] == [f"reply {i}" for i in range(5)]
    assert [m["text"] for m in emu.messages(chan)] == ["everyone"]
    assert len(emu.calls_of("response_url")) == 10


async def test_response_url_replace_and_delete_original(client, emu, alice):
    public = emu.add_channel("public", members=[alice])  # the bot is not a member: response_url still works
    ts = emu.post_as(alice, public, "placeholder")
    emu.ws.channels[public].message(ts).bot_id = emu.ws.bot_id
    url = emu.issue_response_url(alice, public, message_ts=ts)
    async with aiohttp.ClientSession() as s:
        assert (await s.post(url, json={"replace_original": True, "text": "replaced"})).status == 200
        assert emu.message(public, ts)["text"] == "replaced"
        assert (await s.post(url, json={"delete_original": True})).status == 200
    assert emu.message(public, ts) is None
