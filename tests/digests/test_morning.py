"""A busy morning: many digests and several posts due in the same minute, with the real scheduler and digest worker.

The app runs as in production (APScheduler tick every second, the digest worker, the outbox) against both
emulators; the Graph side and igbot share a fake clock that this test moves on at about twice real time.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from bot.accounts import NewAccount, register_account
from bot.digests import runner
from sandbox.graph import FakeClock
from storage import digests as digest_rows
from tests.digests.conftest import MONDAY_9_BERLIN
from tests.posts.conftest import post_rows

ACCOUNTS = 60
POSTS = 5
DIGEST_WORKER = runner.run_worker  # the conftest replaces it; this module runs the real one


@pytest.fixture
def graph_clock() -> FakeClock:
    return FakeClock(start=(MONDAY_9_BERLIN - timedelta(minutes=10)).timestamp())


@pytest.fixture
def config(config, monkeypatch):
    monkeypatch.setattr(runner, "run_worker", DIGEST_WORKER)
    return replace(config, tick_seconds=1)  # a tick a second: /healthz calls the scheduler dead after 8 s


def now_of(clock: FakeClock) -> datetime:
    return datetime.fromtimestamp(clock(), UTC)


async def test_posts_go_out_on_time_and_healthz_stays_200_while_sixty_digests_run(bot, deps, graph, slack,
                                                                                  graph_clock):
    deps.outbox.post_interval = deps.outbox.update_interval = 0.0
    rows = []
    for n in range(ACCOUNTS):
        acct = graph.add_account(f"client_{n:03d}", login="facebook", followers_count=1500 + n)
        graph.add_media(acct, caption=f"post of client {n}", like_count=n,
                        timestamp=(MONDAY_9_BERLIN - timedelta(hours=20)).timestamp())
        row = register_account(deps.store, deps.cipher, NewAccount(
            username=acct.username, ig_user_id=acct.ig_user_id, login="facebook", page_id=acct.page_id,
            channel_id=slack.social, timezone="Europe/Berlin", digest_time="09:00"), acct.token)
        await deps.store.run(digest_rows.mark_backfilled, row["id"])  # steady state: history read long ago
        rows.append((row, acct))
    for row, _ in rows[:POSTS]:
        seen = await slack.slash_command(user=slack.admin, channel=slack.social,
                                         text=f"post {row['username']} in 10m https://cdn.example/img/square.jpg "
                                              f"Morning news of {row['username']}")
        assert seen.ok and "Queued the image post" in seen.text, seen.text
    due = MONDAY_9_BERLIN

    # the minutes before nine: containers are made and processed, every digest gets its time
    while now_of(graph_clock) < due - timedelta(seconds=5):
        graph_clock.advance(min(15.0, (due - now_of(graph_clock)).total_seconds() - 5))
        await asyncio.sleep(0.1)

    await slack.wait_for(lambda: all(post_rows(deps, row["id"])[0]["state"] == "ready" for row, _ in rows[:POSTS]),
                         timeout=60)
    # in the last 30 s before their time the posts' accounts read their publishing quota
    await slack.wait_for(lambda: graph.count_calls(path="/{ig-user-id}/content_publishing_limit") == POSTS,
                         timeout=60)
    before = graph.count_calls()

    statuses: list[int] = []
    published_at: dict[int, datetime] = {}
    digests_sent_when_posts_out = None
    while True:
        graph_clock.advance(0.5)
        statuses.append((await bot.get("/healthz")).status)
        for row, _ in rows[:POSTS]:
            post = post_rows(deps, row["id"])[0]
            if post["state"] == "published" and row["id"] not in published_at:
                published_at[row["id"]] = datetime.fromisoformat(post["published_at"].replace("Z", "+00:00"))
        if len(published_at) == POSTS and digests_sent_when_posts_out is None:
            digests_sent_when_posts_out = await _sent(deps, rows)
        if await _sent(deps, rows) == ACCOUNTS and len(published_at) == POSTS:
            break
        assert now_of(graph_clock) < due + timedelta(minutes=10), "digests or posts were not done in time"
        await asyncio.sleep(0.25)

    assert set(statuses) == {200}
    # each post went out at the first tick after its time, while most digests were still under way
    assert all(at - due <= timedelta(seconds=15) for at in published_at.values()), published_at
    assert digests_sent_when_posts_out < ACCOUNTS
    # steady-state digests cost three counted Graph calls each; an image post two after its time
    assert graph.count_calls() - before == 3 * ACCOUNTS + 2 * POSTS
    messages = await slack.wait_for(lambda: len(_digests(slack)) == ACCOUNTS and _digests(slack), timeout=60)
    assert {f"@client_{n:03d}" in str(messages) for n in range(ACCOUNTS)} == {True}


async def _sent(deps, rows) -> int:
    runs = [await deps.store.run(digest_rows.runs_of, row["id"]) for row, _ in rows]
    return sum(1 for r in runs if r and r[0]["state"] == "sent")


def _digests(slack) -> list[dict]:
    return [m for m in slack.messages(slack.social) if "Daily digest" in str(m.get("blocks"))]
