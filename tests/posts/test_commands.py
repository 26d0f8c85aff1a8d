"""/ig post|reel|story|queue|cancel: every wrong input names its problem in the ack and stores nothing."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.posts.queueing import parse_request
from storage import roles as role_rows
from tests.posts.conftest import post_rows

BAD = [
    ("post demo_shop in 1h ftp://cdn.example/img/a.jpg", "must start with http"),
    ("post demo_shop in 1h http://localhost/a.jpg", "localhost"),
    ("post demo_shop in 1h http://127.0.0.1:8080/a.jpg", "loopback"),
    ("post demo_shop in 1h https://10.1.2.3/a.jpg", "private"),
    ("post demo_shop in 1h https://169.254.1.1/a.jpg", "link-local"),
    ("post demo_shop in 1h https://[::1]/a.jpg", "loopback"),
    ("post demo_shop in 1h https://cdn.example/img/photo.png", "https://cdn.example/img/photo.png"),
    ("post demo_shop in 1h " + " ".join(f"https://cdn.example/img/{i}.jpg" for i in range(11)), "2–10"),
    ("post demo_shop in 1h https://cdn.example/img/a.jpg " + "x" * 2201, "2,200"),
    ("post demo_shop in 1h https://cdn.example/img/a.jpg " + " ".join(f"#t{i}" for i in range(31)), "31 hashtags"),
    ("post demo_shop in 1h https://cdn.example/img/a.jpg " + " ".join(f"@u{i}" for i in range(21)), "21 @mentions"),
    ("story demo_shop in 1h https://cdn.example/img/a.jpg https://cdn.example/img/b.jpg", "single image or video"),
    ("story demo_shop in 1h https://cdn.example/img/a.jpg hello", "no caption"),
    ("reel demo_shop in 1h https://cdn.example/img/a.jpg", "needs an MP4/MOV video"),
    ("post demo_shop 2020-01-01T09:00 https://cdn.example/img/a.jpg", "in the past"),
    ("post demo_shop soonish https://cdn.example/img/a.jpg", "not a time I understand"),
    ("post demo_shop in 1h", "No media URL"),
    ("post nobody in 1h https://cdn.example/img/a.jpg", "I know no account `nobody`"),
]


@pytest.mark.parametrize(("text", "named"), BAD)
async def test_wrong_input_is_explained_and_nothing_is_stored(slack, graph, shop, deps, text, named):
    row, _ = shop
    seen = await slack.slash_command(user=slack.admin, channel=slack.social, text=text)
    assert seen.ok
    assert named in seen.text and "Usage" in seen.text, seen.text
    assert post_rows(deps, row["id"]) == []
    assert graph.count_calls() == 0


async def test_a_moderator_may_not_queue(slack, graph, shop, deps):
    row, _ = shop
    deps.store.run_sync(role_rows.grant_role, slack_user_id=slack.alice, account="demo_shop", role="moderator",
                        granted_by=slack.admin)
    seen = await slack.slash_command(user=slack.alice, channel=slack.social,
                                     text="post demo_shop in 1h https://cdn.example/img/square.jpg")
    assert "publisher" in seen.text and post_rows(deps, row["id"]) == []


def test_tomorrow_0900_in_berlin_and_slack_wrapped_urls():
    now = datetime(2026, 3, 28, 22, 30, tzinfo=UTC)  # Saturday night; Sunday is the switch to summer time
    draft = parse_request("post", " tomorrow 09:00 <https://cdn.example/img/a.jpg?x=1&amp;y=2|a> "
                          "<https://cdn.example/video/b.MOV>  Two\n  lines &amp; more",
                          zone="Europe/Berlin", now=now)
    assert draft.when == datetime(2026, 3, 29, 7, 0, tzinfo=UTC)  # 09:00 CEST
    assert [i["url"] for i in draft.items] == ["https://cdn.example/img/a.jpg?x=1&y=2",
                                               "https://cdn.example/video/b.MOV"]
    assert draft.kind == "carousel" and draft.caption == "Two\n  lines & more"
    iso = parse_request("post", " 2026-12-01 09:00 https://cdn.example/img/a.jpg", zone="Europe/Berlin", now=now)
    assert iso.when == datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
    offset = parse_request("reel", " 2026-12-01T09:00+00:00 https://cdn.example/video/a.mp4",
                           zone="Europe/Berlin", now=now)
    assert offset.when == datetime(2026, 12, 1, 9, 0, tzinfo=UTC) and offset.kind == "reel"


async def test_queue_lists_and_cancel_stops_the_post(slack, graph, shop, driver, deps):
    row, _ = shop
    await slack.slash_command(user=slack.admin, channel=slack.social,
                              text="post demo_shop in 2h https://cdn.example/img/square.jpg Later <b>")
    listing = await slack.slash_command(user=slack.admin, channel=slack.social, text="queue demo_shop")
    text = str(listing.json)
    assert "#1" in text and "scheduled" in text and "Later &lt;b&gt;" in text and "<!date^" in text
    assert "post_publish_now" in text and "post_cancel" in text
    seen = await slack.slash_command(user=slack.admin, channel=slack.social, text="cancel 1")
    assert "Cancelled" in seen.text
    await driver.run_for(3 * 3600, step=300)
    [post] = post_rows(deps, row["id"])
    assert post["state"] == "cancelled" and graph.count_calls(path="/{ig-user-id}/media") == 0
    again = await slack.slash_command(user=slack.admin, channel=slack.social, text="cancel 1")
    assert "cannot be cancelled" in again.text
