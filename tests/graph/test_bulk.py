"""Reading in bulk: pagination, batches (counted per sub-request), and media with insights."""

import json

import pytest

from bot.graph import AccountNeedsReconnect, BatchRequest, NotFound, TransientError, insights
from bot.graph.comments import list_comments

from .conftest import TOKEN, graph_error

MEDIA = "/fb/v25.0/1784100/media"


def paged(stub, path, pages, *, leak_token=True):
    """Route path to answer the given pages, each linking to the next via ?after=<n>."""

    def answer(seen):
        n = int(seen.query.get("after", "0"))
        body = {"data": pages[n]}
        if n + 1 < len(pages):
            q = f"after={n + 1}&limit=2" + (f"&access_token={TOKEN}" if leak_token else "")
            body["paging"] = {"cursors": {"after": str(n + 1)}, "next": f"{stub.base}{path}?{q}"}
        return 200, body

    stub.on("GET", path, answer)


async def test_pagination_follows_three_pages_without_the_token_in_the_url(client, stub, fb_account):
    paged(
        stub,
        "/fb/v25.0/179/comments",
        [[{"id": "a"}, {"id": "b"}], [{"id": "c"}, {"id": "d"}], [{"id": "e"}]],
    )
    got = [c["id"] async for c in list_comments(client, fb_account, "179")]
    assert got == ["a", "b", "c", "d", "e"]
    assert len(stub.seen) == 3
    for seen in stub.seen:
        assert "access_token" not in seen.query
        assert seen.headers["Authorization"] == f"Bearer {TOKEN}"
        assert "appsecret_proof" in seen.query
    assert stub.seen[1].query["after"] == "1" and stub.seen[2].query["after"] == "2"


async def test_pagination_caps(client, stub, fb_account):
    paged(
        stub,
        "/fb/v25.0/179/comments",
        [[{"id": "a"}, {"id": "b"}], [{"id": "c"}, {"id": "d"}], [{"id": "e"}]],
    )
    got = [c async for c in list_comments(client, fb_account, "179", max_items=3)]
    assert len(got) == 3 and len(stub.seen) == 2
    pages = [p async for p in client.pages("179/comments", fb_account, max_pages=1)]
    assert len(pages) == 1


async def test_pagination_does_not_follow_another_host(client, stub, fb_account):
    stub.on(
        "GET",
        "/fb/v25.0/179/comments",
        (200, {"data": [{"id": "a"}], "paging": {"next": "https://evil.example/v25.0/179/comments?after=x"}}),
    )
    got = [c async for c in list_comments(client, fb_account, "179")]
    assert got == [{"id": "a"}] and len(stub.seen) == 1


async def test_empty_page_with_next_is_followed(client, stub, fb_account):
    paged(stub, "/fb/v25.0/179/comments", [[], [{"id": "z"}]])
    assert [c["id"] async for c in list_comments(client, fb_account, "179")] == ["z"]


def batch_answer(seen):
    reqs = json.loads(seen.form["batch"])
    out = []
    for r in reqs:
        media_id = r["relative_url"].split("/")[0]
        if media_id == "bad":
            out.append({"code": 400, "body": json.dumps(graph_error(100, 33)[1])})
        elif media_id == "lost":
            out.append(None)
        else:
            data = [{"name": "reach", "period": "lifetime", "values": [{"value": int(media_id)}]}]
            out.append({"code": 200, "body": json.dumps({"data": data})})
    return 200, out


async def test_120_batched_calls_are_three_requests_counted_as_120(client, stub, fb_account):
    stub.on("POST", "/fb/v25.0/", batch_answer)
    reqs = [BatchRequest(f"{i}/insights", {"metric": "reach"}) for i in range(120)]
    results = await client.batch(fb_account, reqs)
    assert [r["data"][0]["values"][0]["value"] for r in results] == list(range(120))
    assert [len(json.loads(s.form["batch"])) for s in stub.seen] == [50, 50, 20]
    assert client.counters.calls == 120 and client.counters.http_requests == 3
    first = json.loads(stub.seen[0].form["batch"])[0]
    assert first == {"method": "GET", "relative_url": "0/insights?metric=reach"}
    assert stub.seen[0].form["include_headers"] == "false"
    assert stub.seen[0].headers["Authorization"] == f"Bearer {TOKEN}"
    assert "access_token" not in stub.seen[0].form and "access_token" not in stub.seen[0].query


async def test_batch_sub_results_carry_their_own_errors(client, stub, clock, fb_account):
    stub.on("POST", "/fb/v25.0/", batch_answer)
    results = await client.batch(fb_account, ["1/insights", "bad/insights", "lost/insights"])
    assert results[0]["data"][0]["values"][0]["value"] == 1
    assert isinstance(results[1], NotFound) and "item bad" in results[1].sentence
    assert isinstance(results[2], TransientError)
    # the lost sub-request was retried (in later batches) with backoff, then given up
    assert len(stub.seen) == 4 and len(clock.sleeps) == 3
    assert [len(json.loads(s.form["batch"])) for s in stub.seen] == [3, 1, 1, 1]
    assert client.counters.calls == 6


async def test_batch_token_error_marks_the_account(client, stub, store, fb_account):
    def answer(seen):
        n = len(json.loads(seen.form["batch"]))
        return 200, [{"code": 400, "body": json.dumps(graph_error(190, 463)[1])}] * n

    stub.on("POST", "/fb/v25.0/", answer)
    results = await client.batch(fb_account, [f"{i}/insights" for i in range(60)])
    assert isinstance(results[0], AccountNeedsReconnect)
    assert all(isinstance(r, AccountNeedsReconnect) for r in results[50:])
    assert await store.needs_reconnect("1784100") and len(stub.seen) == 1  # second chunk never sent


async def test_no_batch_on_the_instagram_host(client, stub, ig_account):
    with pytest.raises(ValueError):
        await client.batch(ig_account, ["1/insights"])
    for i in range(3):
        stub.on(
            "GET", f"/ig/v25.0/{i}/insights", (200, {"data": [{"name": "reach", "values": [{"value": i}]}]})
        )
    results = await client.get_many(
        ig_account, [BatchRequest(f"{i}/insights", {"metric": "reach"}) for i in range(3)]
    )
    assert [r["data"][0]["values"][0]["value"] for r in results] == [0, 1, 2]
    assert len(stub.seen) == 3 and all(s.method == "GET" for s in stub.seen)
    assert client.counters.calls == 3 and client.counters.http_requests == 3


def media_page(ids, *, with_insights):
    data = []
    for i in ids:
        item = {"id": str(i), "media_product_type": "FEED"}
        if with_insights:
            item["insights"] = {"data": [{"name": "reach", "period": "lifetime", "values": [{"value": i}]}]}
        data.append(item)
    return data


async def test_media_with_insights_uses_expansion(client, stub, fb_account):
    def answer(seen):
        assert "insights.metric(reach,views)" in seen.query["fields"]
        after = int(seen.query.get("after", "0"))
        body = {"data": media_page(range(after, after + 2), with_insights=True)}
        if after < 4:
            body["paging"] = {"next": f"{stub.base}{MEDIA}?fields={seen.query['fields']}&after={after + 2}"}
        return 200, body

    stub.on("GET", MEDIA, answer)
    got = await insights.media_with_insights(client, fb_account, metrics=("reach", "views"), max_items=5)
    assert [m["insights"] for m in got] == [{"reach": i} for i in range(5)]
    assert len(stub.seen) == 3 and client.counters.calls == 3


@pytest.mark.parametrize("login", ["facebook", "instagram"])
async def test_media_with_insights_falls_back_per_media(make_client, stub, fb_account, ig_account, login):
    client = make_client()
    account = fb_account if login == "facebook" else ig_account
    prefix = "/fb" if login == "facebook" else "/ig"
    path = f"{prefix}/v25.0/{account.ig_user_id}/media"

    def answer(seen):
        if "insights" in seen.query["fields"]:
            return graph_error(100, message="(#100) metric views is not supported for this media")
        return 200, {"data": media_page([1, 2, 3], with_insights=False)}

    stub.on("GET", path, answer)
    stub.on("POST", "/fb/v25.0/", batch_answer)
    for i in (1, 2, 3):
        stub.on(
            "GET", f"/ig/v25.0/{i}/insights", (200, {"data": [{"name": "reach", "values": [{"value": i}]}]})
        )
    got = await insights.media_with_insights(client, account, metrics=("reach", "views"), max_items=3)
    assert [m["insights"] for m in got] == [{"reach": 1}, {"reach": 2}, {"reach": 3}]
    if login == "facebook":
        assert [s.method for s in stub.seen] == ["GET", "GET", "POST"]  # refused, plain page, one batch
        assert client.counters.calls == 5 and client.counters.http_requests == 3
    else:
        assert [s.method for s in stub.seen] == ["GET"] * 5  # no batch on graph.instagram.com
        assert client.counters.calls == 5


async def test_per_media_insight_refusal_is_kept_on_the_item(client, stub, fb_account):
    def answer(seen):
        if "insights" in seen.query["fields"]:
            return graph_error(100)
        return 200, {"data": [{"id": "1"}, {"id": "bad"}]}

    stub.on("GET", MEDIA, answer)
    stub.on("POST", "/fb/v25.0/", batch_answer)
    got = await insights.media_with_insights(client, fb_account, max_items=2)
    assert got[0]["insights"] == {"reach": 1}
    assert got[1]["insights"] == {} and "media bad" in got[1]["insights_error"]


async def test_account_insights_split_when_a_metric_is_refused(client, stub, fb_account):
    def answer(seen):
        metric = seen.query["metric"]
        if "follows_and_unfollows" in metric:
            return graph_error(100, message="(#100) follows_and_unfollows needs 100 followers")
        return 200, {"data": [{"name": m, "total_value": {"value": 7}} for m in metric.split(",")]}

    stub.on("GET", "/fb/v25.0/1784100/insights", answer)
    out = await insights.account_insights(client, fb_account, metrics=("reach", "follows_and_unfollows"))
    assert out["values"] == {"reach": 7}
    assert "follows_and_unfollows" in out["errors"]
    assert stub.seen[0].query["metric_type"] == "total_value" and stub.seen[0].query["period"] == "day"


async def test_account_insights_drops_the_metrics_meta_names_in_one_more_call(client, stub, fb_account):
    def answer(seen):
        metric = seen.query["metric"]
        if "follows_and_unfollows" in metric:
            return graph_error(
                100, message="(#100) The following metrics (follows_and_unfollows) need at least 100 followers"
            )
        return 200, {"data": [{"name": m, "total_value": {"value": 7}} for m in metric.split(",")]}

    stub.on("GET", "/fb/v25.0/1784100/insights", answer)
    metrics = ("reach", "views", "likes", "follows_and_unfollows")
    out = await insights.account_insights(client, fb_account, metrics=metrics)
    assert out["values"] == {"reach": 7, "views": 7, "likes": 7}
    assert list(out["errors"]) == ["follows_and_unfollows"]
    assert [s.query["metric"] for s in stub.seen] == ["reach,views,likes,follows_and_unfollows", "reach,views,likes"]
    assert client.counters.calls == 2


async def test_account_insights_ignores_metric_lists_outside_parentheses(client, stub, fb_account):
    def answer(seen):
        metric = seen.query["metric"]
        if "," in metric or metric == "follows_and_unfollows":
            return graph_error(100, message="(#100) metric[0] must be one of the following values: reach, views")
        return 200, {"data": [{"name": metric, "total_value": {"value": 3}}]}

    stub.on("GET", "/fb/v25.0/1784100/insights", answer)
    out = await insights.account_insights(client, fb_account, metrics=("reach", "follows_and_unfollows"))
    assert out["values"] == {"reach": 3} and list(out["errors"]) == ["follows_and_unfollows"]
    assert client.counters.calls == 3  # the combined call, then one per metric
