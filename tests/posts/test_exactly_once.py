"""Never publish twice: unknown outcomes, a worker killed in every state, two workers racing."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest

from bot.graph.call import Timeouts
from bot.posts import publisher
from storage import posts as rows
from tests.posts.conftest import post_rows

PUBLISH = "/{ig-user-id}/media_publish"


def live_media(graph, acct) -> list:
    return [m for m in graph.state.media.values() if m.owner_id == acct.ig_user_id and not m.parent_id]


async def queue(slack, text):
    seen = await slack.slash_command(user=slack.admin, channel=slack.social, text=text)
    assert seen.ok and "Queued" in seen.text, seen.text


@pytest.mark.parametrize("text", [
    "post demo_shop in 10m https://cdn.example/img/square.jpg Lost answer",
    "story demo_shop in 10m https://cdn.example/img/story.jpg",
])
async def test_published_but_answer_lost_is_recorded_once(slack, graph, shop, driver, deps, text):
    row, acct = shop
    deps.graph.settings = replace(deps.graph.settings, timeouts=Timeouts(connect=2.0, read=0.1))
    graph.inject_delay(0.4, method="POST", path=PUBLISH)
    await queue(slack, text)
    await driver.run_for(15 * 60, step=60)
    [post] = post_rows(deps, row["id"])
    assert post["state"] == "published"
    [media] = live_media(graph, acct)
    assert post["media_id"] == media.id and post["permalink"]
    assert graph.count_calls(path=PUBLISH) == 1
    await slack.wait_for(lambda: [m for m in slack.messages(slack.social) if "Published" in m["text"]])
    assert len([m for m in slack.messages(slack.social) if "Published" in m["text"]]) == 1


async def test_5xx_without_effect_is_rechecked_a_tick_later_then_published_once(slack, graph, shop, driver, deps):
    row, acct = shop
    graph.inject_error(code=2, http_status=500, method="POST", path=PUBLISH, is_transient=True)
    await queue(slack, "post demo_shop in 10m https://cdn.example/img/square.jpg Server error")
    await driver.tick(advance=10 * 60)
    [post] = post_rows(deps, row["id"])
    assert post["state"] == "needs_check" and graph.count_calls(path=PUBLISH) == 1
    await driver.run_for(5 * 60, step=30)
    [post] = post_rows(deps, row["id"])
    assert post["state"] == "published"
    assert len(live_media(graph, acct)) == 1 and graph.count_calls(path=PUBLISH) == 2


async def test_duplicate_506_checks_the_container_first(slack, graph, shop, driver, deps):
    row, acct = shop
    graph.inject_error(code=506, method="POST", path=PUBLISH, after_effect=True)
    await queue(slack, "post demo_shop in 10m https://cdn.example/img/square.jpg Dup")
    await driver.run_for(12 * 60, step=60)
    [post] = post_rows(deps, row["id"])
    assert post["state"] == "published" and len(live_media(graph, acct)) == 1
    assert graph.count_calls(path=PUBLISH) == 1


class Killed(BaseException):
    """kill -9: the worker stops here, releasing nothing."""


KILL_POINTS = ["scheduled", "creating-midway", "processing", "ready", "publish-before-call", "publish-after-effect",
               "published-before-report"]


@pytest.mark.parametrize("point", KILL_POINTS)
async def test_kill_in_each_state_then_restart_publishes_exactly_once(slack, graph, shop, driver, deps, monkeypatch,
                                                                       point):
    row, acct = shop
    await queue(slack, "post demo_shop in 40m https://cdn.example/img/photo1.jpg https://cdn.example/video/clip.mov "
                       "Kill test")
    real_steps = dict(publisher.STEPS)
    real_create, real_publish, real_finish = (publisher.graph_media.create_container, publisher.graph_media.publish,
                                              publisher.finish)
    creates = []

    def kill_on_entering(state):
        async def step(*a, **kw):
            raise Killed
        monkeypatch.setitem(publisher.STEPS, state, step)

    async def create_then_die(*a, **kw):
        result = await real_create(*a, **kw)
        creates.append(result)
        if len(creates) == 2:
            raise Killed
        return result

    async def publish_dies(*a, **kw):
        if point == "publish-after-effect":
            await real_publish(*a, **kw)
        raise Killed

    async def finish_dies(*a, **kw):
        raise Killed

    if point in ("scheduled", "processing", "ready"):
        kill_on_entering(point)
    elif point == "creating-midway":
        monkeypatch.setattr(publisher.graph_media, "create_container", create_then_die)
    elif point.startswith("publish-"):
        monkeypatch.setattr(publisher.graph_media, "publish", publish_dies)
    else:
        monkeypatch.setattr(publisher, "finish", finish_dies)
        monkeypatch.setitem(publisher.STEPS, "published", finish_dies)
    monkeypatch.setattr(rows, "release", lambda *a, **kw: False)  # a killed process releases nothing

    with pytest.raises(Killed):
        for _ in range(60):
            await driver.tick(advance=60, worker="dead")
    [post] = post_rows(deps, row["id"])
    assert post["claimed_by"] == "dead"

    monkeypatch.undo()
    assert real_steps == publisher.STEPS and publisher.finish is real_finish
    # restart: another process takes over once the lease expires
    await driver.run_for(60 * 60, step=60)
    [post] = post_rows(deps, row["id"])
    assert post["state"] == "published", (point, post["state"], post["error"])
    assert len(live_media(graph, acct)) == 1
    assert graph.count_calls(path=PUBLISH) == 1  # the killed call before Meta never reached it
    await slack.wait_for(lambda: [m for m in slack.messages(slack.social) if "Published" in m["text"]])
    assert len([m for m in slack.messages(slack.social) if "Published" in m["text"]]) == 1


async def test_two_workers_racing_publish_once(slack, graph, shop, driver, deps):
    row, acct = shop
    await queue(slack, "post demo_shop in 10m https://cdn.example/img/square.jpg Race")
    driver.clock.advance(10 * 60)
    await asyncio.gather(publisher.publish_due(deps, worker="a"), publisher.publish_due(deps, worker="b"),
                         publisher.publish_one(deps, 1, worker="c"))
    await driver.run_for(5 * 60, step=60)
    assert len(live_media(graph, acct)) == 1 and graph.count_calls(path=PUBLISH) == 1
    [post] = post_rows(deps, row["id"])
    assert post["state"] == "published"


async def test_an_unknown_outcome_is_not_matched_to_another_posts_media(slack, graph, shop, driver, deps):
    """Two posts with the same caption: the first one's lost answer must not claim the second one's media."""
    row, acct = shop
    deps.graph.settings = replace(deps.graph.settings, timeouts=Timeouts(connect=2.0, read=0.1))
    graph.inject_delay(0.4, method="POST", path=PUBLISH, times=1)
    await queue(slack, "post demo_shop in 10m https://cdn.example/img/square.jpg Same words")
    await queue(slack, "post demo_shop in 10m https://cdn.example/img/portrait.jpg Same words")
    await driver.run_for(9 * 60, step=60)
    assert [p["state"] for p in post_rows(deps, row["id"])] == ["ready", "ready"]
    # The first check after the lost answer fails, so the second post goes live before the first is looked up.
    graph.inject_error(code=2, http_status=500, method="GET", path="/{ig-container-id}", times=5, is_transient=True)
    await driver.tick(advance=60)
    assert [p["state"] for p in post_rows(deps, row["id"])] == ["needs_check", "published"]
    await driver.run_for(5 * 60, step=60)
    first, second = post_rows(deps, row["id"])
    assert first["state"] == second["state"] == "published"
    assert first["media_id"] != second["media_id"]
    live = {m.id: m for m in live_media(graph, acct)}
    assert set(live) == {first["media_id"], second["media_id"]}
    assert graph.count_calls(path=PUBLISH) == 2
