"""Media and account insights: current metrics, product-type rules, deprecated metrics answer 100."""

from __future__ import annotations

import pytest

from sandbox.graph import GraphEmulator


async def test_media_insights_values_and_shape(emu: GraphEmulator, api, fb, FB) -> None:
    m = emu.add_media(fb, like_count=40, insights={"reach": 224, "views": 500})
    r = await api.get(FB, f"/{m.id}/insights", token=fb.token, metric="reach,views,likes,total_interactions")
    data = {d["name"]: d for d in r.body["data"]}
    assert data["reach"]["values"] == [{"value": 224}] and data["reach"]["period"] == "lifetime"
    assert data["reach"]["id"] == f"{m.id}/insights/reach/lifetime" and data["reach"]["title"]
    assert data["likes"]["values"][0]["value"] == 40


async def test_missing_data_is_absent_not_zero(emu, api, fb, FB) -> None:
    m = emu.add_media(fb, insights={"reach": None})
    r = await api.get(FB, f"/{m.id}/insights", token=fb.token, metric="reach")
    assert r.body == {"data": []}


@pytest.mark.parametrize(
    "metric",
    [
        "impressions",
        "plays",
        "video_views",
        "clips_replays_count",
        "ig_reels_aggregated_all_plays_count",
        "engagement",
        "taps_forward",
        "carousel_album_reach",
    ],
)
async def test_deprecated_media_metrics_answer_100(emu, api, fb, FB, metric) -> None:
    m = emu.add_media(fb)
    r = await api.get(FB, f"/{m.id}/insights", token=fb.token, metric=f"reach,{metric}")
    assert r.code == (100, None) and metric in r.error["message"]


async def test_product_type_rules(emu, api, fb, FB) -> None:
    reel = emu.add_media(fb, media_type="VIDEO")
    assert (
        await api.get(FB, f"/{reel.id}/insights", token=fb.token, metric="ig_reels_avg_watch_time")
    ).status == 200
    r = await api.get(FB, f"/{reel.id}/insights", token=fb.token, metric="profile_visits")
    assert r.code == (100, None) and "media product type" in r.error["message"]
    post = emu.add_media(fb)
    assert (await api.get(FB, f"/{post.id}/insights", token=fb.token, metric="navigation")).code == (
        100,
        None,
    )
    r = await api.get(FB, f"/{post.id}/insights", token=fb.token, metric="facebook_views")
    assert r.code == (100, None)


async def test_facebook_only_metrics_refused_on_instagram_host(emu, api, ig, IG) -> None:
    m = emu.add_media(ig)
    assert (await api.get(IG, f"/{m.id}/insights", token=ig.token, metric="reach")).status == 200
    assert (await api.get(IG, f"/{m.id}/insights", token=ig.token, metric="total_views")).code == (100, None)


async def test_breakdowns(emu, api, fb, FB) -> None:
    m = emu.add_media(fb, like_count=30)
    r = await api.get(
        FB, f"/{m.id}/insights", token=fb.token, metric="profile_activity", breakdown="action_type"
    )
    tv = r.body["data"][0]["total_value"]
    assert tv["breakdowns"][0]["dimension_keys"] == ["action_type"]
    r = await api.get(
        FB, f"/{m.id}/insights", token=fb.token, metric="reach,profile_activity", breakdown="action_type"
    )
    assert r.code == (1, None) and r.error["message"] == "An unknown error has occurred."


async def test_story_insights_rules(emu, api, fb, FB, clock) -> None:
    quiet = emu.add_media(fb, media_product_type="STORY", insights={"reach": 3})
    assert (await api.get(FB, f"/{quiet.id}/insights", token=fb.token, metric="reach")).code == (10, None)
    story = emu.add_media(fb, media_product_type="STORY", like_count=20)
    r = await api.get(FB, f"/{story.id}/insights", token=fb.token, metric="reach,replies,navigation")
    assert [d["name"] for d in r.body["data"]] == ["reach", "replies", "navigation"]
    clock.advance(25 * 3600)
    assert (await api.get(FB, f"/{story.id}/insights", token=fb.token, metric="reach")).code == (10, None)


async def test_album_children_have_no_insights(emu, api, fb, FB) -> None:
    album = emu.add_media(fb, media_type="CAROUSEL_ALBUM")
    assert (await api.get(FB, f"/{album.id}/insights", token=fb.token, metric="reach")).status == 200
    child = album.children[0]
    assert (await api.get(FB, f"/{child}/insights", token=fb.token, metric="reach")).code == (100, None)


DIGEST = (
    "reach,views,accounts_engaged,total_interactions,likes,comments,shares,saves,replies,profile_links_taps"
)


async def test_account_insights_total_value(emu, api, fb, FB, clock) -> None:
    fb.insights["reach"] = 300
    until = int(clock())
    r = await api.get(
        FB,
        f"/{fb.ig_user_id}/insights",
        token=fb.token,
        metric=DIGEST,
        period="day",
        metric_type="total_value",
        since=until - 86400,
        until=until,
    )
    data = {d["name"]: d for d in r.body["data"]}
    assert set(data) == set(DIGEST.split(","))
    assert data["reach"]["total_value"] == {"value": 300} and data["reach"]["period"] == "day"
    r = await api.get(
        FB,
        f"/{fb.ig_user_id}/insights",
        token=fb.token,
        metric="reach",
        period="day",
        metric_type="total_value",
        breakdown="media_product_type",
    )
    results = r.body["data"][0]["total_value"]["breakdowns"][0]["results"]
    assert {x["dimension_values"][0] for x in results} >= {"POST", "REEL"}


async def test_account_insights_rules(emu, api, fb, FB, clock) -> None:
    base = f"/{fb.ig_user_id}/insights"
    r = await api.get(FB, base, token=fb.token, metric="accounts_engaged", period="day")
    assert r.code == (100, None) and "metric_type=total_value" in r.error["message"]
    r = await api.get(
        FB,
        base,
        token=fb.token,
        metric="reach",
        period="day",
        metric_type="time_series",
        since=int(clock() - 3 * 86400),
        until=int(clock()),
    )
    assert len(r.body["data"][0]["values"]) == 3 and "end_time" in r.body["data"][0]["values"][0]
    assert (await api.get(FB, base, token=fb.token, metric="reach")).code == (100, None)  # period required
    r = await api.get(
        FB,
        base,
        token=fb.token,
        metric="reach",
        period="day",
        metric_type="total_value",
        since=int(clock() - 40 * 86400),
        until=int(clock()),
    )
    assert r.code == (100, None)
    r = await api.get(FB, base, token=fb.token, metric="views", period="week", metric_type="total_value")
    assert r.code == (100, None)


@pytest.mark.parametrize(
    "metric",
    [
        "impressions",
        "profile_views",
        "website_clicks",
        "email_contacts",
        "audience_city",
        "audience_gender_age",
    ],
)
async def test_deprecated_account_metrics_answer_100(emu, api, fb, FB, metric) -> None:
    r = await api.get(
        FB,
        f"/{fb.ig_user_id}/insights",
        token=fb.token,
        metric=metric,
        period="day",
        metric_type="total_value",
    )
    assert r.code == (100, None) and metric in r.error["message"]


async def test_demographics_and_follower_minimum(emu, api, fb, FB) -> None:
    base = f"/{fb.ig_user_id}/insights"
    r = await api.get(
        FB,
        base,
        token=fb.token,
        metric="follower_demographics",
        period="lifetime",
        metric_type="total_value",
        timeframe="this_month",
        breakdown="country",
    )
    bd = r.body["data"][0]["total_value"]["breakdowns"][0]
    assert (
        bd["dimension_keys"] == ["timeframe", "country"]
        and bd["results"][0]["dimension_values"][0] == "THIS_MONTH"
    )
    r = await api.get(
        FB,
        base,
        token=fb.token,
        metric="engaged_audience_demographics",
        period="lifetime",
        metric_type="total_value",
        timeframe="last_30_days",
        breakdown="age",
    )
    assert r.code == (100, None)
    small = emu.add_account("small_shop", followers_count=50)
    r = await api.get(
        FB,
        f"/{small.ig_user_id}/insights",
        token=small.token,
        metric="follows_and_unfollows",
        period="day",
        metric_type="total_value",
    )
    assert r.code == (100, None)


async def test_account_insights_on_instagram_host(emu, api, ig, IG) -> None:
    r = await api.get(
        IG, "/me/insights", token=ig.token, metric="reach,views", period="day", metric_type="total_value"
    )
    assert r.status == 200 and len(r.body["data"]) == 2
