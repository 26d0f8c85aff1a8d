"""Digest fixtures: the app wired to both emulators, an account on each side, a fake Graph clock."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.accounts import NewAccount, register_account
from bot.appkeys import DEPS
from bot.config import Config
from sandbox.graph import FakeClock, GraphEmulator

# Monday 2026-11-23, 09:00 in Berlin (CET, UTC+1): the digest reports Sunday 2026-11-22.
MONDAY_9_BERLIN = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


class Sleeps:
    """An injectable sleep that records waits instead of waiting."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


@pytest.fixture
def graph_clock() -> FakeClock:
    return FakeClock(start=MONDAY_9_BERLIN.timestamp())


@pytest.fixture
async def graph(graph_clock):
    emu = GraphEmulator(app_id="1234", app_secret="meta-app-secret", clock=graph_clock, seed=5)
    await emu.start()
    yield emu
    await emu.stop()
    assert emu.violations == []


@pytest.fixture
def config(base_env, slack, graph, graph_clock, monkeypatch) -> Config:
    import bot.app
    from bot.graph import GraphClient

    async def clock_sleep(seconds: float) -> None:
        graph_clock.advance(seconds)

    real = bot.app.build_graph_client

    def on_the_emulator_clock(config, http, store) -> GraphClient:
        client = real(config, http, store)
        client.clock = client.throttle._clock = graph_clock  # one clock for Meta and the client
        client.sleep = clock_sleep
        return client

    monkeypatch.setattr(bot.app, "build_graph_client", on_the_emulator_clock)
    return Config.from_env({
        **base_env, "SLACK_API_URL": slack.api_url, "IGBOT_ADMINS": slack.admin,
        "GRAPH_API_URL": graph.urls.graph_facebook, "INSTAGRAM_GRAPH_API_URL": graph.urls.graph_instagram,
        "INSTAGRAM_API_URL": graph.urls.api_instagram,
    })


@pytest.fixture
def deps(bot):
    return bot.app[DEPS]


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def add_account(deps, graph, slack):
    """Register an emulator account in igbot, bound to #social; return (igbot row, emulator account)."""

    def add(username: str = "demo_shop", *, login: str = "facebook", timezone: str = "Europe/Berlin",
            digest_time: str = "09:00", followers_count: int = 1200, **emu_kw):
        acct = graph.add_account(username, login=login, followers_count=followers_count, **emu_kw)
        row = register_account(deps.store, deps.cipher, NewAccount(
            username=username, ig_user_id=acct.ig_user_id, login=login,
            page_id=acct.page_id if login == "facebook" else None, channel_id=slack.social, timezone=timezone,
            digest_time=digest_time), acct.token)
        return row, acct

    return add
