"""Fixtures for comments in Slack: the app on the Slack emulator and a loopback Graph; signed deliveries."""

from __future__ import annotations

import pytest

from bot.appkeys import DEPS
from bot.config import Config
from storage import accounts as account_rows
from storage import tokens as token_rows
from tests.comments.graph_stub import GraphStub, delivery, meta_signature

META_SECRET = "meta-app-secret"
SHOP_IG = "17841400000000001"
OTHER_IG = "17841400000000002"


@pytest.fixture
async def graph():
    stub = await GraphStub().start()
    yield stub
    await stub.stop()


@pytest.fixture
def config(base_env, slack, graph) -> Config:
    slack.limiter.limits.enabled = False
    return Config.from_env({**base_env, "SLACK_API_URL": slack.api_url, "IGBOT_ADMINS": slack.admin,
                            "GRAPH_API_URL": graph.url, "INSTAGRAM_GRAPH_API_URL": graph.url})


@pytest.fixture
async def bot(aiohttp_client, config, slack):
    from bot.app import create_app

    client = await aiohttp_client(create_app(config))
    slack.set_request_url(str(client.make_url("/slack/events")))
    deps = client.server.app[DEPS]
    deps.outbox.post_interval = deps.outbox.update_interval = 0.0
    return client


@pytest.fixture
def deps(bot):
    return bot.server.app[DEPS]


async def add_account(deps, *, username: str, ig_user_id: str, channel: str, login: str = "facebook") -> dict:
    def write(db):
        row = account_rows.add_account(db, username=username, ig_user_id=ig_user_id, login=login, page_id=None,
                                       channel_id=channel, timezone="UTC", digest_time="09:00")
        token_rows.put_token(db, account_id=row["id"], kind="page" if login == "facebook" else "instagram",
                             ciphertext=deps.cipher.encrypt(f"EAA-token-of-{username}"))
        return row

    return await deps.store.run(write)


@pytest.fixture
async def shop(deps, slack, graph) -> dict:
    graph.add_media("18000000000000001", owner="shop", caption="Autumn drop <3 & more", product="FEED")
    return await add_account(deps, username="shop", ig_user_id=SHOP_IG, channel=slack.social)


async def deliver(bot, changes: list[tuple[str, str, dict]], *, secret: str = META_SECRET, body: bytes | None = None):
    """POST a signed delivery as Meta does; return the response."""
    raw = body if body is not None else delivery(changes)
    return await bot.post("/webhooks/instagram", data=raw,
                          headers={"Content-Type": "application/json",
                                   "X-Hub-Signature-256": meta_signature(raw, secret)})


def top_level(slack, channel) -> list[dict]:
    return [m for m in slack.messages(channel) if not m.get("thread_ts") or m.get("thread_ts") == m.get("ts")]


async def eventually(check, timeout: float = 5.0):
    """Await an async check until it returns something truthy (listeners and workers run after the ack)."""
    import asyncio

    for _ in range(int(timeout / 0.01)):
        result = await check()
        if result:
            return result
        await asyncio.sleep(0.01)
    raise AssertionError("condition not met in time")
