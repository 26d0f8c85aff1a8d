"""Each post type's exact Graph sequence, from /ig to the Slack report, through both emulators."""

from __future__ import annotations

from datetime import timedelta

from storage.clock import iso
from tests.posts.conftest import post_rows

MEDIA = "/{ig-user-id}/media"
PUBLISH = "/{ig-user-id}/media_publish"
QUOTA = "/{ig-user-id}/content_publishing_limit"


async def queue(slack, text: str, user=None):
    seen = await slack.slash_command(user=user or slack.admin, channel=slack.social, text=text)
    assert seen.ok, seen.error
    return seen


async def test_image_post_is_created_published_and_reported(slack, graph, shop, driver, deps):
    row, acct = shop
    seen = await queue(slack, "post @demo_shop in 1h https://cdn.example/img/square.jpg Autumn is here\n#new & more")
    assert "Queued the image post #1 for @demo_shop" in seen.text
    assert graph.count_calls() == 0  # nothing happens before its time

    await driver.run_for(3600 - 240, step=60)  # containers are created 5 minutes ahead
    assert len(graph.find_calls(path=MEDIA, method="POST")) == 1
    assert graph.count_calls(path=PUBLISH) == 0
    await driver.run_for(300, step=60)
    [post] = post_rows(deps, row["id"])
    assert post["state"] == "published" and post["permalink"].startswith("https://")
    [live] = [m for m in graph.state.media.values() if m.owner_id == acct.ig_user_id]
    assert live.caption == "Autumn is here\n#new & more" and live.media_product_type == "FEED"
    assert graph.count_calls(path=PUBLISH) == 1
    report = await slack.wait_for(lambda: [m for m in slack.messages(slack.social) if "Published" in m["text"]])
    text = str(report[0]["blocks"])
    assert post["permalink"] in text and "Autumn is here" in text and f"<@{slack.admin}>" in text
    assert "#new &amp; more" in text  # Instagram text is escaped in Slack


async def test_carousel_children_then_parent(slack, graph, shop, driver, deps):
    row, acct = shop
    await queue(slack, "post demo_shop in 10m https://cdn.example/img/photo1.jpg https://cdn.example/video/clip.mov "
                       "<https://cdn.example/img/photo2.jpg> Three things")
    await driver.run_for(20 * 60, step=60)
    creates = graph.find_calls(path=MEDIA, method="POST")
    assert len(creates) == 4
    assert creates[0].params.get("image_url") == "https://cdn.example/img/photo1.jpg"
    assert creates[1].params.get("media_type") == "VIDEO" and str(creates[1].params.get("is_carousel_item")) == "true"
    assert all("caption" not in c.params for c in creates[:3])
    assert creates[3].params["media_type"] == "CAROUSEL" and creates[3].params["caption"] == "Three things"
    [post] = post_rows(deps, row["id"])
    assert post["state"] == "published"
    [album] = [m for m in graph.state.media.values()
               if m.owner_id == acct.ig_user_id and m.media_type == "CAROUSEL_ALBUM"]
    assert len(album.children) == 3
    assert graph.count_calls(path=PUBLISH) == 1


async def test_reel_waits_for_processing_and_never_hits_9007(slack, graph, shop, driver, deps):
    row, acct = shop
    await queue(slack, "reel demo_shop in 40m https://cdn.example/video/reel.mp4 Behind the scenes")
    await driver.run_for(60 * 60, step=30)
    [post] = post_rows(deps, row["id"])
    assert post["state"] == "published"
    create = graph.find_calls(path=MEDIA, method="POST")[0]
    assert create.params["media_type"] == "REELS"
    polls = graph.find_calls(path="/{ig-container-id}", method="GET")
    assert polls, "the container status was polled"
    assert graph.find_calls(error_code=9007) == []
    [live] = [m for m in graph.state.media.values() if m.owner_id == acct.ig_user_id]
    assert live.media_product_type == "REELS"


async def test_slow_reel_fails_with_retry_which_repolls_the_same_container(slack, graph, shop, driver, deps):
    row, acct = shop
    await queue(slack, "post demo_shop in 1m https://cdn.example/video/slow.mp4")
    await driver.run_for(8 * 60, step=60)
    [post] = post_rows(deps, row["id"])
    assert post["state"] == "failed" and "still processing https://cdn.example/video/slow.mp4" in post["error"]
    container = post["container_id"]
    assert container
    msg = await slack.wait_for(lambda: [m for m in slack.messages(slack.social) if "was not published" in m["text"]])
    assert "Retry" in str(msg[0]["blocks"])
    from bot.posts import actions

    await actions.retry(deps, user_id=slack.admin, post_id=post["id"])
    await driver.run_for(10 * 60, step=60)
    [post] = post_rows(deps, row["id"])
    assert post["state"] == "published" and post["container_id"] == container
    assert len(graph.find_calls(path=MEDIA, method="POST")) == 1


async def test_broken_video_fails_naming_the_url_and_the_rule(slack, graph, shop, driver, deps):
    row, _ = shop
    await queue(slack, "reel demo_shop in 35m https://cdn.example/video/broken.mp4")
    await driver.run_for(45 * 60, step=60)
    [post] = post_rows(deps, row["id"])
    assert post["state"] == "failed"
    assert "https://cdn.example/video/broken.mp4" in post["error"] and "2207026" in post["error"]
    assert graph.count_calls(path=PUBLISH) == 0


async def test_story_image_and_video(slack, graph, shop, driver, deps):
    row, acct = shop
    await queue(slack, "story demo_shop in 10m https://cdn.example/img/story.jpg")
    await queue(slack, "story demo_shop in 40m https://cdn.example/video/story.mp4")
    await driver.run_for(50 * 60, step=60)
    posts = post_rows(deps, row["id"])
    assert [p["state"] for p in posts] == ["published", "published"]
    creates = graph.find_calls(path=MEDIA, method="POST")
    assert [c.params["media_type"] for c in creates] == ["STORIES", "STORIES"]
    assert "image_url" in creates[0].params and "video_url" in creates[1].params
    stories = [m for m in graph.state.media.values() if m.owner_id == acct.ig_user_id]
    assert {m.media_product_type for m in stories} == {"STORY"}


async def test_a_published_story_counts_in_the_quota_that_ig_accounts_shows(slack, graph, shop, driver, deps):
    """Meta counts every API-published post, stories too; /ig accounts shows the count after the publish."""
    await queue(slack, "story demo_shop in 10m https://cdn.example/img/story.jpg")
    await driver.run_for(15 * 60, step=60)
    assert [p["state"] for p in post_rows(deps, shop[0]["id"])] == ["published"]
    before = len(slack.ephemerals(user=slack.admin))
    assert (await queue(slack, "accounts")).ok
    await slack.wait_for(lambda: len(slack.ephemerals(user=slack.admin)) > before)
    shown = str(slack.ephemerals(user=slack.admin)[-1]["blocks"])
    limit = graph.find_calls(path="/{ig-user-id}/content_publishing_limit")
    assert limit and "quota 1/" in shown, shown  # read as 0 before the publish, then counted


async def test_an_image_post_costs_two_counted_calls_after_its_time_however_fast_the_ticks(slack, graph, shop,
                                                                                          driver, deps):
    row, acct = shop
    for n in range(3):
        await queue(slack, f"post demo_shop in 10m https://cdn.example/img/square.jpg Post {n}")
    due = driver.now() + timedelta(minutes=10)
    await driver.run_for(10 * 60 - 20, step=5)  # containers made and processed; the quota read just before
    assert graph.count_calls(path=QUOTA) == 1
    before = graph.count_calls(account=acct)
    await driver.run_for(60, step=1)  # a tick a second after the time
    assert [p["state"] for p in post_rows(deps, row["id"])] == ["published"] * 3
    assert all(p["published_at"] <= iso(due + timedelta(seconds=1)) for p in post_rows(deps, row["id"]))
    assert graph.count_calls(account=acct) - before == 2 * 3  # media_publish and the permalink, per post
    assert graph.count_calls(path=QUOTA) == 1  # one reading, counted locally, not one per tick
