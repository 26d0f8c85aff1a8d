"""Rate limits with an injected clock: ~1 post/s per channel, Tier 3 for chat.update, 429 + Retry-After."""

import os

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from sandbox.slack import ManualClock, RateLimits, SlackEmulator

TOKEN = "xoxb-test"


@pytest.fixture(autouse=True)
def no_slack_env(monkeypatch):
    for name in list(os.environ):
        if name.startswith("SLACK_"):
            monkeypatch.delenv(name)


@pytest.fixture
def clock():
    return ManualClock()


async def started(clock, **limits):
    emu = SlackEmulator(bot_token=TOKEN, clock=clock, limits=RateLimits(**limits))
    await emu.start()
    return emu, AsyncWebClient(token=TOKEN, base_url=emu.api_url)


async def limited(coro) -> int:
    with pytest.raises(SlackApiError) as e:
        await coro
    assert e.value.response.status_code == 429 and e.value.response["error"] == "ratelimited"
    return int(e.value.response.headers["Retry-After"])


async def test_one_post_per_second_per_channel(clock):
    emu, client = await started(clock, post_burst=2)
    try:
        a = emu.add_channel("a", bot_member=True)
        b = emu.add_channel("b", bot_member=True)
        await client.chat_postMessage(channel=a, text="1")
        await client.chat_postMessage(channel=a, text="2")  # a short burst is allowed
        assert await limited(client.chat_postMessage(channel=a, text="3")) == 1
        await client.chat_postMessage(channel=b, text="other channel")  # channels are independent
        clock.advance(1.0)
        await client.chat_postMessage(channel=a, text="3")
        assert await limited(client.chat_postMessage(channel=a, text="4")) == 1
        for _ in range(5):  # a paced sender never hits the limit
            clock.advance(1.0)
            await client.chat_postMessage(channel=a, text="paced")
        assert len(emu.messages(a)) == 8
        assert [c.status for c in emu.calls_of("chat.postMessage")].count(429) == 2
    finally:
        await emu.stop()


async def test_chat_update_is_tier_3_workspace_wide(clock):
    emu, client = await started(clock, tiers={1: 1, 2: 20, 3: 50, 4: 100})
    try:
        a = emu.add_channel("a", bot_member=True)
        b = emu.add_channel("b", bot_member=True)
        ts_a = (await client.chat_postMessage(channel=a, text="x"))["ts"]
        ts_b = (await client.chat_postMessage(channel=b, text="x"))["ts"]
        for i in range(50):
            await client.chat_update(channel=a if i % 2 else b, ts=ts_a if i % 2 else ts_b, text=f"v{i}")
        assert (
            await limited(client.chat_update(channel=b, ts=ts_b, text="over")) == 2
        )  # 50/min: one per 1.2 s
        clock.advance(1.2)
        await client.chat_update(channel=b, ts=ts_b, text="again")
    finally:
        await emu.stop()


async def test_limits_can_be_turned_off(clock):
    emu, client = await started(clock, enabled=False)
    try:
        a = emu.add_channel("a", bot_member=True)
        for i in range(20):
            await client.chat_postMessage(channel=a, text=str(i))
        assert [m["text"] for m in emu.messages(a)] == [str(i) for i in range(20)]  # all at once, in order
        assert {c.status for c in emu.calls_of("chat.postMessage")} == {200}  # never a 429
    finally:
        await emu.stop()


async def test_workspace_post_limit(clock):
    emu, client = await started(clock, post_workspace_per_minute=3, post_burst=10)
    try:
        chans = [emu.add_channel(f"c{i}", bot_member=True) for i in range(4)]
        for c in chans[:3]:
            await client.chat_postMessage(channel=c, text="x")
        assert await limited(client.chat_postMessage(channel=chans[3], text="x")) == 20
    finally:
        await emu.stop()


async def test_channel_named_or_by_id_shares_one_bucket(clock):
    emu, client = await started(clock, post_burst=1)
    try:
        emu.add_channel("a", bot_member=True)
        await client.chat_postMessage(channel="#a", text="1")
        assert await limited(client.chat_postMessage(channel=emu.ws.channel_id("a"), text="2")) == 1
    finally:
        await emu.stop()
