"""Fixtures for comments through the sandbox Graph emulator instead of the loopback stub."""

from __future__ import annotations

import pytest

from bot.config import Config
from sandbox.graph import GraphEmulator
from tests.comments.conftest import META_SECRET


@pytest.fixture
async def emu():
    e = GraphEmulator(app_id="1234", app_secret=META_SECRET)
    await e.start()
    yield e
    await e.stop()
    assert e.violations == []


@pytest.fixture
def config(base_env, slack, emu) -> Config:
    slack.limiter.limits.enabled = False
    return Config.from_env({**base_env, "SLACK_API_URL": slack.api_url, "IGBOT_ADMINS": slack.admin,
                            "GRAPH_API_URL": emu.urls.graph_facebook,
                            "INSTAGRAM_GRAPH_API_URL": emu.urls.graph_instagram})
