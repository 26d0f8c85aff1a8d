"""Reading media: pagination, field expansion, stories, children, comment toggling, delete."""

from __future__ import annotations

from urllib.parse import urlsplit

from sandbox.graph import GraphEmulator


async def test_media_list_newest_first_with_cursor_pages(emu: GraphEmulator, api, fb, FB, clock) -> None:
    ids = []
    for i in range(7):
        ids.append(emu.add_media(fb, caption=f"post {i}", timestamp=clock() - 3600 * (7 - i)).id)
    emu.add_media(fb, media_product_type="STORY")  # stories are not in /media
    r = await api.get(FB, f"/{fb.ig_user_id}/media", token=fb.token, limit=3, fields="id,caption")
    assert [m["id"] for m in r.body["data"]] == ids[::-1][:3]
    assert "previous" not in r.body["paging"]
    seen = [m["id"] for m in r.body["data"]]
    next_url = r.body["paging"]["next"]
    while next_url:
        parts = urlsplit(next_url)
        assert parts.path == f"/v25.0/{fb.ig_user_id}/media"
        async with api.session.get(next_url, headers={"Authorization": f"Bearer {fb.token}"}) as resp:
            page = await resp.json()
        seen += [m["id"] for m in page["data"]]
        next_url = page.get("paging", {}).get("next")
    assert seen == ids[::-1]
    before = page["paging"]["cursors"]["before"]
    r = await api.get(FB, f"/{fb.ig_user_id}/media", token=fb.token, limit=3, before=before)
    assert [m["id"] for m in r.body["data"]] == ids[::-1][3:6]


async def test_default_fields_and_expansion(emu, api, fb, FB) -> None:
    album = emu.add_media(fb, media_type="CAROUSEL_ALBUM", caption="album", children=3)
    emu.add_comment(album, "first!")
    r = await api.get(FB, f"/{album.id}", token=fb.token)
    assert r.body == {"id": album.id}
    r = await api.get(
        FB,
        f"/{album.id}",
        token=fb.token,
        fields="media_type,media_product_type,permalink,children{media_type,media_url,permalink},"
        "comments.limit(5){text,username}",
    )
    body = r.body
    assert body["media_type"] == "CAROUSEL_ALBUM" and body["media_product_type"] == "FEED"
    assert body["permalink"].startswith("https://www.instagram.com/p/")
    assert len(body["children"]["data"]) == 3
    assert all("permalink" not in c for c in body["children"]["data"])
    assert body["comments"]["data"] == [{"text": "first!", "username": "happy_customer"}]


async def test_insights_expansion_fails_whole_call_when_one_media_refuses(emu, api, fb, FB) -> None:
    emu.add_media(fb, like_count=10)
    fields = "id,insights.metric(reach,views,saved)"
    r = await api.get(FB, f"/{fb.ig_user_id}/media", token=fb.token, fields=fields)
    assert r.status == 200
    item = r.body["data"][0]["insights"]["data"]
    assert [m["name"] for m in item] == ["reach", "views", "saved"]
    assert item[0]["period"] == "lifetime" and item[0]["values"][0]["value"] > 0
    emu.add_media(fb, insights_unavailable=True)
    r = await api.get(FB, f"/{fb.ig_user_id}/media", token=fb.token, fields=fields)
    assert r.code == (100, 2108006)
    r = await api.get(FB, f"/{fb.ig_user_id}/media", token=fb.token, fields="id,insights.metric(impressions)")
    assert r.code == (100, None)


async def test_user_fields_with_nested_media(emu, api, fb, FB) -> None:
    for _ in range(3):
        emu.add_media(fb)
    r = await api.get(
        FB, f"/{fb.ig_user_id}", token=fb.token, fields="followers_count,media_count,media.limit(2){id}"
    )
    assert r.body["followers_count"] == 1200 and r.body["media_count"] == 3
    assert len(r.body["media"]["data"]) == 2


async def test_stories_last_24_hours_only(emu, api, ig, IG, clock) -> None:
    old = emu.add_media(ig, media_product_type="STORY", timestamp=clock() - 25 * 3600)
    new = emu.add_media(ig, media_product_type="STORY", media_type="VIDEO")
    r = await api.get(IG, "/me/stories", token=ig.token, fields="id,media_product_type,media_type")
    assert r.body["data"] == [{"id": new.id, "media_product_type": "STORY", "media_type": "VIDEO"}]
    assert old.id not in str(r.body)


async def test_since_until_filter(emu, api, fb, FB, clock) -> None:
    old = emu.add_media(fb, timestamp=clock() - 10 * 86400)
    new = emu.add_media(fb)
    r = await api.get(FB, f"/{fb.ig_user_id}/media", token=fb.token, since=int(clock() - 86400))
    assert [m["id"] for m in r.body["data"]] == [new.id]
    r = await api.get(FB, f"/{fb.ig_user_id}/media", token=fb.token, until=int(clock() - 86400))
    assert [m["id"] for m in r.body["data"]] == [old.id]


async def test_copyrighted_media_has_no_media_url(emu, api, fb, FB) -> None:
    m = emu.add_media(fb, media_type="VIDEO", copyrighted=True)
    r = await api.get(FB, f"/{m.id}", token=fb.token, fields="media_url,thumbnail_url,media_product_type")
    assert "media_url" not in r.body and r.body["media_product_type"] == "REELS"


async def test_comment_enabled_toggle_and_delete(emu, api, fb, FB) -> None:
    m = emu.add_media(fb)
    assert (await api.post(FB, f"/{m.id}", token=fb.token, comment_enabled="false")).body == {"success": True}
    r = await api.get(FB, f"/{m.id}", token=fb.token, fields="is_comment_enabled")
    assert r.body == {"is_comment_enabled": False}
    r = await api.delete(FB, f"/{m.id}", token=fb.token)
    assert r.body == {"success": True, "deleted_id": m.id}
    assert (await api.get(FB, f"/{m.id}", token=fb.token)).code == (100, 33)
