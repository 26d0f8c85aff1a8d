"""IGBOT_CHECK_MEDIA_URLS through /ig post and the modal, and the 400-containers-a-day hold with its notice."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from bot.posts import url_check
from bot.posts.url_check import Answer
from storage.clock import iso
from tests.posts.conftest import post_rows
from tests.posts.test_compose import choose, open_modal

MEDIA, PUBLISH = "/{ig-user-id}/media", "/{ig-user-id}/media_publish"
CDN = {
    "https://cdn.example/img/square.jpg": Answer(206, "image/jpeg", 120_000),
    "https://cdn.example/img/logo.jpg": Answer(200, "image/png", 3_000),
    "https://cdn.example/img/moved.jpg": Answer(302, "text/html", None, "https://elsewhere.example/a.jpg"),
    "https://cdn.example/img/photo1.jpg": Answer(206, "image/jpeg", 90_000),
    "https://cdn.example/img/square": Answer(206, "image/jpeg", 120_000),
    "https://cdn.example/video/reel": Answer(206, "video/mp4", 4_000_000),
    "https://cdn.example/video/still.mp4": Answer(206, "image/jpeg", 50_000),
}


@pytest.fixture
def checked(monkeypatch):
    """Resolve every host to a public address and answer from a table instead of the network."""
    fetched: list[str] = []

    async def public(host: str) -> list[str]:
        return ["93.184.216.34"]

    def fetcher(session):
        async def fetch(url: str) -> Answer:
            fetched.append(url)
            return CDN[url]
        return fetch

    monkeypatch.setattr(url_check, "system_resolver", public)
    monkeypatch.setattr(url_check, "http_fetcher", fetcher)
    return fetched


@pytest.fixture
def config(config):
    return replace(config, check_media_urls=True)


async def test_slash_post_acks_then_responds_and_stores_only_after_checks_pass(slack, graph, shop, deps, checked):
    row, _ = shop
    seen = await slack.slash_command(user=slack.admin, channel=slack.social,
                                     text="post demo_shop in 1h https://cdn.example/img/logo.jpg Logo")
    assert "Checking the media URLs" in seen.text
    [told] = await slack.wait_for(lambda: [e for e in slack.ephemerals(user=slack.admin) if "Nothing was" in e["text"]])
    assert "https://cdn.example/img/logo.jpg" in told["text"] and "image/png" in told["text"]
    assert told["source"] == "response_url"
    assert post_rows(deps, row["id"]) == [] and graph.count_calls() == 0

    await slack.slash_command(user=slack.admin, channel=slack.social,
                              text="post demo_shop in 1h https://cdn.example/img/moved.jpg")
    await slack.wait_for(lambda: [e for e in slack.ephemerals(user=slack.admin) if "9004" in e["text"]])
    assert post_rows(deps, row["id"]) == []

    await slack.slash_command(user=slack.admin, channel=slack.social,
                              text="post demo_shop in 1h https://cdn.example/img/square.jpg Fine")
    await slack.wait_for(lambda: [e for e in slack.ephemerals(user=slack.admin) if "Queued" in e["text"]])
    [post] = post_rows(deps, row["id"])
    assert post["caption"] == "Fine" and post["state"] == "scheduled"
    assert checked == ["https://cdn.example/img/logo.jpg", "https://cdn.example/img/moved.jpg",
                       "https://cdn.example/img/square.jpg"]


async def test_the_modal_checks_urls_too_before_storing(slack, graph, shop, deps, checked):
    row, _ = shop
    view = await choose(slack, slack.admin, await open_modal(slack, slack.admin))
    await slack.submit_view(user=slack.admin, view_id=view["id"], values={
        "media": {"media": {"value": "https://cdn.example/img/logo.jpg"}},
        "when_date": {"when_date": "2026-11-24"}, "when_time": {"when_time": "09:00"}})
    await slack.wait_for(lambda: [e for e in slack.ephemerals(user=slack.admin) if "Nothing was queued" in e["text"]])
    assert post_rows(deps, row["id"]) == [] and checked == ["https://cdn.example/img/logo.jpg"]


async def test_the_400_container_cap_holds_the_post_tells_the_channel_and_resumes(slack, graph, shop, driver, deps,
                                                                                   checked):
    row, _ = shop
    earlier = driver.now() - timedelta(hours=20)

    def fill(db):
        db["post_containers"].insert_all(
            {"container_id": f"old{n}", "account_id": row["id"], "post_id": 0, "created_at": iso(earlier)}
            for n in range(399))

    deps.store.run_sync(fill)
    await slack.slash_command(user=slack.admin, channel=slack.social,
                              text="post demo_shop in 10m https://cdn.example/img/square.jpg "
                                   "https://cdn.example/img/square.jpg Two")
    await slack.wait_for(lambda: post_rows(deps, row["id"]))
    await driver.run_for(30 * 60, step=60)
    [post] = post_rows(deps, row["id"])
    assert post["state"] == "scheduled" and post["hold"] == "containers"
    assert graph.count_calls(path=MEDIA, method="POST") == 0
    notices = [m for m in slack.messages(slack.social) if "400 uploads a day" in str(m)]
    assert len(notices) == 1 and "It goes out" in str(notices[0]) and "<!date^" in str(notices[0])
    await driver.run_for(30 * 60, step=60)
    assert len([m for m in slack.messages(slack.social) if "400 uploads a day" in str(m)]) == 1  # told once
    await driver.run_for(5 * 3600, step=300)  # the oldest containers leave the 24 h window
    [post] = post_rows(deps, row["id"])
    assert post["state"] == "published" and post["hold"] is None
    assert graph.count_calls(path=MEDIA, method="POST") == 3 and graph.count_calls(path=PUBLISH) == 1


async def test_with_checks_the_content_type_decides_the_kind(slack, graph, shop, driver, deps, checked):
    row, _ = shop
    graph.add_media_fixture("https://cdn.example/img/square")
    graph.add_media_fixture("https://cdn.example/video/reel", content_type="video/mp4", size=4_000_000, width=1080,
                            height=1920, duration=20)

    async def queued(text):
        await slack.slash_command(user=slack.admin, channel=slack.social, text=text)
        return (await slack.wait_for(lambda: [e for e in slack.ephemerals(user=slack.admin)
                                              if "Queued" in e["text"] or "Nothing was" in e["text"]]))[-1]

    # No extension: the served type says image, so one URL is an image post; with a second URL, a carousel.
    told = await queued("post demo_shop in 1h https://cdn.example/img/square Plain")
    assert "Queued the image post" in told["text"]
    slack.ephemerals(user=slack.admin).clear()
    told = await queued("post demo_shop in 1h https://cdn.example/img/square https://cdn.example/video/reel Both")
    assert "Queued the carousel" in told["text"]
    slack.ephemerals(user=slack.admin).clear()
    assert "Queued the reel" in (await queued("post demo_shop in 1h https://cdn.example/video/reel"))["text"]
    slack.ephemerals(user=slack.admin).clear()
    refused = await queued("reel demo_shop in 1h https://cdn.example/video/still.mp4 Not a video")
    assert "Nothing was queued" in refused["text"] and "https://cdn.example/video/still.mp4" in refused["text"]
    posts = post_rows(deps, row["id"])
    assert [p["kind"] for p in posts] == ["image", "carousel", "reel"]
    items = deps.store.run_sync(lambda db: [(i["url"], i["media"]) for i in db["post_items"].rows])
    assert ("https://cdn.example/video/reel", "video") in items
    assert ("https://cdn.example/img/square", "image") in items

    await driver.run_for(70 * 60, step=60)
    assert [p["state"] for p in post_rows(deps, row["id"])] == ["published"] * 3
    creates = graph.find_calls(path=MEDIA, method="POST")
    assert {c.params.get("image_url") or c.params.get("video_url") for c in creates} >= {
        "https://cdn.example/img/square", "https://cdn.example/video/reel"}
    assert any(c.params.get("video_url") == "https://cdn.example/video/reel"
               and c.params.get("media_type") == "REELS" for c in creates)


async def test_the_modal_takes_the_kind_from_the_content_type_too(slack, graph, shop, deps, checked):
    row, _ = shop
    view = await choose(slack, slack.admin, await open_modal(slack, slack.admin))
    seen = await slack.submit_view(user=slack.admin, view_id=view["id"], values={
        "media": {"media": {"value": "https://cdn.example/img/square\nhttps://cdn.example/img/photo1.jpg"}},
        "alt_text": {"alt_text": {"value": "1: A plain square"}},
        "when_date": {"when_date": "2026-11-24"}, "when_time": {"when_time": "09:00"}})
    assert seen.ok and not seen.json
    [post] = await slack.wait_for(lambda: post_rows(deps, row["id"]))
    assert post["kind"] == "carousel"
    first = deps.store.run_sync(lambda db: next(db["post_items"].rows_where("position = 0")))
    assert first["media"] == "image" and "A plain square" in first["options"]
