"""Webhooks: Meta-format payloads, X-Hub-Signature-256, batching, retries, subscription endpoints."""

from __future__ import annotations

import hashlib
import hmac
import json

import pytest
from aiohttp import web

from sandbox.graph import GraphEmulator


class Receiver:
    """A fake bot endpoint that records deliveries and answers scripted statuses."""

    def __init__(self) -> None:
        self.posts: list[tuple[bytes, dict[str, str]]] = []
        self.statuses: list[int] = []
        self.verify_token = "vt"

    async def post(self, request: web.Request) -> web.Response:
        self.posts.append((await request.read(), dict(request.headers)))
        return web.Response(status=self.statuses.pop(0) if self.statuses else 200)

    async def get(self, request: web.Request) -> web.Response:
        q = request.query
        if q.get("hub.mode") == "subscribe" and q.get("hub.verify_token") == self.verify_token:
            return web.Response(text=q["hub.challenge"])
        return web.Response(status=403)

    def payloads(self) -> list[dict]:
        return [json.loads(body) for body, _ in self.posts]


@pytest.fixture
async def hook(aiohttp_server):
    rec = Receiver()
    app = web.Application()
    app.router.add_post("/webhooks/instagram", rec.post)
    app.router.add_get("/webhooks/instagram", rec.get)
    server = await aiohttp_server(app)
    rec.url = str(server.make_url("/webhooks/instagram"))
    return rec


def _valid(secret: str, body: bytes, headers: dict[str, str]) -> bool:
    expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(headers["X-Hub-Signature-256"], expected)


async def test_comment_webhook_signed_meta_format(emu: GraphEmulator, fb, hook) -> None:
    emu.set_webhook_callback(hook.url)
    m = emu.add_media(fb)
    c = emu.add_comment(m, "Komt deze ook in beige?", username="anna_jansen")
    await emu.flush_webhooks()
    body, headers = hook.posts[0]
    assert _valid("s3cret", body, headers)
    payload = json.loads(body)
    assert payload["object"] == "instagram"
    entry = payload["entry"][0]
    assert entry["id"] == fb.ig_user_id and isinstance(entry["time"], int)
    change = entry["changes"][0]
    assert change["field"] == "comments"
    assert change["value"] == {
        "from": {"id": c.from_id, "username": "anna_jansen"},
        "media": {"id": m.id, "media_product_type": "FEED"},
        "id": c.id,
        "text": "Komt deze ook in beige?",
    }
    reply = emu.add_comment(m, "and blue?", parent_id=c.id)
    await emu.flush_webhooks()
    assert hook.payloads()[1]["entry"][0]["changes"][0]["value"]["parent_id"] == c.id
    assert reply.parent_id == c.id


async def test_mentions_webhook_facebook_and_instagram(emu, fb, ig, hook) -> None:
    emu.set_webhook_callback(hook.url)
    c = emu.add_mention(fb, username="fan")
    media = emu.add_mention(fb, in_caption=True)
    c2 = emu.add_mention(ig, username="fan2")
    await emu.flush_webhooks()
    changes = [p["entry"][0]["changes"][0] for p in hook.payloads()]
    assert changes[0] == {"field": "mentions", "value": {"comment_id": c.id, "media_id": c.media_id}}
    assert changes[1] == {"field": "mentions", "value": {"media_id": media.id}}
    assert (
        changes[2]["field"] == "comments" and changes[2]["value"]["id"] == c2.id
    )  # IG Login: inside comments


async def test_several_entries_and_changes_per_post(emu, fb, hook) -> None:
    emu.set_webhook_callback(hook.url)
    other = emu.add_account("second_shop")
    m1, m2 = emu.add_media(fb), emu.add_media(other)
    with emu.webhook_batch():
        emu.add_comment(m1, "a")
        emu.add_comment(m1, "b")
        emu.add_comment(m2, "c")
    await emu.flush_webhooks()
    assert len(hook.posts) == 1
    entries = hook.payloads()[0]["entry"]
    assert [e["id"] for e in entries] == [fb.ig_user_id, other.ig_user_id]
    assert [len(e["changes"]) for e in entries] == [2, 1]


async def test_retries_on_non_200_quick_then_slower(emu, fb, hook, clock) -> None:
    emu.set_webhook_callback(hook.url)
    hook.statuses = [500, 503, 500]
    emu.add_comment(emu.add_media(fb), "retry me")
    await emu.flush_webhooks()
    assert len(hook.posts) == 2  # first attempt and an immediate retry
    clock.advance(30)
    await emu.flush_webhooks()
    assert len(hook.posts) == 2
    clock.advance(30)
    await emu.flush_webhooks()
    assert len(hook.posts) == 3
    clock.advance(300)
    await emu.flush_webhooks()
    assert len(hook.posts) == 4
    assert len({body for body, _ in hook.posts}) == 1  # the same payload: dedupe on the comment id
    d = emu.deliveries[0]
    assert d.delivered and [s for _, s in d.attempts] == [500, 503, 500, 200]


async def test_retries_give_up_after_36_hours(emu, fb, hook, clock) -> None:
    emu.set_webhook_callback(hook.url)
    hook.statuses = [500] * 100
    emu.add_comment(emu.add_media(fb), "never")
    for _ in range(12):
        await emu.flush_webhooks()
        clock.advance(6 * 3600)
    d = emu.deliveries[0]
    assert d.dropped and not d.delivered and len(d.attempts) <= 8


async def test_no_delivery_without_account_subscription(emu, hook) -> None:
    emu.set_webhook_callback(hook.url)
    fb = emu.add_account("quiet_shop", webhooks_subscribed=False)
    ig = emu.add_account("quiet_ig", login="instagram", webhooks_subscribed=False)
    emu.add_comment(emu.add_media(fb), "x")
    emu.add_comment(emu.add_media(ig), "y")
    await emu.flush_webhooks()
    assert hook.posts == []


async def test_instagram_login_secret_option(clock, hook) -> None:
    emu = GraphEmulator(clock=clock, instagram_webhooks_secret="instagram")
    async with emu:
        ig = emu.add_account("ig_shop", login="instagram")
        emu.set_webhook_callback(hook.url)
        emu.add_comment(emu.add_media(ig), "hi")
        await emu.flush_webhooks()
        body, headers = hook.posts[0]
        assert _valid("igs3cret", body, headers) and not _valid("s3cret", body, headers)


async def test_fb_comment_id_key_option(clock, hook) -> None:
    emu = GraphEmulator(clock=clock, fb_comment_id_key="comment_id")
    async with emu:
        fb = emu.add_account("demo_shop")
        emu.set_webhook_callback(hook.url)
        c = emu.add_comment(emu.add_media(fb), "hi")
        await emu.flush_webhooks()
        assert hook.payloads()[0]["entry"][0]["changes"][0]["value"]["comment_id"] == c.id


async def test_app_subscription_endpoints(emu, api, FB, hook, fb) -> None:
    app_token = "1234|s3cret"
    r = await api.post(
        FB,
        "/1234/subscriptions",
        token=app_token,
        object="instagram",
        callback_url=hook.url,
        fields="comments,mentions",
        verify_token="wrong",
        include_values="true",
    )
    assert r.code == (2200, None)
    r = await api.post(
        FB,
        "/1234/subscriptions",
        token=app_token,
        object="instagram",
        callback_url=hook.url,
        fields="comments,mentions",
        verify_token="vt",
        include_values="true",
    )
    assert r.body == {"success": True}
    r = await api.get(FB, "/1234/subscriptions", token=app_token)
    sub = r.body["data"][0]
    assert sub["object"] == "instagram" and sub["callback_url"] == hook.url and sub["active"] is True
    assert [f["name"] for f in sub["fields"]] == ["comments", "mentions"]
    assert (await api.get(FB, "/1234/subscriptions", token=fb.token)).code == (15, None)
    emu.add_comment(emu.add_media(fb), "hello")
    await emu.flush_webhooks()
    assert len(hook.posts) == 1
    assert (await api.delete(FB, "/1234/subscriptions", token=app_token, object="instagram")).status == 200
    assert (await api.get(FB, "/1234/subscriptions", token=app_token)).body == {"data": []}


async def test_page_subscribed_apps(emu, api, FB) -> None:
    fb = emu.add_account("new_shop", webhooks_subscribed=False)
    r = await api.get(FB, f"/{fb.page_id}/subscribed_apps", token=fb.page_token)
    assert r.body == {"data": []}
    r = await api.post(FB, f"/{fb.page_id}/subscribed_apps", token=fb.token, subscribed_fields="feed")
    assert r.code == (210, None)  # needs the Page token
    r = await api.post(
        FB, f"/{fb.page_id}/subscribed_apps", token=fb.page_token, subscribed_fields="comments"
    )
    assert r.code == (100, None)  # the Page enum has no `comments`
    r = await api.post(FB, f"/{fb.page_id}/subscribed_apps", token=fb.page_token, subscribed_fields="feed")
    assert r.body == {"success": True}
    r = await api.get(FB, f"/{fb.page_id}/subscribed_apps", token=fb.page_token)
    assert r.body["data"][0]["id"] == "1234" and r.body["data"][0]["subscribed_fields"] == ["feed"]
    assert (await api.delete(FB, f"/{fb.page_id}/subscribed_apps", token=fb.page_token)).status == 200


async def test_instagram_subscribed_apps(emu, api, IG, FB) -> None:
    ig = emu.add_account("new_ig", login="instagram", webhooks_subscribed=False)
    assert (await api.get(IG, "/me/subscribed_apps", token=ig.token)).body == {"data": []}
    r = await api.post(IG, f"/{ig.ig_user_id}/subscribed_apps", token=ig.token, subscribed_fields="comments")
    assert r.body == {"success": True}
    r = await api.get(IG, "/me/subscribed_apps", token=ig.token)
    assert r.body["data"][0]["subscribed_fields"] == ["comments"]
    r = await api.post(IG, "/me/subscribed_apps", token=ig.token, subscribed_fields="bogus")
    assert r.code == (100, None)
    fb = emu.add_account("fb_shop")
    r = await api.post(FB, f"/{fb.ig_user_id}/subscribed_apps", token=fb.token, subscribed_fields="comments")
    assert r.code == (100, 33)  # Facebook Login subscribes the Page, not the IG user (GET only shows the Page's)


async def test_own_replies_are_delivered_too(emu, api, fb, FB, hook) -> None:
    emu.set_webhook_callback(hook.url)
    c = emu.add_comment(emu.add_media(fb), "hi", deliver=False)
    await api.post(FB, f"/{c.id}/replies", token=fb.token, message="Thanks!")
    await emu.flush_webhooks()
    value = hook.payloads()[0]["entry"][0]["changes"][0]["value"]
    assert value["from"]["username"] == "demo_shop" and value["parent_id"] == c.id


async def test_instagram_flat_shape_option(clock, hook) -> None:
    emu = GraphEmulator(clock=clock, instagram_webhook_shape="flat")
    async with emu:
        ig = emu.add_account("ig_shop", login="instagram")
        emu.set_webhook_callback(hook.url)
        c = emu.add_comment(emu.add_media(ig), "hi")
        await emu.flush_webhooks()
        entry = hook.payloads()[0]["entry"][0]
        assert entry["field"] == "comments" and entry["value"]["id"] == c.id and "changes" not in entry


async def test_signing_secret_override(emu, fb, hook) -> None:
    emu.set_webhook_callback(hook.url, app_secret="other-secret")
    emu.add_comment(emu.add_media(fb), "hi")
    await emu.flush_webhooks()
    body, headers = hook.posts[0]
    assert _valid("other-secret", body, headers)


async def test_deliveries_over_http_control_route(emu, api, fb, FB, hook) -> None:
    emu.set_webhook_callback(hook.url)
    await api.post(
        FB, "/_sandbox/comments", version=None, json_body={"media_id": emu.add_media(fb).id, "text": "x"}
    )
    r = await api.post(FB, "/_sandbox/webhooks/flush", version=None)
    r = await api.get(FB, "/_sandbox/webhooks", version=None)
    assert r.body[0]["delivered"] is True and r.body[0]["payload"]["entry"][0]["id"] == fb.ig_user_id
