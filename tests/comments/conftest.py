"""Fixtures for comments in Slack: the app on the Slack and Graph emulators; signed deliveries."""

from __future__ import annotations

import json

import pytest

from bot.appkeys import DEPS
from bot.config import Config
from sandbox.graph import GraphEmulator, Media
from sandbox.graph.webhooks import sign
from storage import accounts as account_rows
from storage import tokens as token_rows

META_SECRET = "meta-app-secret"
SHOP_IG = "17841400000000001"  # the emulator's first Instagram account


@pytest.fixture
async def graph():
    emu = GraphEmulator(app_id="1234", app_secret=META_SECRET)
    await emu.start()
    yield emu
    await emu.stop()
    assert emu.violations == [] and emu.internal_errors == []


@pytest.fixture
def config(base_env, slack, graph) -> Config:
    slack.limiter.limits.enabled = False
    return Config.from_env({**base_env, "SLACK_API_URL": slack.api_url, "IGBOT_ADMINS": slack.admin,
                            "GRAPH_API_URL": graph.urls.graph_facebook,
                            "INSTAGRAM_GRAPH_API_URL": graph.urls.graph_instagram})


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


async def add_account(deps, graph, *, username: str, channel: str, login: str = "facebook") -> dict:
    """Add an account to the Graph emulator and to igbot (with the token its login gives); return igbot's row."""
    ig = graph.add_account(username, login=login)

    def write(db):
        row = account_rows.add_account(db, username=username, ig_user_id=ig.ig_user_id, login=login, page_id=None,
                                       channel_id=channel, timezone="UTC", digest_time="09:00")
        token_rows.put_token(db, account_id=row["id"], kind="page" if login == "facebook" else "instagram",
                             ciphertext=deps.cipher.encrypt(ig.page_token if login == "facebook" else ig.token))
        return row

    return await deps.store.run(write)


@pytest.fixture
async def shop(deps, slack, graph) -> dict:
    row = await add_account(deps, graph, username="shop", channel=slack.social)
    assert row["ig_user_id"] == SHOP_IG
    return row


@pytest.fixture
def post(graph, shop) -> Media:
    """The shop's post the comments are on."""
    return graph.add_media(SHOP_IG, caption="Autumn drop <3 & more")


def delivery(changes: list[tuple[str, str, dict]], *, time: int = 1764324000) -> bytes:
    """Return a webhook body: [(entry id, field, value)], one entry per account in order of first use."""
    entries: dict[str, dict] = {}
    for entry_id, field_name, value in changes:
        entries.setdefault(entry_id, {"id": entry_id, "time": time, "changes": []})["changes"].append(
            {"field": field_name, "value": value})
    return json.dumps({"object": "instagram", "entry": list(entries.values())}).encode()


def meta_signature(body: bytes, secret: str) -> str:
    """Return the X-Hub-Signature-256 header value Meta sends."""
    return sign(secret, body)["X-Hub-Signature-256"]


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


async def handled(deps, object_id: str) -> dict:
    """Wait until the inbox worker has finished every change about an object; return its inbox row."""

    async def done():
        rows = await deps.store.run(lambda db: list(db["inbox"].rows_where("object_id = ?", [object_id])))
        return rows and all(r["state"] == "done" for r in rows) and rows[0]

    return await eventually(done)
