"""Shared fixtures: a clean environment, a Config on a temporary database, the app on loopback."""

from __future__ import annotations

import os
import time
from urllib.parse import urlencode

import pytest
from slack_sdk.signature import SignatureVerifier

from bot.cipher import new_key
from bot.config import Config
from sandbox.slack import SlackEmulator
from tests import specs

SIGNING_SECRET = "test-signing-secret"
BOT_TOKEN = "xoxb-test"
ENV_PREFIXES = ("SLACK_", "META_", "INSTAGRAM_", "GRAPH_", "FACEBOOK_", "IGBOT_")


def pytest_runtest_setup(item):
    """Skip the checks that read the reference specs when they are absent: one reason, one summary line."""
    if specs.SHARED is None and item.get_closest_marker("specs"):
        pytest.skip(specs.MISSING)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    """Keep the developer's real Slack/Meta/igbot variables out of every test."""
    for name in list(os.environ):
        if name.startswith(ENV_PREFIXES):
            monkeypatch.delenv(name)


@pytest.fixture(autouse=True)
def no_env_file(monkeypatch, tmp_path):
    """Keep a developer's ./igbot.env out of every test: the default env file is a missing one in tmp_path."""
    import bot.envfile

    monkeypatch.setattr(bot.envfile, "default_path", lambda: tmp_path / "absent" / "igbot.env")


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch):
    """Fail any test that tries to resolve a host other than loopback: tests never touch the network."""
    import ipaddress
    import socket

    real = socket.getaddrinfo

    def guarded(host, *args, **kwargs):
        name = host.decode() if isinstance(host, bytes) else str(host or "")
        try:
            loopback = ipaddress.ip_address(name).is_loopback
        except ValueError:
            loopback = name in ("localhost", "")
        if not loopback:
            raise OSError(f"tests must not reach the network (tried to resolve {name!r})")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", guarded)


@pytest.fixture
def base_env(tmp_path) -> dict[str, str]:
    """A complete, valid environment for `igbot serve`."""
    return {
        "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "META_APP_ID": "1234", "META_APP_SECRET": "meta-app-secret", "META_WEBHOOK_VERIFY_TOKEN": "verify-me",
        "IGBOT_DB": str(tmp_path / "igbot.db"), "IGBOT_SECRET_KEY": new_key(),
    }


@pytest.fixture
async def slack():
    """The Slack emulator with a workspace: admin and alice, and #social with the bot in it."""
    emulator = SlackEmulator(signing_secret=SIGNING_SECRET, bot_token=BOT_TOKEN, app_token="xapp-test")
    await emulator.start()
    emulator.admin = emulator.add_user("admin", is_admin=True)
    emulator.alice = emulator.add_user("alice")
    emulator.social = emulator.add_channel("social", members=[emulator.admin, emulator.alice], bot_member=True)
    yield emulator
    await emulator.stop()


@pytest.fixture
def config(base_env, slack) -> Config:
    """A Config whose Slack calls go to the emulator; its admin is igbot's admin."""
    return Config.from_env({**base_env, "SLACK_API_URL": slack.api_url, "IGBOT_ADMINS": slack.admin})


@pytest.fixture
async def bot(aiohttp_client, config, slack):
    """The igbot web app on loopback, receiving the Slack emulator's requests."""
    from bot.app import create_app

    client = await aiohttp_client(create_app(config))
    slack.set_request_url(str(client.make_url("/slack/events")))
    return client


def signed_headers(body: str, *, secret: str = SIGNING_SECRET, timestamp: int | None = None,
                   content_type: str = "application/x-www-form-urlencoded") -> dict[str, str]:
    """Return the headers Slack sends with a body signed under secret."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    return {"Content-Type": content_type, "X-Slack-Request-Timestamp": ts,
            "X-Slack-Signature": SignatureVerifier(secret).generate_signature(timestamp=ts, body=body)}


def slash_body(text: str, *, response_url: str, user_id: str = "U0ALICE", channel_id: str = "C0SOCIAL1") -> str:
    """Return a slash command's form body as Slack sends it."""
    return urlencode({
        "token": "legacy", "team_id": "T0001", "team_domain": "test", "channel_id": channel_id,
        "channel_name": "social", "user_id": user_id, "user_name": "alice", "command": "/ig", "text": text,
        "api_app_id": "A0001", "is_enterprise_install": "false", "response_url": response_url,
        "trigger_id": "1337.42.abcd",
    })
