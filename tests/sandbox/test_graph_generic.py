"""Graph's generic parameters, list forms, day boundaries, legacy ids and the tags/subscribed_apps edges."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sandbox.graph.insights import day_ends


async def test_summary_is_accepted_on_every_edge_and_counts_comments_and_replies(emu, api, fb, FB) -> None:
    post = emu.add_media(fb, caption="Hello")
    first = emu.add_comment(post, "one", deliver=False)
    emu.add_comment(post, "two", deliver=False)
    emu.add_comment(post, "three", deliver=False, parent_id=first.id)
    r = await api.get(FB, f"/{post.id}/comments", token=fb.token, summary="true", limit=1)
    assert r.status == 200 and r.body["summary"] == {"total_count": 2} and len(r.body["data"]) == 1
    assert "summary=true" in r.body["paging"]["next"]
    r = await api.get(FB, f"/{first.id}/replies", token=fb.token, summary="total_count")
    assert r.body["summary"] == {"total_count": 1}
    r = await api.get(FB, f"/{post.id}/comments", token=fb.token)
    assert "summary" not in r.body
    for edge in ("media", "stories", "tags", "content_publishing_limit"):
        r = await api.get(FB, f"/{fb.ig_user_id}/{edge}", token=fb.token, summary="true")
        assert r.status == 200, (edge, r.body)
    r = await api.get(FB, f"/{post.id}", token=fb.token, fields="comments.summary(true).limit(1){text}")
    assert r.body["comments"]["summary"] == {"total_count": 2}


async def test_pretty_suppress_http_code_locale_and_debug(emu, api, fb, FB) -> None:
    async with api.session.get(f"{FB}/v25.0/{fb.ig_user_id}", params={"fields": "id,username", "pretty": "1",
                               "access_token": fb.token}) as resp:
        text = await resp.text()
    assert "\n" in text and json.loads(text) == {"id": fb.ig_user_id, "username": "demo_shop"}
    async with api.session.get(f"{FB}/v25.0/{fb.ig_user_id}", params={"pretty": "0", "access_token": fb.token}) as resp:
        assert "\n" not in await resp.text()
    r = await api.get(FB, f"/{fb.ig_user_id}", token=fb.token, fields="nope", suppress_http_code="1")
    assert r.status == 200 and r.code == (100, None)
    r = await api.get(FB, f"/{fb.ig_user_id}", token=fb.token, locale="de_DE", fields="username")
    assert r.body == {"username": "demo_shop"}
    r = await api.get(FB, f"/{fb.ig_user_id}", token=fb.token, version=None, debug="all")
    assert "unversioned" in r.body["__debug__"]["messages"][0]["message"]
    assert any("debug messages" in v for v in emu.violations)


async def test_date_format_rewrites_every_time(emu, api, fb, FB, clock) -> None:
    post = emu.add_media(fb, timestamp=datetime(2026, 11, 17, 9, 30, tzinfo=UTC).timestamp())
    r = await api.get(FB, f"/{post.id}", token=fb.token, fields="timestamp", date_format="U")
    assert r.body["timestamp"] == int(datetime(2026, 11, 17, 9, 30, tzinfo=UTC).timestamp())
    r = await api.get(FB, f"/{post.id}", token=fb.token, fields="timestamp", date_format=r"D, j M Y \a\t H:i")
    assert r.body["timestamp"] == "Tue, 17 Nov 2026 at 09:30"
    r = await api.get(FB, f"/{post.id}", token=fb.token, fields="timestamp", date_format="c")
    assert r.body["timestamp"] == "2026-11-17T09:30:00+00:00"


async def test_access_token_in_header_query_or_body_with_appsecret_proof(emu, api, fb, FB) -> None:
    import hashlib
    import hmac

    proof = hmac.new(emu.app_secret.encode(), fb.token.encode(), hashlib.sha256).hexdigest()
    for kw in ({"token": fb.token}, {"token": fb.token, "token_in_query": True}):
        r = await api.get(FB, f"/{fb.ig_user_id}", appsecret_proof=proof, fields="id", **kw)
        assert r.body == {"id": fb.ig_user_id}
    post = emu.add_media(fb)
    comment = emu.add_comment(post, "hi", deliver=False)
    r = await api.post(FB, f"/{comment.id}", form={"hide": "true", "access_token": fb.token})
    assert r.body == {"success": True} and comment.hidden
    r = await api.get(FB, f"/{fb.ig_user_id}", token=fb.token, appsecret_proof="0" * 64)
    assert r.code == (100, None)


async def test_fields_in_comma_spaced_and_json_array_forms(emu, api, fb, FB) -> None:
    for fields in ("id,username", "id, username", '["id","username"]'):
        r = await api.get(FB, f"/{fb.ig_user_id}", token=fb.token, fields=fields)
        assert r.body == {"id": fb.ig_user_id, "username": "demo_shop"}, fields


async def test_list_parameters_take_json_arrays_everywhere(emu, api, fb, FB) -> None:
    post = emu.add_media(fb, like_count=10)
    for metric in ('["reach"]', "reach", '["reach","views"]', "reach,views"):
        r = await api.get(FB, f"/{fb.ig_user_id}/insights", token=fb.token, metric=metric, period='["day"]',
                          metric_type="total_value")
        assert r.status == 200 and r.body["data"][0]["name"] == "reach", (metric, r.body)
        r = await api.get(FB, f"/{post.id}/insights", token=fb.token, metric=metric)
        assert r.status == 200 and r.body["data"][0]["name"] == "reach", (metric, r.body)
    r = await api.get(FB, f"/{fb.ig_user_id}/insights", token=fb.token, metric='["reach"]', period="day",
                      metric_type="total_value", breakdown='["media_product_type"]')
    assert r.body["data"][0]["total_value"]["breakdowns"][0]["dimension_keys"] == ["media_product_type"]
    r = await api.get(FB, f"/{fb.ig_user_id}/insights", token=fb.token, metric='{"reach": 1}', period="day")
    assert r.code == (100, None)


async def test_time_series_end_times_fall_on_meta_day_boundaries(emu, api, fb, FB) -> None:
    since = datetime(2026, 11, 10, tzinfo=UTC).timestamp()
    until = datetime(2026, 11, 13, tzinfo=UTC).timestamp()
    r = await api.get(FB, f"/{fb.ig_user_id}/insights", token=fb.token, metric="reach", period="day",
                      metric_type="time_series", since=int(since), until=int(until))
    ends = [v["end_time"] for v in r.body["data"][0]["values"]]
    assert ends == ["2026-11-10T08:00:00+0000", "2026-11-11T08:00:00+0000", "2026-11-12T08:00:00+0000"]
    r = await api.get(FB, f"/{fb.ig_user_id}/insights", token=fb.token, metric="reach", period="day",
                      metric_type="time_series", since="2026-11-10", until="2026-11-13")
    assert [v["end_time"] for v in r.body["data"][0]["values"]] == ends
    july = datetime(2026, 7, 1, 12, tzinfo=UTC).timestamp()
    summer = day_ends(july, july + 86_400)
    assert [datetime.fromtimestamp(e, UTC).hour for e in summer] == [7]  # midnight PDT


async def test_ig_id_is_a_realistic_legacy_id(emu, api, fb, FB) -> None:
    other = emu.add_account("other_shop")
    r = await api.get(FB, f"/{fb.ig_user_id}", token=fb.token, fields="ig_id")
    ig_id = r.body["ig_id"]
    assert isinstance(ig_id, int) and len(str(ig_id)) == 10 and ig_id != other.ig_id
    post = emu.add_media(fb)
    r = await api.get(FB, f"/{post.id}", token=fb.token, fields="ig_id")
    pk, _, owner = r.body["ig_id"].partition("_")
    assert len(pk) == 19 and owner == str(ig_id)


async def test_tags_edge_lists_other_accounts_posts_tagging_the_account(emu, api, fb, ig, FB, IG) -> None:
    tagged = emu.add_tag(fb, username="brand_fan", caption="My new mug from @demo_shop")
    emu.add_tag(ig, username="someone")
    r = await api.get(FB, f"/{fb.ig_user_id}/tags", token=fb.token, fields="id,caption,username")
    assert r.body["data"] == [{"id": tagged.id, "caption": "My new mug from @demo_shop", "username": "brand_fan"}]
    r = await api.get(IG, "/me/tags", token=ig.token)
    assert len(r.body["data"]) == 1


async def test_subscribed_apps_on_the_facebook_host_shows_the_linked_pages_apps(emu, api, fb, FB) -> None:
    r = await api.get(FB, f"/{fb.ig_user_id}/subscribed_apps", token=fb.token)
    assert r.body == {"data": [{"id": emu.app_id, "name": emu.app_name, "subscribed_fields": ["feed"]}]}
    emu.state.pages[fb.page_id].subscribed_apps.clear()
    r = await api.get(FB, f"/{fb.ig_user_id}/subscribed_apps", token=fb.token)
    assert r.body == {"data": []}


async def test_a_post_published_with_user_tags_is_in_the_tagged_accounts_tags(emu, api, fb, FB) -> None:
    friend = emu.add_account("friend_shop")
    r = await api.post(FB, f"/{fb.ig_user_id}/media", token=fb.token, image_url="https://cdn.example/img/square.jpg",
                       user_tags='[{"username": "friend_shop", "x": 0.5, "y": 0.5}]')
    r = await api.post(FB, f"/{fb.ig_user_id}/media_publish", token=fb.token, creation_id=r.body["id"])
    tags = await api.get(FB, f"/{friend.ig_user_id}/tags", token=friend.token, fields="id,username")
    assert tags.body["data"] == [{"id": r.body["id"], "username": "demo_shop"}]
    own = await api.get(FB, f"/{fb.ig_user_id}/tags", token=fb.token)
    assert own.body["data"] == []
