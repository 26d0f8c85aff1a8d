"""Accounts-UI fixtures: the app wired to both emulators on one fake clock, accounts registered in bulk."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.accounts import NewAccount, register_account
from bot.appkeys import DEPS
from bot.config import Config
from sandbox.graph import FakeClock, GraphEmulator
from storage import accounts as account_rows
from storage import tokens as token_rows

START = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


@pytest.fixture
def graph_clock() -> FakeClock:
    return FakeClock(start=START.timestamp())


@pytest.fixture
async def graph(graph_clock):
    emu = GraphEmulator(app_id="1234", app_secret="meta-app-secret", clock=graph_clock, seed=8)
    await emu.start()
    yield emu
    await emu.stop()
    assert emu.violations == []


@pytest.fixture
def extra_env() -> dict[str, str]:
    return {}


@pytest.fixture
def config(base_env, extra_env, slack, graph, graph_clock, monkeypatch) -> Config:
    import bot.app
    from bot.graph import GraphClient

    real = bot.app.build_graph_client

    def on_the_emulator_clock(config, http, store) -> GraphClient:
        client = real(config, http, store)
        client.clock = client.throttle._clock = graph_clock
        return client

    monkeypatch.setattr(bot.app, "build_graph_client", on_the_emulator_clock)
    slack.limiter.limits.enabled = False
    return Config.from_env({
        **base_env, "SLACK_API_URL": slack.api_url, "IGBOT_ADMINS": slack.admin,
        "GRAPH_API_URL": graph.urls.graph_facebook, "INSTAGRAM_GRAPH_API_URL": graph.urls.graph_instagram,
        "INSTAGRAM_API_URL": graph.urls.api_instagram, **extra_env,
    })


@pytest.fixture
def deps(bot):
    return bot.app[DEPS]


@pytest.fixture
def add_account(deps, graph, slack):
    """Register an emulator account in igbot, bound to #social; return (igbot row, emulator account)."""

    def add(username: str = "demo_shop", *, login: str = "facebook", **emu_kw):
        acct = graph.add_account(username, login=login, **emu_kw)
        row = register_account(deps.store, deps.cipher, NewAccount(
            username=username, ig_user_id=acct.ig_user_id, login=login,
            page_id=acct.page_id if login == "facebook" else None, channel_id=slack.social,
            timezone="Europe/Berlin", digest_time="09:00"), acct.page_token if login == "facebook" else acct.token)
        return row, acct

    return add


def add_many(deps, channel: str, n: int, *, prefix: str = "shop") -> list[dict]:
    """Store n accounts (rows only, no Graph) with a token row each; return them."""

    def write(db):
        rows = []
        for i in range(n):
            row = account_rows.add_account(db, username=f"{prefix}_{i:03d}", ig_user_id=f"1789{i:010d}",
                                           login="instagram", page_id=None, channel_id=channel,
                                           timezone="Europe/Berlin", digest_time="09:00")
            token_rows.put_token(db, account_id=row["id"], kind="user", ciphertext="x",
                                 expires_at="2027-01-20T08:00:00Z")
            rows.append(row)
        return rows

    return deps.store.run_sync(write)
