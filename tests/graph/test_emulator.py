"""The client against the sandbox Graph emulator on loopback (both hosts, real routing, call log)."""

from __future__ import annotations

import random

import aiohttp
import pytest

from bot.graph import (
    AccountNeedsReconnect,
    BatchRequest,
    GraphAccount,
    GraphClient,
    GraphSettings,
    MediaFetchFailed,
    MemoryStateStore,
    NotFound,
    OutcomeUnknown,
    Priority,
    RateLimited,
    RetryPolicy,
    Throttled,
    insights,
    media,
    tokens,
)
from bot.graph import comments as C
from tests.graph.conftest import build_client

emulator = pytest.importorskip(
    "sandbox.graph.server",
    reason="the Graph emulator (sandbox/graph) is not merged yet",
    exc_type=ImportError,
)
emu_clock = pytest.importorskip(
    "sandbox.graph.clock", reason="the Graph emulator has no clock yet", exc_type=ImportError
)


class SharedClock(emu_clock.FakeClock):
    """One fake clock for the emulator and the client; the client's sleeps move it."""

    def __init__(self) -> None:
        super().__init__()
        self.sleeps: list[float] = []

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.advance(seconds)


@pytest.fixture
def clock() -> SharedClock:
    return SharedClock()


@pytest.fixture
async def emu(clock):
    # appsecret_proof is sent on Facebook-Login calls and checked by the emulator whenever present
    e = emulator.GraphEmulator(clock=clock, seed=3)
    await e.start()
    yield e
    await e.stop()
    assert e.violations == []  # every node and edge call carried a live version


@pytest.fixture
def store() -> MemoryStateStore:
    return MemoryStateStore()


@pytest.fixture
async def make(emu, clock, store):
    async with aiohttp.ClientSession() as session:

        def build(**kw) -> GraphClient:
            settings = GraphSettings(
                graph_url=emu.urls.graph_facebook,
                instagram_graph_url=emu.urls.graph_instagram,
                instagram_api_url=emu.urls.api_instagram,
                version="v25.0",
                meta_app_id=emu.app_id,
                meta_app_secret=emu.app_secret,
                instagram_app_id=emu.instagram_app_id,
                instagram_app_secret=emu.instagram_app_secret,
                retry=RetryPolicy(attempts=3, base=0.5, cap=4.0),
            )
            runtime = {"state": store, "clock": clock, "sleep": clock.sleep, "rng": random.Random(5)}
            return build_client(session, settings, runtime, kw)

        yield build


def account_of(acct) -> GraphAccount:
    return GraphAccount(
        id=acct.ig_user_id,
        ig_user_id=acct.ig_user_id,
        login=acct.login,
        token=acct.token,
        page_id=acct.page_id,
        username=acct.username,
    )


@pytest.fixture
def fb(emu):
    return emu.add_account("shop_fb", login="facebook")


@pytest.fixture
def ig(emu):
    return emu.add_account("studio_ig", login="instagram")


async def test_profile_on_both_hosts(emu, make, fb, ig):
    client = make()
    assert (await media.profile(client, account_of(fb)))["username"] == "shop_fb"
    assert (await media.profile(client, account_of(ig)))["username"] == "studio_ig"
    hosts = [r.host for r in emu.calls]
    assert hosts == ["graph.facebook.com", "graph.instagram.com"]
    assert emu.violations == []


async def test_pagination_over_three_pages(emu, make, fb):
    for i in range(5):
        emu.add_media(fb, caption=f"post {i}", timestamp=1_700_000_000 + i)
    client = make()
    got = [m async for m in media.list_media(client, account_of(fb), limit=2)]
    assert len(got) == 5 and [m["caption"] for m in got] == [f"post {i}" for i in range(4, -1, -1)]
    assert emu.count_http_requests() == 3 and client.counters.http_requests == 3
    assert all("access_token" not in r.params for r in emu.calls)


async def test_120_batched_calls_are_three_requests(emu, make, fb):
    ids = [emu.add_media(fb).id for _ in range(120)]
    client = make()
    reqs = [BatchRequest(f"{i}/insights", {"metric": "reach,views"}) for i in ids]
    results = await client.batch(account_of(fb), reqs)
    assert all(isinstance(r, dict) and r["data"] for r in results)
    assert client.counters.calls == 120 and client.counters.http_requests == 3
    assert emu.count_calls() == 120 and emu.count_http_requests() == 3


async def test_no_batch_on_the_instagram_host(emu, make, ig):
    ids = [emu.add_media(ig).id for _ in range(4)]
    client = make()
    results = await client.get_many(
        account_of(ig), [BatchRequest(f"{i}/insights", {"metric": "reach"}) for i in ids]
    )
    assert all(isinstance(r, dict) for r in results)
    assert emu.count_http_requests() == 4 and emu.count_calls() == 4
    assert not any(r.is_batch for r in emu.calls)


@pytest.mark.parametrize("login", ["facebook", "instagram"])
async def test_media_with_insights_expansion_and_fallback(emu, make, login):
    acct = emu.add_account(f"acct_{login}", login=login)
    for _ in range(6):
        emu.add_media(acct)
    client = make()
    got = await insights.media_with_insights(
        client, account_of(acct), metrics=("reach", "views"), max_items=6
    )
    assert len(got) == 6 and all(set(m["insights"]) == {"reach", "views"} for m in got)
    assert client.counters.calls == 1  # one expanded page

    emu.add_media(acct, insights_unavailable=True)  # a media that makes Meta refuse the expansion
    client.counters.reset()
    got = await insights.media_with_insights(
        client, account_of(acct), metrics=("reach", "views"), max_items=7
    )
    assert len(got) == 7
    refused = [m for m in got if m.get("insights_error")]
    assert len(refused) == 1 and all(
        set(m["insights"]) == {"reach", "views"} for m in got if m not in refused
    )
    if login == "facebook":
        assert (
            client.counters.http_requests == 3 and client.counters.calls == 9
        )  # refused, plain page, batch of 7
    else:
        assert client.counters.http_requests == 9 and client.counters.calls == 9  # one call per media


@pytest.mark.parametrize("login", ["facebook", "instagram"])
async def test_profile_with_media_is_one_call_by_field_expansion_with_the_same_fallback(emu, make, login):
    acct = emu.add_account(f"acct_{login}", login=login, followers_count=321)
    for _ in range(6):
        emu.add_media(acct)
    client = make()
    fields, got = await insights.profile_with_media(client, account_of(acct), metrics=("reach", "views"), limit=5)
    assert fields["followers_count"] == 321 and fields["media_count"] == 6 and "media" not in fields
    assert len(got) == 5 and all(set(m["insights"]) == {"reach", "views"} for m in got)
    assert client.counters.calls == 1 and emu.count_calls() == 1
    assert "media.limit(5){" in emu.calls[-1].params["fields"]

    emu.add_media(acct, insights_unavailable=True)  # the newest media makes Meta refuse the nested insights
    client.counters.reset()
    fields, got = await insights.profile_with_media(client, account_of(acct), metrics=("reach", "views"), limit=7)
    assert fields["media_count"] == 7 and len(got) == 7
    assert [m for m in got if m.get("insights_error")] == [got[0]]
    assert all(set(m["insights"]) == {"reach", "views"} for m in got[1:])
    assert client.counters.calls == 9  # refused, plain, 7 insights (batched on the Facebook host)


async def test_revoked_token_marks_once_and_stops_calling(emu, make, store, fb):
    client = make()
    emu.change_password(fb)
    with pytest.raises(AccountNeedsReconnect) as info:
        await media.profile(client, account_of(fb))
    assert info.value.newly_marked and (info.value.code, info.value.subcode) == (190, 460)
    before = emu.count_http_requests()
    for priority in Priority:
        with pytest.raises(AccountNeedsReconnect):
            await media.profile(make(), account_of(fb), priority=priority)
    assert emu.count_http_requests() == before and await store.needs_reconnect(fb.ig_user_id)


async def test_throttled_account_waits_for_regain_also_after_restart(emu, make, clock, fb):
    client = make()
    account = account_of(fb)
    emu.throttle(fb, minutes=30)
    with pytest.raises(RateLimited) as info:
        await media.profile(client, account)
    assert info.value.code == 80002 and 30 * 60 <= info.value.retry_at - clock.now <= 33 * 60
    assert emu.count_http_requests() == 1  # never retried at once
    with pytest.raises(Throttled):
        await media.profile(make(), account, priority=Priority.PERSON)  # a restarted process
    assert emu.count_http_requests() == 1
    clock.advance(info.value.retry_at - clock.now + 1)
    assert (await media.profile(make(), account))["username"] == "shop_fb"


async def test_publish_flow_and_media_errors_name_the_url(emu, make, fb):
    client = make()
    account = account_of(fb)
    url = "https://cdn.example/img/square.jpg"
    container = await media.create_container(client, account, image_url=url, caption="hello")
    status = await media.container_status(client, account, container["id"])
    assert status["status_code"] == "FINISHED" and media.container_error(status, url) is None
    published = await media.publish(client, account, container["id"])
    link = await media.get_media(client, account, published["id"])
    assert link["permalink"]
    bad = "https://cdn.example/img/forbidden.jpg"
    with pytest.raises(MediaFetchFailed) as info:
        await media.create_container(client, account, image_url=bad)
    assert bad in info.value.sentence and info.value.sentence.endswith("(9004/2207052)")


async def test_lost_publish_answer_is_outcome_unknown_and_checkable(emu, make, clock, fb):
    client = make()
    account = account_of(fb)
    container = await media.create_container(client, account, image_url="https://cdn.example/img/square.jpg")
    emu.inject_error(code=2, http_status=500, path=f"/{fb.ig_user_id}/media_publish", after_effect=True)
    with pytest.raises(OutcomeUnknown):
        await media.publish(client, account, container["id"])
    assert emu.count_calls(path=f"/{fb.ig_user_id}/media_publish") == 1 and clock.sleeps == []
    status = await media.container_status(client, account, container["id"])
    assert status["status_code"] == "PUBLISHED"


async def test_reads_retry_transient_errors(emu, make, clock, fb):
    client = make()
    emu.inject_error(code=2, http_status=503, times=2)
    assert (await media.profile(client, account_of(fb)))["username"] == "shop_fb"
    assert emu.count_http_requests() == 3 and len(clock.sleeps) == 2


async def test_comment_moderation(emu, make, fb):
    post = emu.add_media(fb)
    comment = emu.add_comment(post, "Is this in beige?")
    client = make()
    account = account_of(fb)
    listed = [c async for c in C.list_comments(client, account, post.id)]
    assert [c["id"] for c in listed] == [comment.id]
    assert "id" in await C.reply(client, account, comment.id, "Yes!")
    assert (await C.hide(client, account, comment.id))["success"]
    assert (await C.hide(client, account, comment.id, False))["success"]
    assert (await C.delete_comment(client, account, comment.id))["success"]
    with pytest.raises(NotFound):
        await C.get_comment(client, account, comment.id)


async def test_instagram_identity_and_debug_token(emu, make, fb, ig):
    client = make()
    me = await tokens.instagram_identity(client, ig.token)
    assert me["ig_user_id"] == ig.ig_user_id and me["app_scoped_id"] != ig.ig_user_id
    info = await tokens.debug_token(client, fb.token)
    assert info["is_valid"]


async def test_usage_headers_are_read(emu, make, fb):
    client = make()
    for _ in range(4):
        await media.profile(client, account_of(fb))
    usage = await client.usage(account_of(fb))
    assert usage["account"]["observed_at"] and not usage["app"]["observed_at"]  # Instagram calls: BUC only
    for _ in range(3):
        await tokens.debug_token(client, fb.token)
    usage = await client.usage(account_of(fb))
    assert usage["app"]["observed_at"] and usage["app"]["pct"] <= 1  # app-token calls: the platform limit


async def _dialog_code(session: aiohttp.ClientSession, url: str, params: dict) -> str:
    from urllib.parse import parse_qs, urlsplit

    async with session.get(url, params=params, allow_redirects=False) as resp:
        assert resp.status == 302, await resp.text()
        location = resp.headers["Location"]
    return parse_qs(urlsplit(location).query)["code"][0] + (urlsplit(location).fragment and "#_")


async def test_facebook_login_flow_finds_the_instagram_account(emu, make, fb):
    client = make()
    redirect = "https://bot.example/oauth/facebook/callback"
    code = await _dialog_code(
        client.session,
        f"{emu.urls.www_facebook}/v25.0/dialog/oauth",
        {
            "client_id": emu.app_id,
            "redirect_uri": redirect,
            "state": "s1",
            "scope": "instagram_basic,pages_show_list",
        },
    )
    short = await tokens.facebook_code_to_token(client, code.removesuffix("#_"), redirect)
    long = await tokens.facebook_long_lived(client, short["access_token"])
    assert long["expires_in"] > 50 * 86400
    pages = await tokens.facebook_pages(client, long["access_token"])
    assert [(p["ig_user_id"], p["username"]) for p in pages] == [(fb.ig_user_id, "shop_fb")]
    assert pages[0]["page_id"] == fb.page_id and pages[0]["page_token"]


async def test_instagram_login_flow_uses_user_id(emu, make, clock, ig):
    client = make()
    redirect = "https://bot.example/oauth/instagram/callback"
    code = await _dialog_code(
        client.session,
        f"{emu.urls.www_instagram}/oauth/authorize",
        {
            "client_id": emu.instagram_app_id,
            "redirect_uri": redirect,
            "response_type": "code",
            "scope": "instagram_business_basic",
            "state": "s2",
        },  # fmt: skip
    )
    short = await tokens.instagram_code_to_token(client, code, redirect)
    long = await tokens.instagram_long_lived(client, short["access_token"])
    me = await tokens.instagram_identity(client, long["access_token"])
    assert me["ig_user_id"] == ig.ig_user_id and me["ig_user_id"] != short.get("user_id")
    clock.advance(25 * 3600)
    fresh = await tokens.instagram_refresh(client, long["access_token"])
    assert fresh["access_token"] and fresh["expires_in"] > 50 * 86400


async def test_publishing_limit_stories_and_account_insights(emu, make, fb, ig):
    client = make()
    for acct in (fb, ig):
        account = account_of(acct)
        limit = await media.publishing_limit(client, account)
        assert limit["quota_usage"] == 0 and limit["config"]["quota_total"] == 50
        emu.add_media(acct, media_product_type="STORY")
        assert len([s async for s in media.stories(client, account)]) == 1
        out = await insights.account_insights(client, account, metrics=("reach", "views", "accounts_engaged"))
        assert set(out["values"]) == {"reach", "views", "accounts_engaged"} and out["errors"] == {}


async def test_mentions(emu, make, fb):
    client = make()
    account = account_of(fb)
    mention = emu.add_mention(fb, deliver=False)
    got = await C.mentioned_comment(client, account, mention.id)
    assert got["id"] == mention.id and "@shop_fb" in got["text"]
    assert "id" in await C.reply_to_mention(
        client, account, got["media"]["id"], "Thanks!", comment_id=mention.id
    )
    caption = emu.add_mention(fb, in_caption=True, deliver=False)
    got = await C.mentioned_media(client, account, caption.id)
    assert got["id"] == caption.id


async def test_webhook_subscriptions(emu, make, fb, ig, aiohttp_server):
    from aiohttp import web

    from bot.graph import webhooks

    async def verify(request: web.Request) -> web.Response:
        assert request.query["hub.verify_token"] == "v"
        return web.Response(text=request.query["hub.challenge"])

    app = web.Application()
    app.router.add_get("/webhooks/instagram", verify)
    server = await aiohttp_server(app)
    client = make()
    await webhooks.subscribe_app(
        client,
        callback_url=str(server.make_url("/webhooks/instagram")),
        fields=["comments"],
        verify_token="v",
    )
    subs = await webhooks.app_subscriptions(client)
    assert subs and subs[0]["object"] == "instagram"
    await webhooks.subscribe_account(client, account_of(fb), ["feed"], page_token=fb.page_token)
    assert await webhooks.account_subscriptions(client, account_of(fb), page_token=fb.page_token)
    await webhooks.subscribe_account(client, account_of(ig), ["comments", "messages"])
    assert await webhooks.account_subscriptions(client, account_of(ig))


async def test_video_container_errors_name_the_file(emu, make, clock, fb):
    from bot.graph import ContainerMustBeRecreated, InvalidMedia, MediaNotReady

    client = make()
    account = account_of(fb)
    broken = "https://cdn.example/video/broken.mp4"
    ct = await media.create_container(client, account, video_url=broken, media_type="REELS")
    clock.advance(120)
    status = await media.container_status(client, account, ct["id"])
    err = media.container_error(status, broken)
    assert status["status_code"] == "ERROR" and isinstance(err, InvalidMedia) and broken in err.sentence

    slow = "https://cdn.example/video/slow.mp4"
    ct = await media.create_container(client, account, video_url=slow, media_type="REELS")
    with pytest.raises(MediaNotReady) as info:
        await media.publish(client, account, ct["id"], url=slow)
    assert slow in info.value.sentence and info.value.sentence.endswith("(9007/2207027)")

    clock.advance(25 * 3600)  # containers expire after 24 h
    status = await media.container_status(client, account, ct["id"])
    assert isinstance(media.container_error(status, slow), ContainerMustBeRecreated)
    with pytest.raises(ContainerMustBeRecreated):
        await media.publish(client, account, ct["id"], url=slow)


async def test_batch_when_the_app_requires_appsecret_proof(clock, store):
    e = emulator.GraphEmulator(clock=clock, seed=4, require_appsecret_proof=True)
    async with e, aiohttp.ClientSession() as session:
        acct = e.add_account("proof_fb", login="facebook")
        post = e.add_media(acct)
        settings = GraphSettings(e.urls.graph_facebook, e.urls.graph_instagram, e.urls.api_instagram, "v25.0",
                                 meta_app_id=e.app_id, meta_app_secret=e.app_secret)
        client = GraphClient(session, settings, state=store)
        assert (await media.profile(client, account_of(acct)))["username"] == "proof_fb"
        [result] = await client.batch(
            account_of(acct), [BatchRequest(f"{post.id}/insights", {"metric": "reach"})]
        )
        assert isinstance(result, dict) and result["data"]


async def test_usage_headers_on_batch_responses(emu, make, fb):
    posts = [emu.add_media(fb).id for _ in range(5)]
    client = make()
    await client.batch(account_of(fb), [BatchRequest(f"{p}/insights", {"metric": "reach"}) for p in posts])
    usage = await client.usage(account_of(fb))
    assert usage["account"]["observed_at"] and usage["account"]["pct"] >= 0
