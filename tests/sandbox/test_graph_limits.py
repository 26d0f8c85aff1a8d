"""Batch requests, usage headers, 80002 throttling, fault injection and call counting."""

from __future__ import annotations

import json
import re

from sandbox.graph import GraphEmulator


async def test_batch_counts_each_sub_request(emu: GraphEmulator, api, fb, FB) -> None:
    media = [emu.add_media(fb, like_count=5) for _ in range(3)]
    batch = [{"method": "GET", "relative_url": f"{m.id}/insights?metric=reach,views"} for m in media]
    batch.append({"method": "GET", "relative_url": "v25.0/999/insights?metric=reach"})
    r = await api.post(FB, "/", token=fb.token, form={"batch": json.dumps(batch), "include_headers": "false"})
    assert r.status == 200 and len(r.body) == 4
    assert [x["code"] for x in r.body] == [200, 200, 200, 400]
    assert "headers" not in r.body[0]
    assert json.loads(r.body[0]["body"])["data"][0]["name"] == "reach"
    assert json.loads(r.body[3]["body"])["error"]["code"] == 100
    assert emu.count_calls() == 4
    assert emu.count_http_requests() == 1
    assert emu.count_calls(path="/{ig-media-id}/insights") == 3  # the unknown id matched no endpoint
    assert sum(1 for c in emu.calls if c.is_batch_sub) == 4


async def test_batch_limits_and_references(emu, api, fb, FB) -> None:
    too_many = [{"method": "GET", "relative_url": "me"}] * 51
    r = await api.post(FB, "/", token=fb.token, form={"batch": json.dumps(too_many)})
    assert r.code == (1, None) and "Maximum batch size is 50" in r.error["message"]
    emu.add_media(fb)
    batch = [
        {"method": "GET", "name": "list", "relative_url": f"{fb.ig_user_id}/media?limit=1"},
        {"method": "GET", "relative_url": "?ids={result=list:$.data.*.id}&fields=id"},
        {"method": "GET", "relative_url": "{result=list:$.data.0.id}?fields=media_type"},
    ]
    r = await api.post(FB, "/", token=fb.token, form={"batch": json.dumps(batch)})
    assert r.body[0] is None  # referenced by later requests: omitted on success
    assert json.loads(r.body[2]["body"]) == {"media_type": "IMAGE"}


async def test_batch_sub_request_post_body(emu, api, fb, FB) -> None:
    m = emu.add_media(fb)
    c = emu.add_comment(m, "hello")
    batch = [{"method": "POST", "relative_url": f"{c.id}/replies", "body": "message=Thanks%21"}]
    r = await api.post(FB, "/", token=fb.token, json_body={"batch": batch})
    assert r.body[0]["code"] == 200
    reply_id = json.loads(r.body[0]["body"])["id"]
    assert emu.state.comments[reply_id].text == "Thanks!"


async def test_usage_headers_appear_after_some_calls(emu, api, fb, FB) -> None:
    r = await api.get(FB, f"/{fb.ig_user_id}", token=fb.token)
    assert "X-Business-Use-Case-Usage" not in r.headers
    for _ in range(3):
        r = await api.get(FB, f"/{fb.ig_user_id}", token=fb.token)
    buc = json.loads(r.headers["X-Business-Use-Case-Usage"])
    entry = buc[fb.ig_user_id][0]
    assert entry["type"] == "instagram" and set(entry) >= {
        "call_count",
        "total_cputime",
        "total_time",
        "estimated_time_to_regain_access",
    }
    assert "X-App-Usage" not in r.headers  # Instagram calls count against the account's BUC, not the app
    assert emu.limiter.app_calls == []


async def test_app_token_calls_count_against_the_platform_limit_of_200_per_user_and_hour(emu, api, fb, FB,
                                                                                       clock) -> None:
    app_token = f"{emu.app_id}|{emu.app_secret}"
    budget = 200 * emu.app_users()
    for _ in range(budget):
        r = await api.get(FB, "/debug_token", token=app_token, input_token=fb.token)
        assert r.status == 200
    usage = json.loads(r.headers["X-App-Usage"])
    assert usage["call_count"] == 100 and "X-Business-Use-Case-Usage" not in r.headers
    r = await api.get(FB, "/debug_token", token=app_token, input_token=fb.token)
    assert r.code == (4, None)
    assert (await api.get(FB, f"/{fb.ig_user_id}", token=fb.token)).status == 200  # the account's BUC is apart
    assert len(fb.call_times) == 1
    clock.advance(3601)
    assert (await api.get(FB, "/debug_token", token=app_token, input_token=fb.token)).status == 200


async def test_buc_keyed_by_page_id_option(clock, api) -> None:
    emu = GraphEmulator(clock=clock, buc_key="page_id", usage_headers_after=0)
    async with emu:
        fb = emu.add_account("demo_shop")
        r = await api.get(emu.urls.graph_facebook, f"/{fb.ig_user_id}", token=fb.token)
        assert list(json.loads(r.headers["X-Business-Use-Case-Usage"])) == [fb.page_id]


async def test_throttling_80002_when_budget_runs_out(emu, api, FB, clock) -> None:
    small = emu.add_account("tiny_shop", call_budget=5)
    for _ in range(5):
        assert (await api.get(FB, f"/{small.ig_user_id}", token=small.token)).status == 200
    r = await api.get(FB, f"/{small.ig_user_id}", token=small.token)
    assert r.code == (80002, None) and r.error["is_transient"] is True
    buc = json.loads(r.headers["X-Business-Use-Case-Usage"])[small.ig_user_id][0]
    assert buc["call_count"] == 100 and buc["estimated_time_to_regain_access"] >= 1
    clock.advance(86400 + 1)
    assert (await api.get(FB, f"/{small.ig_user_id}", token=small.token)).status == 200


async def test_forced_throttle(emu, api, fb, FB, clock) -> None:
    emu.throttle(fb, minutes=10)
    r = await api.get(FB, f"/{fb.ig_user_id}", token=fb.token)
    assert r.code[0] == 80002
    assert (
        json.loads(r.headers["X-Business-Use-Case-Usage"])[fb.ig_user_id][0][
            "estimated_time_to_regain_access"
        ]
        == 10
    )
    clock.advance(601)
    assert (await api.get(FB, f"/{fb.ig_user_id}", token=fb.token)).status == 200


async def test_inject_one_shot_error(emu, api, fb, FB) -> None:
    emu.inject_error(method="GET", path="/{ig-user-id}/media", code=2, http_status=500, is_transient=True)
    r = await api.get(FB, f"/{fb.ig_user_id}/media", token=fb.token)
    assert r.status == 500 and r.code == (2, None)
    assert (await api.get(FB, f"/{fb.ig_user_id}/media", token=fb.token)).status == 200
    emu.inject_error(path=re.compile(r"/media$"), code=-1, subcode=2207001, times=2)
    assert (await api.get(FB, f"/{fb.ig_user_id}/media", token=fb.token)).code == (-1, 2207001)
    assert (await api.get(FB, f"/{fb.ig_user_id}/media", token=fb.token)).code == (-1, 2207001)
    assert (await api.get(FB, f"/{fb.ig_user_id}/media", token=fb.token)).status == 200
    assert emu.count_calls(error_code=-1) == 2


async def test_inject_error_after_effect_loses_the_response(emu, api, fb, FB) -> None:
    m = emu.add_media(fb)
    c = emu.add_comment(m, "hi")
    emu.inject_error(
        method="POST", path="/{ig-comment-id}/replies", code=1, http_status=500, after_effect=True
    )
    r = await api.post(FB, f"/{c.id}/replies", token=fb.token, message="thanks")
    assert r.status == 500
    assert [x.text for x in emu.state.comments.values() if x.parent_id == c.id] == ["thanks"]


async def test_transient_error_rate(clock, api) -> None:
    emu = GraphEmulator(clock=clock, seed=3)
    async with emu:
        fb = emu.add_account("demo_shop")
        emu.set_transient_error_rate(0.5)
        codes = [
            (await api.get(emu.urls.graph_facebook, f"/{fb.ig_user_id}", token=fb.token)).code[0]
            for _ in range(40)
        ]
        failures = [c for c in codes if c is not None]
        assert 5 < len(failures) < 35 and set(failures) <= {1, 2}


async def test_latency(clock, api) -> None:
    import time

    emu = GraphEmulator(clock=clock)
    async with emu:
        fb = emu.add_account("demo_shop")
        emu.set_latency(0.05)
        start = time.monotonic()
        await api.get(emu.urls.graph_facebook, f"/{fb.ig_user_id}", token=fb.token)
        assert time.monotonic() - start >= 0.05
        r = await api.post(emu.urls.graph_facebook, "/_sandbox/latency", version=None, form={"seconds": "0.2"})
        assert r.body == {"latency": 0.2} and emu.faults.latency == 0.2
        start = time.monotonic()
        await api.get(emu.urls.graph_facebook, f"/{fb.ig_user_id}", token=fb.token)
        assert time.monotonic() - start >= 0.2
        r = await api.post(emu.urls.graph_facebook, "/_sandbox/latency", version=None, form={"seconds": "-1"})
        assert r.status == 400 and emu.faults.latency == 0.2


async def test_control_routes(emu, api, fb, FB, clock) -> None:
    m = emu.add_media(fb)
    r = await api.post(FB, "/_sandbox/comments", version=None, json_body={"media_id": m.id, "text": "nice"})
    assert r.status == 200 and emu.state.comments[r.body["id"]].text == "nice"
    r = await api.post(FB, "/_sandbox/errors", version=None, json_body={"code": 4, "path": "/{ig-user-id}"})
    assert (await api.get(FB, f"/{fb.ig_user_id}", token=fb.token)).code == (4, None)
    async with api.session.get(f"{FB}/_sandbox/calls", params={"path": "/{ig-user-id}"}) as resp:
        body = await resp.json()
    assert body["graph_calls"] == 1 and body["calls"][0]["error_code"] == 4
    r = await api.post(FB, "/_sandbox/clock/advance", version=None, json_body={"seconds": 60})
    assert r.body["now"] == clock()
    r = await api.get(FB, "/_sandbox/state", version=None)
    assert r.body["accounts"][0]["token"] == fb.token
    r = await api.post(FB, "/_sandbox/mentions", version=None, json_body={"account": "demo_shop"})
    assert r.status == 200


async def test_control_routes_take_form_fields_and_list_themselves(emu, api, fb, FB) -> None:
    m = emu.add_media(fb)
    r = await api.post(FB, "/_sandbox/comments", version=None, form={"media_id": m.id, "text": "Gorgeous glaze"})
    assert r.status == 200 and emu.state.comments[r.body["id"]].text == "Gorgeous glaze"
    for path in ("/_sandbox/", "/_sandbox"):
        r = await api.get(FB, path, version=None)
        assert r.status == 200 and "POST /_sandbox/comments" in r.body and "GET  /_sandbox/state" in r.body
    story = emu.add_media(fb, media_product_type="STORY")
    r = await api.post(FB, "/_sandbox/comments", version=None, form={"media_id": story.id, "text": "hi"})
    assert r.status == 400 and "stories" in r.body["error"]
    r = await api.post(FB, "/_sandbox/errors", version=None, form={"code": "four"})
    assert r.status == 400 and "wrong form" in r.body["error"]
    r = await api.post(FB, "/_sandbox/errors", version=None, form={"code": "4", "after_effect": "false",
                                                                    "path": "/{ig-user-id}"})
    assert r.status == 200 and not emu.faults.injected[0].after_effect
    async with api.session.post(f"{FB}/_sandbox/comments", data="{oops",
                                headers={"Content-Type": "application/json"}) as resp:
        assert resp.status == 400


async def test_media_control_route_makes_a_url_fail_or_serve(emu, api, fb, FB) -> None:
    url = "https://cdn.shop.example/hero.jpg"
    r = await api.post(FB, "/_sandbox/media", version=None, form={"url": url, "fail_code": "9004/2207052"})
    assert r.status == 200
    r = await api.post(FB, f"/{fb.ig_user_id}/media", token=fb.token, image_url=url)
    assert r.code == (9004, 2207052)
    await api.post(FB, "/_sandbox/media", version=None, json_body={"url": url, "width": 3000, "height": 1000})
    r = await api.post(FB, f"/{fb.ig_user_id}/media", token=fb.token, image_url=url)
    assert r.code == (36003, 2207009)
    r = await api.post(FB, "/_sandbox/media", version=None, form={"url": url, "fail_code": "nine"})
    assert r.status == 400 and "fail_code" in r.body["error"]


async def test_inject_delay_unknown_outcome(emu, api, fb, FB) -> None:
    import asyncio

    import aiohttp

    cid = (
        await api.post(
            FB, f"/{fb.ig_user_id}/media", token=fb.token, image_url="https://cdn.example/img/square.jpg"
        )
    ).body["id"]
    emu.inject_delay(0.2, method="POST", path="/{ig-user-id}/media_publish")
    url = f"{FB}/v25.0/{fb.ig_user_id}/media_publish"
    timeout = aiohttp.ClientTimeout(total=0.05)
    try:
        async with api.session.post(
            url, params={"creation_id": cid}, timeout=timeout, headers={"Authorization": f"Bearer {fb.token}"}
        ):
            raise AssertionError("the response should have been held")
    except TimeoutError:
        pass
    await asyncio.sleep(0.2)
    r = await api.get(FB, f"/{cid}", token=fb.token, fields="status_code")
    assert r.body["status_code"] == "PUBLISHED"
