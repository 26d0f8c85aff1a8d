"""The outbox against the Slack emulator with its rate limits on: 429s, 5xx, not_in_channel, restarts, merges."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from bot.outbox import Outbox
from sandbox.slack import DEFAULT_SCOPES, ManualClock, SlackEmulator
from storage import outbox as rows
from storage.db import Store

BOT_TOKEN = "xoxb-outbox"


class Wall:
    """Wall-clock datetimes that follow a ManualClock."""

    def __init__(self, clock: ManualClock):
        self.clock = clock

    def __call__(self) -> datetime:
        return datetime.fromtimestamp(self.clock(), UTC)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(time.time() + 5)  # a little ahead, so rows stored "now" are already due


@pytest.fixture
async def emu(clock):
    async with SlackEmulator(signing_secret="s", bot_token=BOT_TOKEN, clock=clock) as emulator:
        emulator.admin = emulator.add_user("admin", is_admin=True)
        emulator.social = emulator.add_channel("social", members=[emulator.admin], bot_member=True)
        emulator.other = emulator.add_channel("other", members=[emulator.admin], bot_member=True)
        emulator.outside = emulator.add_channel("outside", members=[emulator.admin])  # public, bot not in it
        yield emulator


@pytest.fixture
def store(tmp_path):
    s = Store.open(str(tmp_path / "outbox.db"))
    yield s
    s.close()


def make_outbox(store, emu, clock, **kw) -> Outbox:
    client = AsyncWebClient(token=BOT_TOKEN, base_url=emu.api_url)
    return Outbox(store, client, worker_id=kw.pop("worker_id", "w1"), admins=(emu.admin,), clock=clock,
                  wall=Wall(clock), **kw)


def payload(text: str) -> dict:
    return {"text": text, "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]}


async def test_posts_are_paced_per_channel_and_never_hit_the_limit(store, emu, clock):
    outbox = make_outbox(store, emu, clock)
    for i in range(4):
        await outbox.post(channel_id=emu.social, payload=payload(f"s{i}"))
        await outbox.post(channel_id=emu.other, payload=payload(f"o{i}"))
    for _ in range(4):
        await outbox.drain_once()
        clock.advance(1.0)
    assert [m["text"] for m in emu.messages(emu.social)] == ["s0", "s1", "s2", "s3"]
    assert [m["text"] for m in emu.messages(emu.other)] == ["o0", "o1", "o2", "o3"]
    assert all(c.status == 200 for c in emu.calls_of("chat.postMessage"))


async def test_retry_after_is_honoured_for_the_method_that_got_it(store, emu, clock):
    outbox = make_outbox(store, emu, clock)
    first = await outbox.post(channel_id=emu.social, payload=payload("first"))
    await outbox.drain_once()
    emu.inject_error("chat.postMessage", error="ratelimited", retry_after=30)
    second = await outbox.post(channel_id=emu.social, payload=payload("second"))
    await outbox.update(target_id=first, payload=payload("first, edited"))
    clock.advance(2)
    await outbox.drain_once()  # the post gets a 429; the update still goes (another method)
    assert emu.messages(emu.social)[0]["text"] == "first, edited"
    for _ in range(5):
        clock.advance(5)
        await outbox.drain_once()
    assert [m["text"] for m in emu.messages(emu.social)] == ["first, edited"]  # 25 s < Retry-After
    clock.advance(6)
    await outbox.drain_once()
    assert [m["text"] for m in emu.messages(emu.social)] == ["first, edited", "second"]
    assert (await outbox.get(second))["state"] == "sent"
    assert len([c for c in emu.calls_of("chat.postMessage") if c.status == 429]) == 1


async def test_server_errors_are_retried_with_backoff_and_posted_once(store, emu, clock):
    outbox = make_outbox(store, emu, clock)
    emu.inject_error("chat.postMessage", error="internal_error", status=500, times=2)
    item = await outbox.post(channel_id=emu.social, payload=payload("hello"))
    for _ in range(6):
        await outbox.drain_once()
        clock.advance(10)
    assert [m["text"] for m in emu.messages(emu.social)] == ["hello"]
    row = await outbox.get(item)
    assert row["state"] == "sent" and row["attempts"] == 2


async def test_not_in_channel_parks_without_blocking_others_and_tells_admins_once(store, emu, clock):
    emu.set_scopes(*(s for s in DEFAULT_SCOPES if s != "chat:write.public"))
    outbox = make_outbox(store, emu, clock)
    parked = [await outbox.post(channel_id=emu.outside, payload=payload(f"p{i}")) for i in range(2)]
    fine = await outbox.post(channel_id=emu.social, payload=payload("fine"))
    for _ in range(3):
        await outbox.drain_once()
        clock.advance(1.1)
    assert [(await outbox.get(i))["state"] for i in parked] == ["parked", "parked"]
    assert (await outbox.get(i := fine))["state"] == "sent" and i
    assert (await outbox.get(parked[0]))["error"] == "not_in_channel"
    dms = [c for c in emu.calls_of("chat.postMessage") if c.args.get("channel") == emu.admin]
    assert len(dms) == 1 and "/invite @igbot" in dms[0].args["text"]
    assert [p["error"] for p in await store.run(rows.parked_items)] == ["not_in_channel"] * 2


async def test_pending_updates_of_one_message_are_merged(store, emu, clock):
    outbox = make_outbox(store, emu, clock)
    item = await outbox.post(channel_id=emu.social, payload=payload("v1"))
    await outbox.update(target_id=item, payload=payload("v2"))  # before it is sent: folded into the post
    await outbox.drain_once()
    assert [m["text"] for m in emu.messages(emu.social)] == ["v2"] and emu.calls_of("chat.update") == []
    for n in (3, 4, 5):
        await outbox.update(target_id=item, payload=payload(f"v{n}"))
    clock.advance(2)
    await outbox.drain_once()
    assert len(emu.calls_of("chat.update")) == 1 and emu.messages(emu.social)[0]["text"] == "v5"


async def test_a_restart_between_post_and_storing_its_ts_does_not_post_twice(store, emu, clock):
    crashed = make_outbox(store, emu, clock, lease_seconds=30)
    item = await crashed.post(channel_id=emu.social, payload=payload("exactly once"))
    real_post = crashed._slack.chat_postMessage

    async def post_then_die(**kwargs):
        await real_post(**kwargs)
        raise KeyboardInterrupt("kill -9 after Slack accepted the post")

    crashed._slack.chat_postMessage = post_then_die
    with pytest.raises(KeyboardInterrupt):
        await crashed.drain_once()
    assert (await crashed.get(item))["state"] == "sending" and len(emu.messages(emu.social)) == 1
    clock.advance(31)  # the dead worker's lease runs out
    restarted = make_outbox(store, emu, clock, worker_id="w2")
    await restarted.drain_once()
    assert len(emu.messages(emu.social)) == 1
    row = await restarted.get(item)
    assert row["state"] == "sent" and row["ts"] == emu.messages(emu.social)[0]["ts"]
    assert emu.calls_of("conversations.history")[0].args.get("include_all_metadata") in ("true", "1", True)


async def test_a_restart_before_the_post_reached_slack_sends_it(store, emu, clock):
    crashed = make_outbox(store, emu, clock, lease_seconds=30)
    item = await crashed.post(channel_id=emu.social, payload=payload("not lost"))

    async def die(**kwargs):
        raise KeyboardInterrupt("kill -9 before the request left")

    crashed._slack.chat_postMessage = die
    with pytest.raises(KeyboardInterrupt):
        await crashed.drain_once()
    clock.advance(31)
    await make_outbox(store, emu, clock, worker_id="w2").drain_once()
    assert [m["text"] for m in emu.messages(emu.social)] == ["not lost"]
    assert (await crashed.get(item))["state"] == "sent"


async def test_refused_blocks_fall_back_once_to_plain_text(store, emu, clock):
    outbox = make_outbox(store, emu, clock)
    bad = {"text": "plain &lt;fallback&gt;", "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": ""}}]}
    item = await outbox.post(channel_id=emu.social, payload=bad)
    for _ in range(2):
        await outbox.drain_once()
        clock.advance(1.1)
    [message] = emu.messages(emu.social)
    assert message["text"] == "plain &lt;fallback&gt;" and not message.get("blocks")
    assert (await outbox.get(item))["fallback_used"] == 1


async def test_a_thread_reply_waits_for_its_parents_ts(store, emu, clock):
    outbox = make_outbox(store, emu, clock)
    emu.inject_error("chat.postMessage", error="internal_error", status=503)
    parent = await outbox.post(channel_id=emu.social, payload=payload("parent"))
    await outbox.post(channel_id=emu.social, payload=payload("child"), thread_parent_id=parent)
    for _ in range(8):
        await outbox.drain_once()
        clock.advance(5)
    [top] = emu.messages(emu.social)
    assert [m["text"] for m in emu.thread(emu.social, top["ts"])] == ["parent", "child"]


async def test_healthz_lists_parked_items(bot, slack, deps):
    archived = slack.add_channel("old", members=[slack.admin], bot_member=True, archived=True)
    item = await deps.outbox.post(channel_id=archived, payload=payload("nope"))
    for _ in range(200):
        if (await deps.outbox.get(item))["state"] == "parked":
            break
        await asyncio.sleep(0.01)
    body = await (await bot.get("/healthz")).json()
    assert body["parked_slack_errors"][0]["error"] == "is_archived"
    assert datetime.fromisoformat(body["parked_slack_errors"][0]["created_at"].replace("Z", "+00:00")) > \
        datetime.now(UTC) - timedelta(minutes=1)
