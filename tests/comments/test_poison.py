"""A row whose processing raises is set aside with its reason and raw input; the rest of the work goes on.

Seen in /healthz, /metrics and `igbot doctor`, and retried or dropped with `igbot failed`.
"""

from __future__ import annotations

import asyncio
import json

from storage import comments as comment_rows
from storage import inbox as inbox_rows
from storage import outbox as outbox_rows
from tests.comments.conftest import SHOP_IG, deliver, eventually, top_level
from tests.test_cli import run


async def inbox_rows_of(deps) -> list[dict]:
    return await deps.store.run(lambda db: list(db["inbox"].rows_where(order_by="id")))


async def test_a_comment_that_breaks_the_inbox_worker_is_failed_and_the_others_are_shown(bot, slack, graph, post,
                                                                                           deps, base_env):
    # The webhook edge refuses a change shaped like this one; a row that still makes processing raise (stored by
    # an older igbot, or a bug further in) must not stop the worker either, so it is stored here directly.
    bad = graph.webhook_value(graph.add_comment(post, "poison", username="x"))
    bad["from"]["username"] = ["not", "a", "name"]
    first = graph.add_comment(post, "Before the bad one", username="anna")
    after = graph.add_comment(post, "After the bad one", username="bob")
    assert (await deliver(bot, [(SHOP_IG, "comments", graph.webhook_value(first))])).status == 200
    await deps.store.run(inbox_rows.add_changes, [{"entry_id": SHOP_IG, "field": "comments", "object_id": bad["id"],
                                                  "value": bad}])
    assert (await deliver(bot, [(SHOP_IG, "comments", graph.webhook_value(after))])).status == 200
    await slack.wait_for(lambda: len(top_level(slack, slack.social)) == 2)
    texts = " ".join(m["text"] for m in top_level(slack, slack.social))
    assert "Before the bad one" in texts and "After the bad one" in texts and "poison" not in texts

    rows = await inbox_rows_of(deps)
    [failed] = [r for r in rows if r["state"] == "failed"]
    assert failed["error"].startswith("AttributeError") and failed["claimed_by"] is None
    assert json.loads(failed["value"])["from"]["username"] == ["not", "a", "name"]  # the raw input is kept
    assert deps.workers.alive()["inbox"]

    health = await (await bot.get("/healthz")).json()
    assert health["status"] == "ok" and health["failed"]["inbox"] == 1
    metrics = await (await bot.get("/metrics")).text()
    assert 'igbot_failed_rows{kind="inbox"} 1.0' in metrics

    listing = await asyncio.to_thread(run, base_env, "failed", "list")
    assert f"inbox:{failed['id']}" in listing.output and "AttributeError" in listing.output
    assert '"username":["not","a","name"]' in listing.output
    doctor = await asyncio.to_thread(run, base_env, "doctor")
    assert "failed work: inbox 1: see `igbot failed list`" in doctor.output

    retried = await asyncio.to_thread(run, base_env, "failed", "retry", f"inbox:{failed['id']}")
    assert retried.exit_code == 0 and f"inbox:{failed['id']} retried" in retried.output
    # processed again at once, it fails again the same way: still one failed row, never a loop
    await eventually(lambda: _state_of(deps, failed["id"], attempts_reset=True))
    dropped = await asyncio.to_thread(run, base_env, "failed", "drop", f"inbox:{failed['id']}")
    assert f"inbox:{failed['id']} dropped" in dropped.output
    assert (await (await bot.get("/healthz")).json())["failed"]["inbox"] == 0
    assert "Nothing has failed" in (await asyncio.to_thread(run, base_env, "failed", "list")).output
    assert len(top_level(slack, slack.social)) == 2


async def _state_of(deps, row_id: int, *, attempts_reset: bool) -> bool:
    [row] = await deps.store.run(lambda db: list(db["inbox"].rows_where("id = ?", [row_id])))
    return row["state"] == "failed" and (row["attempts"] == 0) == attempts_reset and row["done_at"] is not None


async def test_failed_refs_are_checked(base_env):
    result = await asyncio.to_thread(run, base_env, "failed", "retry", "inbox:abc")
    assert result.exit_code == 2 and "is not KIND:ID" in result.output
    assert (await asyncio.to_thread(run, base_env, "failed", "retry")).exit_code == 2
    result = await asyncio.to_thread(run, base_env, "failed", "retry", "posts:99")
    assert result.exit_code == 0 and "posts:99 is not failed" in result.output
    assert "Nothing has failed" in (await asyncio.to_thread(run, base_env, "failed", "drop", "--all")).output
    assert (await asyncio.to_thread(run, base_env, "failed", "drop", "--all", "nope")).exit_code == 2


async def test_a_comment_that_cannot_be_rendered_is_set_aside_and_the_next_is_relayed(bot, slack, graph, shop,
                                                                                      post, deps, monkeypatch):
    from bot.comments import render

    real = render.comment_message

    def fussy(comment, *args, **kwargs):
        if comment["text"] == "unrenderable":
            raise ValueError("cannot render this one")
        return real(comment, *args, **kwargs)

    monkeypatch.setattr(render, "comment_message", fussy)
    bad = graph.add_comment(post, "unrenderable", username="x")
    good = graph.add_comment(post, "Rendered fine", username="anna")
    reply = graph.add_comment(post, "Answer to the bad one", username="bob", parent_id=bad.id)
    await deliver(bot, [(SHOP_IG, "comments", graph.webhook_value(bad)),
                        (SHOP_IG, "comments", graph.webhook_value(good)),
                        (SHOP_IG, "comments", graph.webhook_value(reply))])
    await slack.wait_for(lambda: len(top_level(slack, slack.social)) == 2)
    assert [m["text"] for m in top_level(slack, slack.social) if "Rendered fine" in m["text"]]
    # the reply does not wait for a parent that will never be shown: it comes on its own, quoting it
    [answer] = [m for m in top_level(slack, slack.social) if "Answer to the bad one" in m["text"]]
    assert "unrenderable" in json.dumps(answer["blocks"])
    stored = await deps.store.run(comment_rows.get_by_ig_id, shop["id"], bad.id)
    assert stored["relay_state"] == "failed" and "cannot render this one" in stored["relay_error"]
    assert (await (await bot.get("/healthz")).json())["failed"]["comments"] == 1
    monkeypatch.undo()
    from storage import failed as failed_rows
    from storage.clock import parse

    assert await deps.store.run(failed_rows.retry, "comments", stored["id"], now=parse("2026-01-01T00:00:00.000000Z"))
    deps.wakeups.wake("inbox")
    await slack.wait_for(lambda: len(top_level(slack, slack.social)) == 3)
    shown = await deps.store.run(comment_rows.get_by_ig_id, shop["id"], bad.id)
    assert shown["relay_state"] == "queued" and (await deps.outbox.get(shown["message_id"]))["state"] == "sent"


async def test_an_outbox_item_that_breaks_sending_is_failed_and_the_queue_goes_on(bot, slack, deps):
    broken = await deps.store.run(outbox_rows.enqueue_post, channel_id=slack.social, payload={"blocks": []})
    fine = await deps.outbox.post(channel_id=slack.social, payload={"text": "still delivered"})
    await slack.wait_for(lambda: [m for m in slack.messages(slack.social) if m["text"] == "still delivered"])
    item = await deps.outbox.get(broken)
    assert item["state"] == "failed" and item["error"].startswith("KeyError") and item["payload"] == '{"blocks": []}'
    assert (await deps.outbox.get(fine))["state"] == "sent"
    assert deps.workers.alive()["outbox"]
    assert (await (await bot.get("/healthz")).json())["failed"]["outbox"] == 1
