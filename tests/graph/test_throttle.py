"""Usage headers, rate limits and the throttle (background waits, people go through, restarts honoured)."""

import json

import pytest

from bot.graph import Priority, RateLimited, Throttled
from bot.graph.throttle import parse_usage

from .conftest import graph_error

FB_ME = "/fb/v25.0/1784100"


def buc(pct: int, regain: int = 0, key: str = "1784100") -> dict:
    entry = {"type": "instagram", "call_count": pct, "total_cputime": 5, "total_time": 5}
    entry["estimated_time_to_regain_access"] = regain
    return {"X-Business-Use-Case-Usage": {key: [entry]}}


def test_parse_usage_reads_every_key_and_object():
    reading = parse_usage(
        {
            "x-app-usage": '{"call_count": 28, "total_time": 25, "total_cputime": 91}',
            "X-Business-Use-Case-Usage": json.dumps(
                {
                    "1": [
                        {
                            "type": "instagram",
                            "call_count": 10,
                            "total_cputime": 3,
                            "total_time": 3,
                            "estimated_time_to_regain_access": 0,
                        }
                    ],
                    "2": [
                        {
                            "type": "pages",
                            "call_count": 4,
                            "total_cputime": 77,
                            "total_time": 2,
                            "estimated_time_to_regain_access": 19,
                        }
                    ],
                }
            ),
        }
    )
    assert reading.app_pct == 91 and reading.buc_pct == 77 and reading.regain_minutes == 19
    assert set(reading.buc) == {"1", "2"}
    assert parse_usage({}) is None and parse_usage({"X-App-Usage": "not json"}) is None


async def test_rate_limit_error_is_not_retried_and_blocks_the_account(
    client, stub, clock, fb_account, ig_account
):
    stub.on("GET", FB_ME, (*graph_error(80002, is_transient=True), buc(100, regain=19)), (200, {"id": "1"}))
    stub.on("GET", "/ig/v25.0/1784200", (200, {"id": "2"}))
    with pytest.raises(RateLimited) as info:
        await client.get("1784100", fb_account, priority=Priority.PERSON)
    exc = info.value
    assert len(stub.seen) == 1 and clock.sleeps == []  # never retried at once
    assert 19 * 60 <= exc.retry_at - clock.now <= 19 * 60 * 1.1
    assert "@shop" in exc.sentence and "minutes" in exc.sentence and exc.sentence.endswith("(80002)")
    # no calls at all for that account until the regain time, whoever asks
    for priority in (Priority.PERSON, Priority.BACKGROUND):
        with pytest.raises(Throttled):
            await client.get("1784100", fb_account, priority=priority)
    assert len(stub.calls(FB_ME)) == 1
    await client.get("1784200", ig_account)  # another account still works
    clock.advance(exc.retry_at - clock.now + 1)
    assert await client.get("1784100", fb_account) == {"id": "1"}


async def test_rate_limit_without_regain_time_backs_off_exponentially(client, stub, clock, fb_account):
    stub.on("GET", FB_ME, graph_error(17))
    waits = []
    for _ in range(3):
        with pytest.raises(RateLimited) as info:
            await client.get("1784100", fb_account)
        waits.append(info.value.retry_at - clock.now)
        clock.advance(waits[-1] + 1)
    assert 60 <= waits[0] <= 66 and 120 <= waits[1] <= 132 and 240 <= waits[2] <= 264


async def test_app_level_limit_stops_app_calls_and_that_account_not_the_others(client, stub, clock, fb_account,
                                                                                 ig_account):
    stub.on("GET", FB_ME, graph_error(4))
    stub.on("GET", "/ig/v25.0/1784200", (200, {"id": "1784200"}))
    with pytest.raises(RateLimited) as info:
        await client.get("1784100", fb_account)
    assert info.value.scope == "app" and "app" in info.value.sentence
    with pytest.raises(Throttled):
        await client.get("1784100", fb_account, priority=Priority.PERSON)
    with pytest.raises(Throttled):
        await client.app_request("GET", "debug_token", params={"input_token": "x"})
    assert await client.get("1784200", ig_account) == {"id": "1784200"}  # its own BUC budget is untouched
    assert len(stub.seen) == 2


async def test_above_threshold_background_waits_people_go_through(client, stub, clock, fb_account):
    stub.on("GET", FB_ME, (200, {"id": "1"}, buc(85)))
    await client.get("1784100", fb_account)  # usage now 85 %
    with pytest.raises(Throttled) as info:
        await client.get("1784100", fb_account, priority=Priority.BACKGROUND)
    assert info.value.retry_at == pytest.approx(clock.now + 600)
    assert "85%" in info.value.sentence
    await client.get("1784100", fb_account, priority=Priority.PERSON)  # Reply, Hide, Publish now
    assert len(stub.seen) == 2
    clock.advance(601)
    await client.get("1784100", fb_account, priority=Priority.BACKGROUND)
    assert len(stub.seen) == 3


async def test_usage_falling_below_threshold_resumes_background(client, stub, clock, fb_account):
    stub.on("GET", FB_ME, (200, {"id": "1"}, buc(90)), (200, {"id": "1"}, buc(40)), (200, {"id": "1"}))
    await client.get("1784100", fb_account)
    with pytest.raises(Throttled):
        await client.get("1784100", fb_account)
    await client.get("1784100", fb_account, priority=Priority.PERSON)  # answers with 40 %
    await client.get("1784100", fb_account)
    assert len(stub.seen) == 3


async def test_threshold_is_configurable_and_app_usage_pauses_background_app_calls(make_client, stub, fb_account):
    client = make_client(throttle_threshold=50)
    stub.on("GET", "/fb/v25.0/debug_token", (200, {"data": {}}, {"X-App-Usage": {"call_count": 55, "total_time": 1}}))
    stub.on("GET", FB_ME, (200, {"id": "1"}, {"X-App-Usage": {"call_count": 99, "total_time": 1}}))
    await client.app_request("GET", "debug_token", params={"input_token": "x"})
    with pytest.raises(Throttled) as info:
        await client.app_request("GET", "debug_token", params={"input_token": "x"}, priority=Priority.BACKGROUND)
    assert info.value.scope == "app"
    await client.app_request("GET", "debug_token", params={"input_token": "x"})  # a person's connect goes on
    for _ in range(2):  # X-App-Usage on an Instagram call does not count: that budget is the account's BUC
        assert await client.get("1784100", fb_account) == {"id": "1"}
    assert await client.ready_at(fb_account) is None


async def test_business_discovery_and_hashtag_search_count_against_the_app(client, stub, fb_account):
    stub.on("GET", FB_ME, (200, {"id": "1"}, {"X-App-Usage": {"call_count": 90, "total_time": 1}}))
    await client.get("1784100", fb_account, params={"fields": "business_discovery.username(other){id}"})
    assert await client.ready_at(None) is not None and await client.ready_at(fb_account) is None
    with pytest.raises(Throttled):
        await client.get("1784100", fb_account, params={"fields": "business_discovery.username(x){id}"})
    with pytest.raises(Throttled):
        await client.get("ig_hashtag_search", fb_account, params={"q": "mugs", "user_id": "1784100"})


async def test_throttle_survives_a_restart(make_client, stub, clock, store, fb_account):
    stub.on("GET", FB_ME, (*graph_error(80002), buc(100, regain=30)), (200, {"id": "1"}))
    first = make_client()
    with pytest.raises(RateLimited) as info:
        await first.get("1784100", fb_account)
    retry_at = info.value.retry_at
    assert store.usage["account:1784100"]["blocked_until"] == retry_at
    # a new process reloads the persisted window and honours it
    second = make_client()
    with pytest.raises(Throttled):
        await second.get("1784100", fb_account, priority=Priority.PERSON)
    assert (await second.usage(fb_account))["account"]["blocked_until"] == retry_at
    assert await second.ready_at(fb_account) == retry_at
    assert len(stub.seen) == 1
    clock.advance(retry_at - clock.now + 1)
    third = make_client()
    assert await third.get("1784100", fb_account) == {"id": "1"}


async def test_background_pause_survives_a_restart(make_client, stub, clock, fb_account):
    stub.on("GET", FB_ME, (200, {"id": "1"}, buc(95)))
    await make_client().get("1784100", fb_account)
    restarted = make_client()
    with pytest.raises(Throttled):
        await restarted.get("1784100", fb_account, priority=Priority.BACKGROUND)
    await restarted.get("1784100", fb_account, priority=Priority.PERSON)
    usage = await restarted.usage(fb_account)
    assert usage["account"]["pct"] == 95 and usage["account"]["background_paused_until"]


async def test_usage_at_100_blocks_until_regain(client, stub, clock, fb_account):
    stub.on("GET", FB_ME, (200, {"id": "1"}, buc(100, regain=5)))
    await client.get("1784100", fb_account)
    with pytest.raises(Throttled) as info:
        await client.get("1784100", fb_account, priority=Priority.PERSON)
    assert info.value.retry_at == pytest.approx(clock.now + 300)


async def test_the_instagram_host_usage_in_x_app_usage_alone_is_the_accounts(client, stub, ig_account, fb_account):
    stub.on("GET", "/ig/v25.0/1784200", (200, {"id": "1784200"}, {"X-App-Usage": {"call_count": 85, "total_time": 1}}))
    stub.on("GET", FB_ME, (200, {"id": "1"}))
    await client.get("1784200", ig_account)
    with pytest.raises(Throttled) as info:
        await client.get("1784200", ig_account)
    assert info.value.scope == "account" and "@studio" in info.value.sentence
    assert await client.ready_at(None) is None and await client.get("1784100", fb_account) == {"id": "1"}
