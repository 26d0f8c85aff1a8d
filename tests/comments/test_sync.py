"""The comment sync through the Graph emulator: it reads what changed, costs one call when idle, and scales."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta

import pytest

from bot import accounts as account_ops
from bot.appkeys import DEPS
from bot.comments import sync
from storage import comment_sync as sync_rows
from tests.comments.conftest import top_level

COMMENTS = "/{ig-media-id}/comments"
MEDIA = "/{ig-user-id}/media"


async def connect(deps, graph, slack, username: str) -> tuple:
    ig = graph.add_account(username, login="facebook")
    account = account_ops.validate_new_account(username=username, ig_user_id=ig.ig_user_id, login="facebook",
                                               page_id=ig.page_id, channel_id=slack.social, timezone="UTC",
                                               digest_time="09:00")
    row = await asyncio.to_thread(account_ops.register_account, deps.store, deps.cipher, account, ig.page_token)
    return ig, row


@pytest.fixture
async def shop(bot, graph, slack):
    deps = bot.server.app[DEPS]
    ig, row = await connect(deps, graph, slack, "demo_shop")
    posts = [graph.add_media(ig, caption=f"post {i}", timestamp=time.time() - (30 - i) * 86400) for i in range(30)]
    graph.add_comment(posts[-1], "first!", username="early_bird", deliver=False)
    graph.add_comment(posts[5], "an old post's comment", username="archivist", deliver=False)
    return {"ig": ig, "account": row, "deps": deps, "posts": posts}


def at(minutes: float) -> datetime:
    return datetime.now(UTC) + timedelta(minutes=minutes)


async def cost(graph, run) -> tuple[int, dict]:
    """Run a sync; return the Graph calls it made and how many per endpoint (a relayed comment's own media
    lookup, made by the inbox worker meanwhile, is not the sync's)."""
    before = len(graph.calls)
    result = await run
    made = [c for c in graph.calls[before:] if c.template != "/{ig-media-id}"]
    return result, {"calls": len(made), "comments": sum(1 for c in made if c.template == COMMENTS),
                    "media": sum(1 for c in made if c.template == MEDIA)}


async def test_an_idle_account_costs_one_call_a_cycle_and_a_moved_count_reads_only_that_post(shop, graph, slack):
    deps, account, posts = shop["deps"], shop["account"], shop["posts"]
    found, spent = await cost(graph, sync.sync_account(deps, account, now=at(0)))
    assert found == 1 and spent == {"calls": 2, "comments": 1, "media": 1}  # the newest post with comments
    for minutes in (10, 20, 30):
        found, spent = await cost(graph, sync.sync_account(deps, account, now=at(minutes)))
        assert found == 0 and spent == {"calls": 1, "comments": 0, "media": 1}
    graph.add_comment(posts[12], "is this still for sale?", username="late_reader", deliver=False)
    found, spent = await cost(graph, sync.sync_account(deps, account, now=at(40)))
    assert found == 1 and spent == {"calls": 2, "comments": 1, "media": 1}
    assert graph.find_calls(path=COMMENTS)[-1].path == f"/{posts[12].id}/comments"
    await slack.wait_for(lambda: "is this still for sale?" in str([m["blocks"] for m in top_level(slack,
                                                                                                 slack.social)]))
    last = await deps.store.run(sync_rows.last_sync, account["id"])
    assert last["counts"][posts[12].id] == 1 and len(last["counts"]) == 25


async def test_a_reply_moves_the_count_and_is_caught(shop, graph, slack):
    deps, account, posts = shop["deps"], shop["account"], shop["posts"]
    await sync.sync_account(deps, account, now=at(0))
    parent = graph.add_comment(posts[20], "which size?", username="asker", deliver=False)
    assert await sync.sync_account(deps, account, now=at(10)) == 1
    graph.add_comment(posts[20], "size M", username="helper", parent_id=parent.id, deliver=False)
    found, spent = await cost(graph, sync.sync_account(deps, account, now=at(20)))
    assert found == 1 and spent["comments"] == 1


async def test_the_newest_post_is_read_again_hourly_when_its_count_stayed(shop, graph):
    deps, account, posts = shop["deps"], shop["account"], shop["posts"]
    await sync.sync_account(deps, account, now=at(0))
    [early] = [c for c in graph.state.comments.values() if c.text == "first!"]
    early.deleted = True
    graph.add_comment(posts[-1], "swapped in", username="swapper", deliver=False)  # the count stays at 1
    assert await sync.sync_account(deps, account, now=at(10)) == 0
    found, spent = await cost(graph, sync.sync_account(deps, account, now=at(61)))
    assert found == 1 and spent["comments"] == 1


async def test_a_read_that_failed_is_tried_again_next_cycle(shop, graph):
    deps, account, posts = shop["deps"], shop["account"], shop["posts"]
    await sync.sync_account(deps, account, now=at(0))
    graph.add_comment(posts[15], "lost once", username="unlucky", deliver=False)
    graph.inject_error(code=1, http_status=500, path=COMMENTS, times=10, is_transient=True)
    with pytest.raises(sync.GraphError):
        await sync.sync_account(deps, account, now=at(10))
    graph.faults.injected.clear()
    found, spent = await cost(graph, sync.sync_account(deps, account, now=at(20)))
    assert found == 1 and spent["comments"] == 1


async def test_while_webhooks_flow_an_account_is_synced_hourly_and_a_lost_webhook_is_still_found(shop, graph, bot):
    deps, account, posts = shop["deps"], shop["account"], shop["posts"]
    graph.set_webhook_callback(str(bot.make_url("/webhooks/instagram")))
    await sync.sync_account(deps, account, now=at(-120))
    graph.add_comment(posts[-1], "delivered", username="fan")
    await graph.flush_webhooks()
    graph.add_comment(posts[7], "never delivered", username="ghost", deliver=False)
    found, spent = await cost(graph, sync.sync_account(deps, account, now=at(0)))  # last sync 2 h ago: it runs
    assert found == 1 and spent["comments"] == 2
    graph.add_comment(posts[9], "also lost", username="ghost2", deliver=False)
    found, spent = await cost(graph, sync.sync_account(deps, account, now=at(1)))  # flowing, synced a minute ago
    assert found == 0 and spent["calls"] == 0
    found, spent = await cost(graph, sync.sync_account(deps, account, now=at(61)))
    assert found == 1 and spent["comments"] == 2  # the moved post and the newest one's hourly read


async def test_sync_all_runs_accounts_concurrently_within_the_bound_spread_over_the_interval(bot, graph, slack,
                                                                                           monkeypatch):
    deps = bot.server.app[DEPS]
    for i in range(20):
        await connect(deps, graph, slack, f"shop_{i}")
    running, peak, waits = 0, 0, []

    async def fake_sync(deps, account):
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        await asyncio.sleep(0.01)
        running -= 1

    async def fake_sleep(seconds):
        waits.append(seconds)

    monkeypatch.setattr(sync, "sync_account", fake_sync)
    await sync.sync_all(deps, sleep=fake_sleep)
    assert peak == sync.CONCURRENCY
    step = sync.INTERVAL_SECONDS * sync.SPREAD / 20
    assert sorted(waits) == pytest.approx([step * i for i in range(1, 20)])
