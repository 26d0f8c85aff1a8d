"""Posts fixtures: the app wired to both emulators on one fake clock (no digest worker), an account on each side,
a tick driver."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from bot.accounts import NewAccount, register_account
from bot.appkeys import DEPS
from bot.config import Config
from bot.digests import runner as digest_runner
from bot.posts import publisher
from sandbox.graph import FakeClock, GraphEmulator

# Monday 2026-11-23, 09:00 in Berlin (CET, UTC+1).
START = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


@pytest.fixture
def graph_clock() -> FakeClock:
    return FakeClock(start=START.timestamp())


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
        client.clock = client.throttle._clock = graph_clock  # one clock for Meta, the client and publishing
        client.sleep = clock_sleep
        return client

    monkeypatch.setattr(bot.app, "build_graph_client", on_the_emulator_clock)
    monkeypatch.setattr(digest_runner, "run_worker", no_digest_worker)
    slack.limiter.limits.enabled = False
    return Config.from_env({
        **base_env, "SLACK_API_URL": slack.api_url, "IGBOT_ADMINS": slack.admin,
        "GRAPH_API_URL": graph.urls.graph_facebook, "INSTAGRAM_GRAPH_API_URL": graph.urls.graph_instagram,
        "INSTAGRAM_API_URL": graph.urls.api_instagram,
    })


async def no_digest_worker(deps) -> None:
    """Stands in for the digest worker: these tests drive digests with run_due at moments of their choosing."""
    await asyncio.Event().wait()


@pytest.fixture
def deps(bot):
    deps = bot.app[DEPS]
    deps.outbox.post_interval = deps.outbox.update_interval = 0.0
    return deps


@pytest.fixture
def add_account(deps, graph, slack):
    """Register an emulator account in igbot, bound to #social; return (igbot row, emulator account)."""

    def add(username: str = "demo_shop", *, login: str = "facebook", timezone: str = "Europe/Berlin", **emu_kw):
        acct = graph.add_account(username, login=login, **emu_kw)
        row = register_account(deps.store, deps.cipher, NewAccount(
            username=username, ig_user_id=acct.ig_user_id, login=login,
            page_id=acct.page_id if login == "facebook" else None, channel_id=slack.social, timezone=timezone,
            digest_time="09:00"), acct.token)
        return row, acct

    return add


@pytest.fixture
def shop(add_account):
    return add_account()


class Driver:
    """Advance the shared clock and run the publishing tick, as the scheduler would."""

    def __init__(self, deps, clock: FakeClock):
        self.deps, self.clock = deps, clock

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.clock(), UTC)

    async def tick(self, *, advance: float = 0.0, worker: str = "w1") -> int:
        if advance:
            self.clock.advance(advance)
        return await publisher.publish_due(self.deps, worker=worker)

    async def run_for(self, seconds: float, *, step: float = 30.0) -> None:
        """Tick every `step` seconds for `seconds`."""
        elapsed = 0.0
        while elapsed < seconds:
            await self.tick(advance=step)
            elapsed += step


@pytest.fixture
def driver(deps, graph_clock) -> Driver:
    return Driver(deps, graph_clock)


def post_rows(deps, account_id: int) -> list[dict]:
    from storage import posts as rows

    return deps.store.run_sync(rows.posts_of_account, account_id)
