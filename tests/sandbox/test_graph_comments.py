"""Comments, replies, hide/unhide, delete and mentions."""

from __future__ import annotations

from sandbox.graph import GraphEmulator


async def test_comments_top_level_newest_first_50_a_page(emu: GraphEmulator, api, fb, FB, clock) -> None:
    m = emu.add_media(fb)
    ids = [emu.add_comment(m, f"c{i}", timestamp=clock() + i).id for i in range(60)]
    emu.add_comment(m, "a reply", parent_id=ids[0])
    r = await api.get(FB, f"/{m.id}/comments", token=fb.token, limit=100)
    assert len(r.body["data"]) == 50 and r.body["data"][0]["id"] == ids[-1]
    assert set(r.body["data"][0]) == {"timestamp", "text", "id"}
    r2 = await api.get(
        FB, f"/{m.id}/comments", token=fb.token, limit=100, after=r.body["paging"]["cursors"]["after"]
    )
    assert len(r2.body["data"]) == 10 and "a reply" not in str(r2.body)
    r = await api.get(FB, f"/{m.id}", token=fb.token, fields="comments_count")
    assert r.body["comments_count"] == 61


async def test_comment_fields_and_replies(emu, api, fb, FB) -> None:
    m = emu.add_media(fb)
    c = emu.add_comment(m, "Komt deze ook in beige?", username="anna_jansen")
    emu.add_comment(m, "Ja!", username="demo_shop", parent_id=c.id)
    fields = "id,text,username,from,like_count,hidden,media,replies{id,text,username}"
    r = await api.get(FB, f"/{c.id}", token=fb.token, fields=fields)
    body = r.body
    assert body["from"]["username"] == "anna_jansen" and body["from"]["id"]
    assert body["media"] == {"id": m.id, "media_product_type": "FEED"}
    assert body["replies"]["data"][0]["text"] == "Ja!"
    r = await api.get(FB, f"/{c.id}/replies", token=fb.token, fields="text,parent_id")
    assert r.body["data"] == [{"text": "Ja!", "parent_id": c.id}]


async def test_reply_hide_delete(emu, api, ig, IG) -> None:
    m = emu.add_media(ig)
    c = emu.add_comment(m, "nice")
    r = await api.post(IG, f"/{c.id}/replies", token=ig.token, message="Thanks!")
    reply = emu.state.comments[r.body["id"]]
    assert reply.parent_id == c.id and reply.username == "ig_shop"
    r = await api.post(IG, f"/{reply.id}/replies", token=ig.token, message="nested")
    assert r.code == (100, None)  # replies attach to top-level comments only
    assert (await api.post(IG, f"/{c.id}", token=ig.token, hide="true")).body == {"success": True}
    r = await api.get(IG, f"/{c.id}", token=ig.token, fields="hidden")
    assert r.body == {"hidden": True}
    assert (await api.delete(IG, f"/{c.id}", token=ig.token)).body == {"success": True}
    assert (await api.get(IG, f"/{c.id}", token=ig.token)).code == (100, 33)
    assert (await api.get(IG, f"/{reply.id}", token=ig.token)).code == (100, 33)


async def test_comments_disabled_and_message_required(emu, api, fb, FB) -> None:
    m = emu.add_media(fb, comments_enabled=False)
    assert (await api.post(FB, f"/{m.id}/comments", token=fb.token, message="hi")).code[0] == 100
    m2 = emu.add_media(fb)
    assert (await api.post(FB, f"/{m2.id}/comments", token=fb.token)).code == (100, None)


async def test_another_accounts_comment_is_invisible(emu, api, fb, FB) -> None:
    other = emu.add_account("other_shop", fb_user=emu.add_facebook_user("Someone else"))
    m = emu.add_media(other)
    c = emu.add_comment(m, "hi")
    assert (await api.delete(FB, f"/{c.id}", token=fb.token)).code == (100, 33)


async def test_mentioned_comment_and_media(emu, api, fb, FB) -> None:
    c = emu.add_mention(fb, username="brand_fan", text="@demo_shop love it")
    fields = f"mentioned_comment.comment_id({c.id}){{id,text,timestamp,like_count,media{{id,permalink}}}}"
    r = await api.get(FB, f"/{fb.ig_user_id}", token=fb.token, fields=fields)
    mc = r.body["mentioned_comment"]
    assert mc["text"] == "@demo_shop love it" and mc["media"]["id"] == c.media_id
    media = emu.add_mention(fb, username="brand_fan", in_caption=True)
    fields = f"mentioned_media.media_id({media.id}){{caption,media_type,username}}"
    r = await api.get(FB, f"/{fb.ig_user_id}", token=fb.token, fields=fields)
    assert r.body["mentioned_media"]["username"] == "brand_fan"
    r = await api.get(FB, f"/{fb.ig_user_id}", token=fb.token, fields="mentioned_comment.comment_id(123){id}")
    assert r.code[0] == 100
    # someone else's media is not readable directly
    assert (await api.get(FB, f"/{c.media_id}", token=fb.token)).code == (100, 33)


async def test_reply_to_mention(emu, api, fb, ig, FB, IG) -> None:
    c = emu.add_mention(fb, text="@demo_shop hi")
    r = await api.post(
        FB,
        f"/{fb.ig_user_id}/mentions",
        token=fb.token,
        media_id=c.media_id,
        comment_id=c.id,
        message="Thanks!",
    )
    assert emu.state.comments[r.body["id"]].parent_id == c.id
    media = emu.add_mention(ig, in_caption=True)
    r = await api.post(IG, "/me/mentions", token=ig.token, media_id=media.id, message="Thank you!")
    assert r.status == 200
    r = await api.post(IG, "/me/mentions", token=ig.token, media_id=c.media_id, message="x")
    assert r.code == (100, None)
