"""POST/GET /webhooks/instagram: signatures, sizes, malformed bodies, deduplication, stored before 200."""

from __future__ import annotations

import asyncio
import json

from bot.comments.seen import WebhookSeen
from storage import inbox as inbox_rows
from storage.db import Store
from tests.comments.conftest import META_SECRET, SHOP_IG, deliver, delivery, eventually, meta_signature

OTHER_IG = "17841400000000002"  # a second account's deliveries


def comment_value(cid: str, text: str = "Nice!", user: str = "anna") -> dict:
    return {"id": cid, "from": {"id": "901", "username": user}, "text": text,
            "media": {"id": "18000000000000001", "media_product_type": "FEED"}}


async def inbox(deps) -> list[dict]:
    return await deps.store.run(lambda db: list(db["inbox"].rows_where(order_by="id")))


async def test_verification_answers_the_challenge_only_with_the_right_token(bot):
    ok = await bot.get("/webhooks/instagram", params={"hub.mode": "subscribe", "hub.verify_token": "verify-me",
                                                      "hub.challenge": "1158201444"})
    assert ok.status == 200 and await ok.text() == "1158201444"
    wrong = await bot.get("/webhooks/instagram", params={"hub.mode": "subscribe", "hub.verify_token": "nope",
                                                         "hub.challenge": "1"})
    missing = await bot.get("/webhooks/instagram", params={"hub.challenge": "1"})
    assert (wrong.status, missing.status) == (403, 403)


async def test_missing_bad_and_stale_signatures_are_refused_and_nothing_is_stored(bot, deps):
    body = delivery([(SHOP_IG, "comments", comment_value("1"))])
    unsigned = await bot.post("/webhooks/instagram", data=body)
    wrong = await deliver(bot, [], body=body, secret="not-the-secret")
    old_secret = await deliver(bot, [], body=body, secret="rotated-away-secret")
    other_body = await bot.post("/webhooks/instagram", data=body.replace(b"Nice!", b"Nasty"),
                                headers={"X-Hub-Signature-256": meta_signature(body, META_SECRET)})
    sha1_only = await bot.post("/webhooks/instagram", data=body, headers={"X-Hub-Signature": "sha1=abc"})
    assert [r.status for r in (unsigned, wrong, old_secret, other_body, sha1_only)] == [403] * 5
    assert await inbox(deps) == []
    assert 'igbot_webhook_deliveries_total{result="bad_signature"} 5.0' in \
        (await (await bot.get("/metrics")).text())


async def test_signature_under_the_instagram_app_secret_is_accepted(aiohttp_client, base_env, slack):
    from bot.app import create_app
    from bot.config import Config

    config = Config.from_env({**base_env, "SLACK_API_URL": slack.api_url, "INSTAGRAM_APP_SECRET": "ig-secret"})
    client = await aiohttp_client(create_app(config))
    body = delivery([(SHOP_IG, "comments", comment_value("7"))])
    assert (await deliver(client, [], body=body, secret="ig-secret")).status == 200
    assert (await deliver(client, [], body=body, secret=META_SECRET)).status == 200


async def test_oversize_bodies_get_413_without_being_read(bot, deps):
    async def endless():
        chunk = b" " * (1024 * 1024)
        for _ in range(40):
            yield chunk

    streamed = await bot.post("/webhooks/instagram", data=endless())  # chunked: no Content-Length
    assert streamed.status == 413
    announced = await bot.post("/webhooks/instagram", data=b"{}", headers={
        "Content-Length": str(32 * 1024 * 1024 + 1), "Connection": "close"})  # refused on the header alone
    assert announced.status == 413
    assert await inbox(deps) == []


async def test_malformed_bodies_are_400_and_other_objects_200_ignored(bot, deps):
    for raw in (b"not json", b"[1,2]", b'{"object":"instagram","entry":{}}', b'{"entry":[]}',
                b"[" * 10_000 + b"]" * 10_000):
        response = await deliver(bot, [], body=raw)
        assert response.status == 400, raw
    page = await deliver(bot, [], body=json.dumps({"object": "page", "entry": [{"id": "1", "changes": []}]}).encode())
    assert page.status == 200 and await inbox(deps) == []


async def test_invalid_changes_are_counted_and_dropped_and_the_valid_ones_stored(bot, deps):
    bad_values = [{"id": ["17855"], "text": "x"}, {"id": True}, {"id": "178\x0055"}, {"id": {"a": 1}},
                  {"id": "900", "from": {"id": "5", "username": 7}}, {"id": "901", "text": ["x"]}, {}]
    changes = [(SHOP_IG, "comments", value) for value in bad_values] + [(SHOP_IG, "comments", comment_value("902"))]
    raw = json.loads(delivery(changes))
    raw["entry"].append({"changes": [{"field": "comments", "value": comment_value("903")}]})  # no entry id
    response = await deliver(bot, [], body=json.dumps(raw).encode())
    assert response.status == 200
    assert [r["object_id"] for r in await inbox(deps)] == ["902"]
    metrics = await (await bot.get("/metrics")).text()
    assert 'igbot_webhook_changes_total{field="comments",outcome="invalid"} 8.0' in metrics


async def test_every_change_is_stored_before_200_and_deduplicated(bot, deps):
    changes = [(SHOP_IG, "comments", comment_value("111")), (SHOP_IG, "comments", comment_value("111")),
               (SHOP_IG, "comments", {"comment_id": "112", "text": "fb-login shape", "from": {"id": "5"},
                                      "media": {"id": "18000000000000001"}}),
               (SHOP_IG, "mentions", {"media_id": "18000000000000009"}),
               (SHOP_IG, "story_insights", {"media_id": "1", "reach": 4})]
    for _ in range(3):  # Meta retries: the same delivery three times
        response = await deliver(bot, changes)
        assert response.status == 200
    rows = await inbox(deps)
    assert len(rows) == 4
    assert [(r["field"], r["object_id"]) for r in rows][:3] == [
        ("comments", "111"), ("comments", "112"), ("mentions", "media:18000000000000009")]
    assert {r["object_id"] for r in rows if r["field"] == "comments"} == {"111", "112"}


async def test_when_webhooks_last_arrived_is_written_in_batches_not_per_delivery(bot, deps):
    assert (await deliver(bot, [(SHOP_IG, "comments", comment_value("301"))])).status == 200
    assert await deps.store.run(inbox_rows.webhook_seen, SHOP_IG) is None  # no meta write on the delivery path
    noted = await deps.webhook_seen.last(deps.store, SHOP_IG)  # what the sync reads: already known in memory
    assert noted is not None
    assert await deps.webhook_seen.flush(deps.store) == 1
    first = await deps.store.run(inbox_rows.webhook_seen, SHOP_IG)
    assert first == noted == await deps.webhook_seen.last(deps.store, SHOP_IG)
    assert (await deliver(bot, [(SHOP_IG, "comments", comment_value("302")),
                                (OTHER_IG, "comments", comment_value("303"))])).status == 200
    assert await deps.store.run(inbox_rows.webhook_seen, SHOP_IG) == first
    assert await deps.webhook_seen.flush(deps.store) == 2
    assert await deps.store.run(inbox_rows.webhook_seen, SHOP_IG) > first
    assert await deps.store.run(inbox_rows.webhook_seen, OTHER_IG) is not None


async def test_noted_webhook_moments_are_stored_at_shutdown_and_never_go_back(tmp_path):
    store = Store.open(str(tmp_path / "seen.db"))
    try:
        store.run_sync(inbox_rows.note_webhooks_seen, {SHOP_IG: "2026-12-06T10:00:00.000000Z"})
        seen = WebhookSeen(clock=lambda: "2026-12-06T09:00:00.000000Z")  # another instance's older moment
        worker = asyncio.create_task(seen.run(store, every=3600))
        seen.note([SHOP_IG, OTHER_IG])
        await asyncio.sleep(0)
        worker.cancel()
        await asyncio.gather(worker, return_exceptions=True)
        assert store.run_sync(inbox_rows.webhook_seen, SHOP_IG) == "2026-12-06T10:00:00.000000Z"
        assert store.run_sync(inbox_rows.webhook_seen, OTHER_IG) == "2026-12-06T09:00:00.000000Z"
    finally:
        store.close()


async def test_the_instagram_login_sample_without_a_changes_wrapper_is_understood(bot, deps):
    body = json.dumps({"object": "instagram", "entry": [{"id": SHOP_IG, "time": 1, "field": "comments",
                                                          "value": comment_value("555")}]}).encode()
    assert (await deliver(bot, [], body=body)).status == 200
    assert [r["object_id"] for r in await inbox(deps)] == ["555"]


async def test_a_failing_store_is_a_500_so_meta_retries(bot, deps, monkeypatch):
    async def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(deps.store, "run", broken)
    response = await deliver(bot, [(SHOP_IG, "comments", comment_value("9"))])
    assert response.status == 500


async def test_deliveries_arriving_together_share_one_commit_and_each_is_answered_after_it(bot, deps, monkeypatch):
    run, gate, batches = deps.store.run, asyncio.Event(), []

    async def gated(fn, *args, **kwargs):
        if fn is inbox_rows.add_deliveries:
            batches.append(len(args[0]))
            if len(batches) == 1:
                await gate.wait()
        return await run(fn, *args, **kwargs)

    monkeypatch.setattr(deps.store, "run", gated)

    def send(i: int) -> asyncio.Task:
        return asyncio.create_task(deliver(bot, [(SHOP_IG, "comments", comment_value(str(500 + i % 19)))]))

    sending = [send(0)]
    await eventually(lambda: asyncio.sleep(0, batches == [1]))  # the first write is under way, and slow
    sending += [send(i) for i in range(1, 20)]  # the last one repeats the first

    async def gathered():
        return sum(len(changes) for changes, _, _ in deps.inbox_writer._waiting) == 19

    await eventually(gathered)
    assert await inbox(deps) == [] and not any(task.done() for task in sending)  # no 200 before the commit
    gate.set()
    assert [r.status for r in await asyncio.gather(*sending)] == [200] * 20
    assert batches == [1, 19]  # two commits for twenty deliveries
    assert sorted(int(r["object_id"]) for r in await inbox(deps)) == list(range(500, 519))


async def test_a_failed_group_write_is_a_500_for_each_of_its_deliveries(bot, deps, monkeypatch):
    run = deps.store.run

    async def broken(fn, *args, **kwargs):
        if fn is inbox_rows.add_deliveries:
            raise RuntimeError("disk full")
        return await run(fn, *args, **kwargs)

    monkeypatch.setattr(deps.store, "run", broken)
    responses = await asyncio.gather(*(deliver(bot, [(SHOP_IG, "comments", comment_value(str(600 + i)))])
                                       for i in range(5)))
    assert [r.status for r in responses] == [500] * 5
    monkeypatch.setattr(deps.store, "run", run)
    assert (await deliver(bot, [(SHOP_IG, "comments", comment_value("600"))])).status == 200  # Meta's retry
