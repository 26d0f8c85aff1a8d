"""Digest fixtures: the app on both emulators sharing one fake clock (the posts fixtures), an account helper."""

from __future__ import annotations

import pytest

from bot.accounts import NewAccount, register_account
from bot.appkeys import DEPS
from tests.posts.conftest import START, config, graph, graph_clock  # noqa: F401

# Monday 2026-11-23, 09:00 in Berlin (CET, UTC+1): the digest reports Sunday 2026-11-22.
MONDAY_9_BERLIN = START


class Sleeps:
    """An injectable sleep that records waits instead of waiting."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


@pytest.fixture
def deps(bot):
    return bot.app[DEPS]


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def add_account(deps, graph, slack):  # noqa: F811 (graph is the imported fixture)
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
