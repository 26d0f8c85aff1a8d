"""GraphClient core: addressing, tokens, retries, outcome-unknown writes, reconnect marks, logging."""

import asyncio
import logging

import pytest
from aiohttp import web

from bot.graph import (
    AccountNeedsReconnect,
    AppConfigError,
    GraphClient,
    MediaNotReady,
    OutcomeUnknown,
    Priority,
    TransientError,
    appsecret_proof,
    media,
)
from bot.graph import comments as C

from .conftest import APP_SECRET, IG_TOKEN, TOKEN, graph_error

FB_ME = "/fb/v25.0/1784100"
IG_ME = "/ig/v25.0/1784200"


async def test_host_version_and_token_in_header(client, stub, fb_account, ig_account):
    stub.on("GET", FB_ME, (200, {"id": "1784100", "username": "shop"}))
    stub.on("GET", IG_ME, (200, {"id": "1784200", "username": "studio"}))
    assert (await media.profile(client, fb_account))["username"] == "shop"
    assert (await media.profile(client, ig_account))["username"] == "studio"
    fb, ig = stub.seen
    assert fb.path == FB_ME and ig.path == IG_ME
    assert fb.headers["Authorization"] == f"Bearer {TOKEN}"
    assert ig.headers["Authorization"] == f"Bearer {IG_TOKEN}"
    assert "access_token" not in fb.query and "access_token" not in ig.query
    assert fb.query["appsecret_proof"] == appsecret_proof(TOKEN, APP_SECRET)
    assert "appsecret_proof" not in ig.query  # only on Facebook-Login calls


async def test_no_appsecret_proof_without_secret(make_client, stub, fb_account):
    client = make_client(meta_app_secret=None)
    stub.on("GET", FB_ME, (200, {"id": "1784100"}))
    await client.get("1784100", fb_account)
    assert "appsecret_proof" not in stub.seen[0].query


async def test_reads_retry_with_capped_full_jitter_backoff(client, stub, clock, fb_account, caplog):
    stub.on("GET", FB_ME, (500, {}), graph_error(2, status=503), graph_error(1), (200, {"id": "1784100"}))
    caplog.set_level(logging.DEBUG, "bot.graph")
    assert await client.get("1784100", fb_account) == {"id": "1784100"}
    assert len(stub.seen) == 4
    assert len(clock.sleeps) == 3
    for n, delay in enumerate(clock.sleeps, start=1):
        assert 0 <= delay <= min(3.0, 0.5 * 2 ** (n - 1))
    retries = [r for r in caplog.records if r.levelno == logging.DEBUG and "graph retry" in r.getMessage()]
    assert len(retries) == 3
    assert client.counters.retries == 3 and client.counters.http_requests == 4 and client.counters.calls == 4


async def test_reads_give_up_after_the_cap(client, stub, clock, fb_account):
    stub.on("GET", FB_ME, graph_error(2, status=503))
    with pytest.raises(TransientError) as info:
        await client.get("1784100", fb_account)
    assert len(stub.seen) == 4 and len(clock.sleeps) == 3
    assert "/fb/v25.0/1784100" in info.value.sentence


async def test_backoff_grows_and_is_capped():
    import random

    from bot.graph import RetryPolicy

    policy, rng = RetryPolicy(attempts=10, base=1.0, cap=8.0), random.Random(1)
    highs = [max(policy.delay(n, rng) for _ in range(200)) for n in range(1, 8)]
    assert highs[0] <= 1.0 and highs[1] <= 2.0 and highs[2] <= 4.0
    assert all(h <= 8.0 for h in highs) and highs[-1] > 6.0


@pytest.mark.parametrize(
    "answer", [(500, {}), graph_error(2, status=503), graph_error(-1, 2207001, status=500)]
)
async def test_media_publish_is_never_retried(client, stub, clock, fb_account, answer):
    stub.on("POST", "/fb/v25.0/1784100/media_publish", answer, (200, {"id": "999"}))
    with pytest.raises(OutcomeUnknown) as info:
        await media.publish(client, fb_account, "17900")
    assert len(stub.seen) == 1 and clock.sleeps == []
    assert "container 17900" in info.value.sentence and "check" in info.value.sentence
    assert stub.seen[0].form == {"creation_id": "17900"}


async def test_media_publish_timeout_is_outcome_unknown(make_client, stub, fb_account):
    client = make_client(
        timeouts=__import__("bot.graph", fromlist=["Timeouts"]).Timeouts(connect=1.0, read=0.05)
    )

    async def hang(_seen):
        await asyncio.sleep(1)
        return 200, {"id": "999"}

    stub.on("POST", "/fb/v25.0/1784100/media_publish", hang)
    with pytest.raises(OutcomeUnknown):
        await media.publish(client, fb_account, "17900")
    assert len(stub.seen) == 1


async def test_media_publish_definite_errors_stay_definite(client, stub, fb_account):
    stub.on("POST", "/fb/v25.0/1784100/media_publish", graph_error(9007, 2207027))
    with pytest.raises(MediaNotReady):
        await media.publish(client, fb_account, "17900", priority=Priority.PERSON)


async def test_connection_refused_on_a_write_is_transient_not_unknown(
    make_client, fb_account, unused_tcp_port
):
    client = make_client(graph_url=f"http://127.0.0.1:{unused_tcp_port}")
    with pytest.raises(TransientError) as info:
        await C.reply(client, fb_account, "179", "thanks")
    assert not isinstance(info.value, OutcomeUnknown)


async def test_idempotent_writes_are_retried(client, stub, clock, fb_account):
    stub.on("POST", "/fb/v25.0/179", (502, {}), (200, {"success": True}))
    assert await C.hide(client, fb_account, "179") == {"success": True}
    assert len(stub.seen) == 2 and stub.seen[1].form == {"hide": "true"}


async def test_token_error_marks_account_once_and_stops_calls(
    make_client, stub, store, fb_account, ig_account
):
    client = make_client()
    stub.on("GET", FB_ME, graph_error(190, 460, error_user_title="Password changed"))
    stub.on("GET", IG_ME, (200, {"id": "1784200"}))
    with pytest.raises(AccountNeedsReconnect) as first:
        await media.profile(client, fb_account)
    assert first.value.newly_marked and first.value.code == 190 and first.value.subcode == 460
    assert await store.needs_reconnect("1784100") == "Password changed"
    with pytest.raises(AccountNeedsReconnect) as later:
        await media.profile(client, fb_account, priority=Priority.PERSON)
    assert not later.value.newly_marked and later.value.pause
    assert len(stub.calls(FB_ME)) == 1  # no further call to Meta
    # a new process (same store) does not call Meta either
    other = make_client()
    with pytest.raises(AccountNeedsReconnect):
        await media.profile(other, fb_account)
    assert len(stub.calls(FB_ME)) == 1 and other.counters.refused == 1
    # other accounts are unaffected
    await media.profile(client, ig_account)


async def test_code_102_also_marks(client, stub, store, fb_account):
    stub.on("GET", FB_ME, graph_error(102))
    with pytest.raises(AccountNeedsReconnect):
        await client.get("1784100", fb_account)
    assert await store.needs_reconnect("1784100")


async def test_mark_is_stored_once(client, stub, store, fb_account):
    calls = []
    original = store.mark_needs_reconnect

    async def spy(account_id, reason):
        calls.append(account_id)
        return await original(account_id, reason)

    store.mark_needs_reconnect = spy
    stub.on("GET", FB_ME, graph_error(190, 463))
    for _ in range(3):
        with pytest.raises(AccountNeedsReconnect):
            await client.get("1784100", fb_account)
    assert calls == ["1784100"]


async def test_reconnected_account_with_new_token_is_called_again(client, stub, store, fb_account):
    from dataclasses import replace

    stub.on("GET", FB_ME, graph_error(190, 463), (200, {"id": "1784100"}))
    with pytest.raises(AccountNeedsReconnect):
        await client.get("1784100", fb_account)
    store.clear_needs_reconnect("1784100")  # what reconnecting does in igbot's store
    assert await client.get("1784100", replace(fb_account, token="EAAnewTOKEN")) == {"id": "1784100"}


async def test_190_on_app_token_is_app_configuration(client, stub, store):
    from bot.graph import tokens

    stub.on("GET", "/fb/v25.0/debug_token", graph_error(190))
    with pytest.raises(AppConfigError) as info:
        await tokens.debug_token(client, "EAAsomeoneELSE")
    assert "META_APP_ID" in info.value.sentence
    assert store.reconnect == {}
    assert stub.seen[0].query["access_token"] == f"111|{APP_SECRET}"  # documented: app token in the query


async def test_missing_app_credentials_is_app_configuration(make_client):
    from bot.graph import tokens

    client = make_client(meta_app_secret=None)
    with pytest.raises(AppConfigError):
        await tokens.debug_token(client, "EAA")


async def test_debug_log_line_per_call(client, stub, fb_account, caplog):
    stub.on(
        "GET",
        FB_ME,
        (200, {"id": "1784100"}, {"X-App-Usage": {"call_count": 28, "total_time": 25, "total_cputime": 25}}),
    )
    caplog.set_level(logging.DEBUG, "bot.graph")
    await client.get("1784100", fb_account, params={"fields": "id"})
    lines = [r.getMessage() for r in caplog.records if r.levelno == logging.DEBUG]
    assert len(lines) == 1
    line = lines[0]
    assert "GET /fb/v25.0/1784100" in line and "status=200" in line and "ms" in line and "app 28%" in line


async def test_not_json_success_is_transient(client, stub, fb_account):
    stub.on("GET", FB_ME, lambda _s: web.Response(status=200, text="<html>oops</html>"))
    with pytest.raises(TransientError):
        await client.get("1784100", fb_account)


async def test_ready_at_and_usage_without_calls(client: GraphClient, fb_account):
    assert await client.ready_at(fb_account) is None
    usage = await client.usage(fb_account)
    assert usage["account"]["pct"] == 0 and usage["app"]["blocked_until"] is None


async def test_the_processs_client_takes_hosts_version_and_app_from_config(session, base_env, tmp_path):
    from bot.app import build_graph_client
    from bot.config import Config
    from storage.db import Store

    config = Config.from_env({**base_env, "META_APP_ID": "1", "GRAPH_API_VERSION": ""})
    store = Store.open(str(tmp_path / "g.db"))
    try:
        client = build_graph_client(config, session, store)
    finally:
        store.close()
    settings = client.settings
    assert settings.graph_url == "https://graph.facebook.com" and settings.version == "v25.0"
    assert settings.instagram_graph_url == "https://graph.instagram.com" and settings.meta_app_id == "1"
    assert settings.instagram_api_url == "https://api.instagram.com" and settings.instagram_app_secret is None
    assert client.url("1784/media") == "https://graph.facebook.com/v25.0/1784/media"
    assert "meta-app-secret" not in repr(settings)  # secrets stay out of logs


async def test_create_session():
    from bot.graph import create_session

    session = create_session()
    try:
        assert session.timeout.total is None and session.timeout.sock_read == 30.0
    finally:
        await session.close()


async def test_refused_appsecret_proof_is_app_configuration(client, stub, store, fb_account):
    stub.on("GET", FB_ME, graph_error(100, message="Invalid appsecret_proof provided in the API argument"))
    with pytest.raises(AppConfigError) as info:
        await client.get("1784100", fb_account)
    assert "META_APP_SECRET" in info.value.sentence and info.value.sentence.endswith("(100)")
    assert store.reconnect == {}
