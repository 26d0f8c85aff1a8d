"""A post whose processing raises is set aside with the reason, never retried in a loop; the others go out."""

from __future__ import annotations

from bot.posts import publisher
from storage import failed as failed_rows
from storage import posts as rows
from tests.posts.conftest import post_rows
from tests.posts.test_exactly_once import PUBLISH, live_media, queue


async def test_a_post_that_raises_fails_with_the_reason_and_the_next_one_is_published(slack, graph, shop, driver,
                                                                                      deps, monkeypatch):
    row, acct = shop
    real = publisher._single_params

    def breaks_on_poison(post, item):
        if post["caption"] == "Poison":
            raise TypeError("unexpected option")
        return real(post, item)

    monkeypatch.setattr(publisher, "_single_params", breaks_on_poison)
    await queue(slack, "post demo_shop in 10m https://cdn.example/img/square.jpg Poison")
    await queue(slack, "post demo_shop in 10m https://cdn.example/img/portrait.jpg Fine")
    await driver.run_for(15 * 60, step=60)
    poison, fine = post_rows(deps, row["id"])
    assert fine["state"] == "published" and len(live_media(graph, acct)) == 1
    assert poison["state"] == "failed" and poison["next_action_at"] is None and poison["claimed_by"] is None
    assert "internal error (TypeError: unexpected option)" in poison["error"]
    await slack.wait_for(lambda: [m for m in slack.messages(slack.social)
                                  if "unexpected option" in str(m.get("blocks"))])
    assert (await deps.store.run(failed_rows.counts))["posts"] == 1

    monkeypatch.setattr(publisher, "_single_params", real)
    assert await deps.store.run(failed_rows.retry, "posts", poison["id"], now=driver.now())
    await driver.run_for(10 * 60, step=60)
    assert [p["state"] for p in post_rows(deps, row["id"])] == ["published", "published"]
    assert len(live_media(graph, acct)) == 2 and graph.count_calls(path=PUBLISH) == 2


async def test_a_post_that_raises_after_media_publish_is_checked_never_published_again(slack, graph, shop, driver,
                                                                                       deps, monkeypatch):
    row, acct = shop
    real = publisher.mark_published

    async def breaks(*args, **kwargs):
        raise RuntimeError("lost the answer")

    monkeypatch.setattr(publisher, "mark_published", breaks)
    await queue(slack, "post demo_shop in 10m https://cdn.example/img/square.jpg Went live")
    await driver.run_for(12 * 60, step=60)
    [post] = post_rows(deps, row["id"])
    assert post["state"] == "needs_check" and post["next_action_at"] is None and "lost the answer" in post["error"]
    await slack.wait_for(lambda: [m for m in slack.messages(slack.social) if "unknown" in m["text"]])
    monkeypatch.setattr(publisher, "mark_published", real)
    await deps.store.run(rows.update, post["id"], now=driver.now(), next_action_at=post["updated_at"])  # Check again
    await driver.run_for(3 * 60, step=60)
    [post] = post_rows(deps, row["id"])
    assert post["state"] == "published" and post["media_id"] == live_media(graph, acct)[0].id
    assert graph.count_calls(path=PUBLISH) == 1
