"""Meta's own Python SDK (facebook_business) against the Graph emulator: what works on Graph works here.

The SDK is synchronous (requests), so each call runs in a worker thread while the emulator serves on the
test's event loop. Its session is pointed at the emulator's graph.facebook.com listener by setting the
session's ``GRAPH`` base URL; nothing else is changed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from facebook_business.adobjects.igcomment import IGComment
from facebook_business.adobjects.igmedia import IGMedia
from facebook_business.adobjects.iguser import IGUser
from facebook_business.adobjects.shadowigmediabuilder import ShadowIGMediaBuilder
from facebook_business.api import FacebookAdsApi, FacebookSession
from facebook_business.exceptions import FacebookRequestError

DAY = 86_400


async def run(fn: Callable[[], Any]) -> Any:
    """Run one synchronous SDK call off the event loop."""
    return await asyncio.to_thread(fn)


@pytest.fixture
def sdk(emu, fb) -> FacebookAdsApi:
    """The SDK's API object for the demo account's token (with appsecret_proof), aimed at the emulator."""
    session = FacebookSession(app_id=emu.app_id, app_secret=emu.app_secret, access_token=fb.token)
    session.GRAPH = emu.urls.graph_facebook
    yield FacebookAdsApi(session, api_version="v25.0")
    session.requests.close()


@pytest.fixture
def user(sdk, fb) -> IGUser:
    """The demo account as an SDK object."""
    return IGUser(fb.ig_user_id, api=sdk)


async def test_account_fields(emu, fb, user) -> None:
    emu.add_media(fb, caption="one")
    got = await run(lambda: user.api_get(fields=["username", "followers_count", "media_count", "ig_id", "name"]))
    assert got["username"] == "demo_shop" and got["followers_count"] == 1200 and got["media_count"] == 1
    assert got["ig_id"] == fb.ig_id and len(str(got["ig_id"])) == 10
    assert emu.violations == []
    assert all(c.params.get("appsecret_proof") for c in emu.calls)


async def test_media_pages_through_the_cursor(emu, fb, user, clock) -> None:
    posts = [emu.add_media(fb, caption=f"post {i}", timestamp=clock() - i * 3600) for i in range(7)]
    cursor = await run(lambda: user.get_media(fields=["id", "caption", "timestamp"], params={"limit": 3}))
    items = await run(lambda: [dict(m) for m in cursor])
    assert [m["id"] for m in items] == [p.id for p in posts]
    assert emu.count_calls(path="/{ig-user-id}/media") == 3  # 3 + 3 + 1
    assert all(c.params.get("summary") == "true" for c in emu.find_calls(path="/{ig-user-id}/media"))


async def test_comments_replies_and_their_counts(emu, fb, sdk) -> None:
    post = emu.add_media(fb, caption="Mugs")
    first = emu.add_comment(post, "Is this in blue?", username="anna", deliver=False)
    emu.add_comment(post, "Love it", username="ben", deliver=False)
    emu.add_comment(post, "Yes, in blue too", username="demo_shop", parent_id=first.id, deliver=False)
    cursor = await run(lambda: IGMedia(post.id, api=sdk).get_comments(fields=["id", "text", "username"]))
    comments = await run(lambda: [dict(c) for c in cursor])
    assert [c["text"] for c in comments] == ["Love it", "Is this in blue?"]
    assert cursor.total() == 2
    replies = await run(lambda: list(IGComment(first.id, api=sdk).get_replies(fields=["text"])))
    assert [r["text"] for r in replies] == ["Yes, in blue too"]


async def test_stories(emu, fb, user, clock) -> None:
    story = emu.add_media(fb, media_product_type="STORY", timestamp=clock() - 3600)
    emu.add_media(fb, media_product_type="STORY", timestamp=clock() - 2 * DAY)  # expired
    stories = await run(lambda: list(user.get_stories(fields=["id", "media_product_type"])))
    assert [dict(s) for s in stories] == [{"id": story.id, "media_product_type": "STORY"}]


async def test_account_and_media_insights(emu, fb, user, sdk) -> None:
    post = emu.add_media(fb, like_count=50)
    account = await run(lambda: list(user.get_insights(params={
        "metric": ["reach", "views"], "period": ["day"], "metric_type": "total_value"})))
    assert {i["name"]: i["total_value"]["value"] for i in account} == {"reach": 410, "views": 1250}
    series = await run(lambda: list(user.get_insights(params={
        "metric": ["reach"], "period": ["day"], "metric_type": "time_series", "since": "2026-11-10",
        "until": "2026-11-12"})))
    assert [v["end_time"] for v in series[0]["values"]] == ["2026-11-10T08:00:00+0000", "2026-11-11T08:00:00+0000"]
    media = await run(lambda: list(IGMedia(post.id, api=sdk).get_insights(params={"metric": ["reach", "likes"]})))
    assert {i["name"]: i["values"][0]["value"] for i in media} == {"reach": 420, "likes": 50}


async def test_content_publishing_limit(emu, fb, user) -> None:
    limit = await run(lambda: list(user.get_content_publishing_limit(fields=["quota_usage", "config"])))
    assert limit[0]["quota_usage"] == 0 and limit[0]["config"]["quota_total"] == 50


async def test_image_container_and_publish(emu, fb, user, sdk) -> None:
    container = await run(lambda: user.create_media(params={
        "image_url": "https://cdn.example/img/square.jpg", "caption": "Fresh from the kiln"}))
    status = await run(lambda: ShadowIGMediaBuilder(container["id"], api=sdk).api_get(fields=["status_code"]))
    assert status["status_code"] == "FINISHED"
    published = await run(lambda: user.create_media_publish(params={"creation_id": container["id"]}))
    media = emu.state.media[published["id"]]
    assert media.caption == "Fresh from the kiln" and media.owner_id == fb.ig_user_id
    limit = await run(lambda: list(user.get_content_publishing_limit(fields=["quota_usage"])))
    assert limit[0]["quota_usage"] == 1


async def test_reel_container_processes_then_publishes(emu, fb, user, sdk, clock) -> None:
    container = await run(lambda: user.create_media(params={
        "media_type": "REELS", "video_url": "https://cdn.example/video/reel.mp4", "share_to_feed": True}))
    builder = ShadowIGMediaBuilder(container["id"], api=sdk)
    assert (await run(lambda: builder.api_get(fields=["status_code"])))["status_code"] == "IN_PROGRESS"
    with pytest.raises(FacebookRequestError) as early:
        await run(lambda: user.create_media_publish(params={"creation_id": container["id"]}))
    assert early.value.api_error_code() == 9007
    clock.advance(60)
    assert (await run(lambda: builder.api_get(fields=["status_code"])))["status_code"] == "FINISHED"
    published = await run(lambda: user.create_media_publish(params={"creation_id": container["id"]}))
    assert emu.state.media[published["id"]].media_product_type == "REELS"


async def test_hide_and_reply(emu, fb, sdk) -> None:
    post = emu.add_media(fb)
    comment = emu.add_comment(post, "Where do you ship?", username="anna", deliver=False)
    node = IGComment(comment.id, api=sdk)
    await run(lambda: node.api_update(params={"hide": True}))
    assert comment.hidden
    await run(lambda: node.api_update(params={"hide": False}))
    assert not comment.hidden
    reply = await run(lambda: node.create_reply(params={"message": "Everywhere in the EU"}))
    stored = emu.state.comments[reply["id"]]
    assert stored.parent_id == comment.id and stored.text == "Everywhere in the EU"


async def test_tags_subscribed_apps_and_errors(emu, fb, user, sdk) -> None:
    tagged = emu.add_tag(fb, username="brand_fan")
    assert [t["id"] for t in await run(lambda: list(user.get_tags(fields=["id"])))] == [tagged.id]
    apps = await run(lambda: list(user.get_subscribed_apps()))
    assert apps[0]["id"] == emu.app_id
    with pytest.raises(FacebookRequestError) as missing:
        await run(lambda: IGMedia("17900000000999999", api=sdk).api_get(fields=["id"]))
    assert (missing.value.api_error_code(), missing.value.api_error_subcode()) == (100, 33)


async def test_batch_of_reads_and_carousel_children(emu, fb, user, sdk) -> None:
    album = emu.add_media(fb, media_type="CAROUSEL_ALBUM", caption="Set of three", children=3)
    answers: list = []

    def batched() -> None:
        batch = sdk.new_batch()
        user.api_get(fields=["username"], batch=batch, success=lambda r: answers.append(r.json()))
        IGMedia(album.id, api=sdk).api_get(fields=["caption"], batch=batch, success=lambda r: answers.append(r.json()))
        batch.execute()

    await run(batched)
    assert answers == [{"username": "demo_shop"}, {"caption": "Set of three"}]
    assert emu.count_http_requests() == 1 and emu.count_calls() == 2  # one HTTP request, two Graph calls
    children = await run(lambda: list(IGMedia(album.id, api=sdk).get_children(fields=["id", "media_url"])))
    assert [c["id"] for c in children] == album.children
