"""Content publishing: container validation, processing, expiry, publish rules, quota, rupload."""

from __future__ import annotations

import json

import pytest
from aiohttp import web

from sandbox.graph import GraphEmulator

IMG = "https://cdn.example/img/square.jpg"
REEL = "https://cdn.example/video/reel.mp4"


async def _create(api, base, acct, **params):
    return await api.post(base, f"/{acct.ig_user_id}/media", token=acct.token, **params)


async def _status(api, base, acct, cid):
    r = await api.get(base, f"/{cid}", token=acct.token, fields="status_code,status")
    return r.body


async def test_image_publish_flow(emu: GraphEmulator, api, fb, FB) -> None:
    r = await _create(api, FB, fb, image_url=IMG, caption="Hello #sale", alt_text="A red bag")
    cid = r.body["id"]
    assert (await _status(api, FB, fb, cid))["status_code"] == "FINISHED"
    r = await api.post(FB, f"/{fb.ig_user_id}/media_publish", token=fb.token, creation_id=cid)
    mid = r.body["id"]
    r = await api.get(
        FB, f"/{mid}", token=fb.token, fields="permalink,shortcode,media_product_type,caption,alt_text"
    )
    assert r.body["media_product_type"] == "FEED" and r.body["caption"] == "Hello #sale"
    assert r.body["permalink"] == f"https://www.instagram.com/p/{r.body['shortcode']}/"
    assert (await _status(api, FB, fb, cid))["status_code"] == "PUBLISHED"
    again = await api.post(FB, f"/{fb.ig_user_id}/media_publish", token=fb.token, creation_id=cid)
    assert again.code == (100, None) and "already been published" in again.error["message"]


async def test_json_body_with_bearer_token(emu, api, ig, IG) -> None:
    r = await api.post(IG, "/me/media", token=ig.token, json_body={"image_url": IMG, "caption": "hi"})
    assert r.status == 200
    r = await api.post(
        IG, f"/{ig.ig_user_id}/media_publish", token=ig.token, json_body={"creation_id": r.body["id"]}
    )
    assert r.status == 200


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"image_url": "https://cdn.example/img/too-big.jpg"}, (36000, 2207004)),
        ({"image_url": "https://cdn.example/img/photo.png"}, (36001, 2207005)),
        ({"image_url": "https://cdn.example/img/panorama.jpg"}, (36003, 2207009)),
        ({"image_url": "https://cdn.example/img/story.jpg"}, (36003, 2207009)),
        ({"image_url": "https://cdn.example/img/forbidden.jpg"}, (9004, 2207052)),
        ({"image_url": "https://nowhere.example/fail/a.jpg"}, (9004, 2207052)),
        ({"image_url": "https://nowhere.example/page.html"}, (9004, 2207052)),
        ({"image_url": "http://nowhere.example/a.jpg"}, (9004, 2207052)),
        ({"image_url": "https://images.example/photo.png"}, (36001, 2207005)),
        ({"image_url": "https://slow.example/img/photo.jpg"}, (-2, 2207003)),
        ({"media_type": "REELS", "video_url": "https://cdn.example/video/movie.avi"}, (352, 2207026)),
        ({"image_url": IMG, "caption": "x" * 2201}, (36004, 2207010)),
        ({"image_url": IMG, "caption": " ".join(f"#t{i}" for i in range(31))}, (36004, 2207010)),
        ({"image_url": IMG, "caption": " ".join(f"@u{i}" for i in range(21))}, (100, 2207040)),
        ({"media_type": "VIDEO", "video_url": REEL}, (100, 2207023)),
        ({"media_type": "GIF", "image_url": IMG}, (100, 2207023)),
        ({"media_type": "REELS", "video_url": REEL, "alt_text": "no"}, (100, None)),
        ({"image_url": IMG, "colour": "red"}, (100, None)),
        (
            {"media_type": "STORIES", "image_url": "https://cdn.example/img/story.jpg", "caption": "x"},
            (100, None),
        ),
        ({"media_type": "REELS"}, (100, None)),
    ],
)
async def test_container_validation(emu, api, fb, FB, params, code) -> None:
    r = await _create(api, FB, fb, **params)
    assert r.code == code, r.body


async def test_caption_limits_allow_exactly_the_maximum(emu, api, fb, FB) -> None:
    caption = " ".join(f"#t{i}" for i in range(30)) + " " + " ".join(f"@u{i}" for i in range(20))
    assert (await _create(api, FB, fb, image_url=IMG, caption=caption)).status == 200
    assert (await _create(api, FB, fb, image_url=IMG, caption="y" * 2200)).status == 200


async def test_story_accepts_vertical_image(emu, api, fb, FB) -> None:
    r = await _create(api, FB, fb, media_type="STORIES", image_url="https://cdn.example/img/story.jpg")
    r = await api.post(FB, f"/{fb.ig_user_id}/media_publish", token=fb.token, creation_id=r.body["id"])
    r = await api.get(FB, f"/{r.body['id']}", token=fb.token, fields="media_product_type,media_type")
    assert r.body == {"media_product_type": "STORY", "media_type": "IMAGE"}


async def test_reel_processing_takes_time(emu, api, fb, FB, clock) -> None:
    r = await _create(
        api,
        FB,
        fb,
        media_type="REELS",
        video_url=REEL,
        caption="reel",
        cover_url="https://cdn.example/img/cover.jpg",
        share_to_feed="true",
    )
    cid = r.body["id"]
    assert (await _status(api, FB, fb, cid))["status_code"] == "IN_PROGRESS"
    r = await api.post(FB, f"/{fb.ig_user_id}/media_publish", token=fb.token, creation_id=cid)
    assert r.code == (9007, 2207027)
    clock.advance(emu.video_processing_seconds)
    assert (await _status(api, FB, fb, cid))["status_code"] == "FINISHED"
    r = await api.post(FB, f"/{fb.ig_user_id}/media_publish", token=fb.token, creation_id=cid)
    r = await api.get(
        FB, f"/{r.body['id']}", token=fb.token, fields="media_type,media_product_type,permalink"
    )
    assert r.body["media_type"] == "VIDEO" and r.body["media_product_type"] == "REELS"
    assert "/reel/" in r.body["permalink"]


@pytest.mark.parametrize(
    "url",
    [
        "https://cdn.example/video/broken.mp4",
        "https://cdn.example/video/long.mp4",
        "https://cdn.example/video/short.mp4",
    ],
)
async def test_bad_video_ends_in_error_with_subcode(emu, api, fb, FB, clock, url) -> None:
    cid = (await _create(api, FB, fb, media_type="REELS", video_url=url)).body["id"]
    clock.advance(emu.video_processing_seconds)
    status = await _status(api, FB, fb, cid)
    assert status["status_code"] == "ERROR" and "2207026" in status["status"]
    r = await api.post(FB, f"/{fb.ig_user_id}/media_publish", token=fb.token, creation_id=cid)
    assert r.code == (352, 2207026)


async def test_container_expires_after_24_hours(emu, api, fb, FB, clock) -> None:
    cid = (await _create(api, FB, fb, image_url=IMG)).body["id"]
    clock.advance(24 * 3600)
    assert (await _status(api, FB, fb, cid))["status_code"] == "EXPIRED"
    r = await api.post(FB, f"/{fb.ig_user_id}/media_publish", token=fb.token, creation_id=cid)
    assert r.code == (-2, 2207020)


async def test_unknown_or_foreign_creation_id(emu, api, fb, FB) -> None:
    other = emu.add_account("other_shop")
    cid = (await _create(api, FB, other, image_url=IMG)).body["id"]
    r = await api.post(FB, f"/{fb.ig_user_id}/media_publish", token=fb.token, creation_id=cid)
    assert r.code == (24, 2207008)
    r = await api.post(FB, f"/{fb.ig_user_id}/media_publish", token=fb.token)
    assert r.code == (100, None)


async def test_carousel(emu, api, fb, FB, clock) -> None:
    kids = []
    for url in ("https://cdn.example/img/photo1.jpg", "https://cdn.example/img/photo2.jpg"):
        kids.append((await _create(api, FB, fb, image_url=url, is_carousel_item="true")).body["id"])
    kids.append(
        (await _create(api, FB, fb, media_type="VIDEO", video_url=REEL, is_carousel_item="true")).body["id"]
    )
    r = await _create(api, FB, fb, media_type="CAROUSEL", children=",".join(kids), caption="three")
    cid = r.body["id"]
    assert (await _status(api, FB, fb, cid))["status_code"] == "IN_PROGRESS"  # the video child is processing
    clock.advance(emu.video_processing_seconds)
    r = await api.post(FB, f"/{fb.ig_user_id}/media_publish", token=fb.token, creation_id=cid)
    mid = r.body["id"]
    r = await api.get(FB, f"/{mid}", token=fb.token, fields="media_type,children{media_type}")
    assert r.body["media_type"] == "CAROUSEL_ALBUM"
    assert [c["media_type"] for c in r.body["children"]["data"]] == ["IMAGE", "IMAGE", "VIDEO"]
    r = await api.post(FB, f"/{fb.ig_user_id}/media_publish", token=fb.token, creation_id=kids[0])
    assert r.code == (100, None)
    r = await api.get(FB, f"/{fb.ig_user_id}/content_publishing_limit", token=fb.token)
    assert r.body == {"data": [{"quota_usage": 1}]}  # a carousel counts once


async def test_carousel_size_and_child_rules(emu, api, fb, FB) -> None:
    one = (await _create(api, FB, fb, image_url=IMG, is_carousel_item="true")).body["id"]
    assert (await _create(api, FB, fb, media_type="CAROUSEL", children=one)).code == (100, 2207028)
    many = ",".join([one] * 11)
    assert (await _create(api, FB, fb, media_type="CAROUSEL", children=many)).code == (100, 2207028)
    single = (await _create(api, FB, fb, image_url=IMG)).body["id"]
    r = await _create(api, FB, fb, media_type="CAROUSEL", children=f"{one},{single}")
    assert r.code == (100, None)
    r = await _create(api, FB, fb, image_url=IMG, is_carousel_item="true", caption="no")
    assert r.code == (100, None)
    r = await _create(api, FB, fb, media_type="REELS", video_url=REEL, is_carousel_item="true")
    assert r.code[0] == 100


async def test_publishing_quota(emu, api, FB, clock) -> None:
    acct = emu.add_account("busy_shop", quota_total=2)
    for _ in range(2):
        cid = (await _create(api, FB, acct, image_url=IMG)).body["id"]
        assert (
            await api.post(FB, f"/{acct.ig_user_id}/media_publish", token=acct.token, creation_id=cid)
        ).status == 200
    cid = (await _create(api, FB, acct, image_url=IMG)).body["id"]
    r = await api.post(FB, f"/{acct.ig_user_id}/media_publish", token=acct.token, creation_id=cid)
    assert r.code == (9, 2207042)
    r = await api.get(
        FB, f"/{acct.ig_user_id}/content_publishing_limit", token=acct.token, fields="quota_usage,config"
    )
    assert r.body == {"data": [{"quota_usage": 2, "config": {"quota_total": 2, "quota_duration": 86400}}]}
    r = await api.get(
        FB, f"/{acct.ig_user_id}/content_publishing_limit", token=acct.token, since=int(clock() - 2 * 86400)
    )
    assert r.code == (100, None)
    clock.advance(86400)
    cid = (await _create(api, FB, acct, image_url=IMG)).body["id"]
    assert (
        await api.post(FB, f"/{acct.ig_user_id}/media_publish", token=acct.token, creation_id=cid)
    ).status == 200


async def test_container_limit_400_per_day(emu, api, fb, FB, clock) -> None:
    fb.container_times.extend([clock()] * 400)
    r = await _create(api, FB, fb, image_url=IMG)
    assert r.code == (9, None)
    clock.advance(86400)
    assert (await _create(api, FB, fb, image_url=IMG)).status == 200


async def test_loopback_media_route_is_fetched_for_real(emu, api, fb, FB, aiohttp_server) -> None:
    jpeg = bytes.fromhex("ffd8ffe000104a46494600010100000100010000") + bytes.fromhex(
        "ffc0001108043804380301220002110103110100"
    )  # SOF0: 1080 x 1080
    served = []

    async def media(request: web.Request) -> web.Response:
        served.append(request.match_info["token"])
        if request.match_info["token"] == "gone":
            raise web.HTTPNotFound()
        return web.Response(body=jpeg, content_type="image/jpeg")

    app = web.Application()
    app.router.add_get("/media/{token}", media)
    server = await aiohttp_server(app)
    r = await _create(api, FB, fb, image_url=str(server.make_url("/media/abc")))
    assert r.status == 200 and served == ["abc"]
    r = await _create(api, FB, fb, image_url=str(server.make_url("/media/gone")))
    assert r.code == (9004, 2207052)
    r = await _create(api, FB, fb, image_url=str(server.make_url("/other/abc")))
    assert r.code == (9004, 2207052)


async def test_custom_fixture(emu, api, fb, FB) -> None:
    emu.add_media_fixture("https://shop.example/bag.jpg", width=1080, height=1350)
    assert (await _create(api, FB, fb, image_url="https://shop.example/bag.jpg")).status == 200
    emu.add_media_fixture("https://shop.example/bad.jpg", fail_code=(36001, 2207005))
    assert (await _create(api, FB, fb, image_url="https://shop.example/bad.jpg")).code == (36001, 2207005)


async def test_resumable_upload(emu, api, fb, FB, clock) -> None:
    r = await _create(api, FB, fb, media_type="REELS", upload_type="resumable", caption="up")
    cid, uri = r.body["id"], r.body["uri"]
    assert uri == f"{emu.urls.rupload_facebook}/ig-api-upload/v25.0/{cid}"
    assert (await _status(api, FB, fb, cid))["status_code"] == "IN_PROGRESS"
    data = b"\x00" * 1000
    async with api.session.post(
        uri, data=data, headers={"Authorization": f"OAuth {fb.token}", "offset": "0", "file_size": "1000"}
    ) as resp:
        assert resp.status == 200 and (await resp.json())["success"] is True
    clock.advance(emu.video_processing_seconds)
    assert (await _status(api, FB, fb, cid))["status_code"] == "FINISHED"
    r = await api.get(FB, f"/{cid}", token=fb.token, fields="video_status")
    assert r.body["video_status"]["uploading_phase"]["status"] == "complete"


async def test_own_comment_on_published_media_roundtrip(emu, api, fb, FB) -> None:
    cid = (await _create(api, FB, fb, image_url=IMG)).body["id"]
    mid = (await api.post(FB, f"/{fb.ig_user_id}/media_publish", token=fb.token, creation_id=cid)).body["id"]
    r = await api.post(FB, f"/{mid}/comments", token=fb.token, message="First!")
    assert json.loads(json.dumps(r.body))["id"] in emu.state.comments


async def test_creator_accounts_cannot_publish_stories(emu, api, FB) -> None:
    creator = emu.add_account("creator", account_type="MEDIA_CREATOR")
    r = await _create(api, FB, creator, media_type="STORIES", image_url="https://cdn.example/img/story.jpg")
    assert r.code == (100, None)


async def test_image_processing_delay_option(clock, api) -> None:
    emu = GraphEmulator(clock=clock, image_processing_seconds=5)
    async with emu:
        fb = emu.add_account("demo_shop")
        cid = (await _create(api, emu.urls.graph_facebook, fb, image_url=IMG)).body["id"]
        r = await api.post(
            emu.urls.graph_facebook, f"/{fb.ig_user_id}/media_publish", token=fb.token, creation_id=cid
        )
        assert r.code == (9007, 2207027)
        clock.advance(5)
        assert (await _status(api, emu.urls.graph_facebook, fb, cid))["status_code"] == "FINISHED"


async def test_resumable_upload_from_hosted_file_and_bad_size(emu, api, fb, FB, clock) -> None:
    uri = (await _create(api, FB, fb, media_type="REELS", upload_type="resumable")).body["uri"]
    auth = {"Authorization": f"OAuth {fb.token}"}
    async with api.session.post(uri, data=b"abc", headers={**auth, "offset": "0", "file_size": "10"}) as resp:
        assert resp.status == 400 and (await resp.json())["debug_info"]["retriable"] is True
    async with api.session.post(
        uri, headers={**auth, "file_url": "https://cdn.example/video/reel.mp4"}
    ) as resp:
        assert resp.status == 200
    async with api.session.post(uri, headers={"Authorization": "OAuth nope"}) as resp:
        assert resp.status == 400


async def test_any_https_image_or_video_url_works_by_extension(emu, api, fb, FB, clock) -> None:
    photo = "https://images.unsplash.com/photo-1565193566173-7a0ee3dbe261.JPG?w=1080&q=80"
    r = await _create(api, FB, fb, image_url=photo, caption="Glaze test")
    assert r.status == 200 and (await _status(api, FB, fb, r.body["id"]))["status_code"] == "FINISHED"
    r = await api.post(FB, f"/{fb.ig_user_id}/media_publish", token=fb.token, creation_id=r.body["id"])
    assert emu.state.media[r.body["id"]].caption == "Glaze test"
    story = await _create(api, FB, fb, media_type="STORIES", image_url="https://my.shop/a/b/story.jpeg")
    assert story.status == 200
    reel = await _create(api, FB, fb, media_type="REELS", video_url="https://videos.shop/spin.mov")
    assert (await _status(api, FB, fb, reel.body["id"]))["status_code"] == "IN_PROGRESS"
    clock.advance(60)
    assert (await _status(api, FB, fb, reel.body["id"]))["status_code"] == "FINISHED"
    r = await _create(api, FB, fb, media_type="REELS", video_url="https://videos.shop/FAIL/spin.mp4")
    assert r.code == (9004, 2207052) and "https://videos.shop/FAIL/spin.mp4" in r.error["message"]
