"""Burst folding: many comments at once are packed into few messages, each shown exactly once."""

from __future__ import annotations

import asyncio
import json
import re

from storage import comments as comment_rows
from tests.comments.conftest import SHOP_IG, deliver, eventually, top_level


async def test_a_1000_comment_burst_is_folded_and_every_comment_shown_exactly_once(bot, slack, graph, post, deps):
    # Slack at ~1 post/s cannot keep up with the relay: hold the outbox until the burst is relayed, then let go
    drain, gate = deps.outbox.drain_once, asyncio.Event()

    async def held_drain():
        return await drain() if gate.is_set() else 0

    deps.outbox.drain_once = held_drain
    comments = [graph.add_comment(post, f"comment number {i} <!here>", username=f"fan{i}") for i in range(1000)]
    changes = [(SHOP_IG, "comments", graph.webhook_value(c)) for c in comments]
    for start in range(0, 1000, 250):  # four deliveries, one of them delivered twice
        assert (await deliver(bot, changes[start:start + 250])).status == 200
    assert (await deliver(bot, changes[:250])).status == 200

    async def all_relayed():
        return await deps.store.run(lambda db: db.execute(
            "SELECT COUNT(*) FROM comments WHERE relay_state = 'queued'").fetchone()[0]) == 1000

    await eventually(all_relayed, timeout=30)
    gate.set()
    deps.outbox.wake()

    async def all_sent():
        rows = await deps.store.run(lambda db: db.execute(
            "SELECT COUNT(*) FROM outbox WHERE state != 'sent'").fetchone()[0])
        relayed = await deps.store.run(lambda db: db.execute(
            "SELECT COUNT(*) FROM comments WHERE relay_state = 'queued'").fetchone()[0])
        return rows == 0 and relayed == 1000

    await eventually(all_sent, timeout=30)
    messages = top_level(slack, slack.social)
    seen = re.findall(r"comment number (\d+) ", json.dumps([m["blocks"] for m in messages]))
    assert sorted(map(int, seen)) == list(range(1000))  # each exactly once
    assert len(messages) <= 3 + 1000 // 20  # a few on their own, then 20 a message
    for message in messages:
        assert len(message["blocks"]) <= 50 and len(message["text"]) <= 4000
        assert sum(len(b.get("text", {}).get("text", "")) for b in message["blocks"]) <= 12000
        assert "<!here>" not in json.dumps(message["blocks"]) + message["text"]
    folded = [m for m in messages if any(b.get("accessory", {}).get("type") == "overflow" for b in m["blocks"])]
    assert folded and all(len(m["blocks"]) <= 21 for m in folded)


async def test_folded_comments_can_be_hidden_deleted_and_replied_to_from_the_menu(bot, slack, graph, post, deps):
    comments = [graph.add_comment(post, f"burst {i}", username=f"fan{i}") for i in range(10)]
    await deliver(bot, [(SHOP_IG, "comments", graph.webhook_value(c)) for c in comments])

    async def relayed():
        return await deps.store.run(lambda db: db.execute(
            "SELECT COUNT(*) FROM outbox WHERE state != 'sent'").fetchone()[0]) == 0 and \
            len(top_level(slack, slack.social)) >= 2

    await eventually(relayed)
    fold = next(m for m in top_level(slack, slack.social) if "folded" in json.dumps(m["blocks"]))
    members = [b for b in fold["blocks"] if b.get("accessory", {}).get("type") == "overflow"]
    target_id = int(members[0]["block_id"].split(":")[1])
    target = await deps.store.run(comment_rows.get_comment, target_id)
    await slack.click(user=slack.admin, channel=slack.social, message_ts=fold["ts"], action_id="comment_menu",
                      block_id=members[0]["block_id"], value=f"hide:{target_id}")
    await slack.wait_for(lambda: "hidden by" in json.dumps(slack.message(slack.social, fold["ts"])["blocks"]))
    assert graph.state.comments[target["ig_comment_id"]].hidden is True
    await slack.click(user=slack.admin, channel=slack.social, message_ts=fold["ts"], action_id="comment_menu",
                      block_id=members[0]["block_id"], value=f"delete:{target_id}")
    await slack.wait_for(lambda: slack.views_of(slack.admin))
    assert "cannot be undone" in json.dumps(slack.views_of(slack.admin)[-1])
    await slack.submit_view(user=slack.admin)
    await slack.wait_for(lambda: "deleted by" in json.dumps(slack.message(slack.social, fold["ts"])["blocks"]))
    assert graph.state.comments[target["ig_comment_id"]].deleted is True
    # a reply to a folded comment goes into the fold's thread and names the comment
    other_id = int(members[1]["block_id"].split(":")[1])
    other = await deps.store.run(comment_rows.get_comment, other_id)
    reply = graph.add_comment(post, "me too", username="late", parent_id=other["ig_comment_id"])
    await deliver(bot, [(SHOP_IG, "comments", graph.webhook_value(reply))])
    await slack.wait_for(lambda: len(slack.thread(slack.social, fold["ts"])) == 2)
    said = json.dumps(slack.thread(slack.social, fold["ts"])[1]["blocks"])
    assert "me too" in said and f"@{other['username']}" in said and "comment" in said


def _pending_folds(db, channel: str, count: int, *, members: int) -> int:
    """Store count unsent folded posts for a channel (the newest with `members` comments); return the newest id."""
    item_id = 0
    for n in range(count):
        for m in range(members if n == count - 1 else 1):
            row = {"account_id": 1, "ig_comment_id": f"{channel}-{n}-{m}", "kind": "comment", "text": "hi",
                   "media_id": "18000000000000001"}
            comment, _ = comment_rows.add_comment(db, row)
            if m == 0:
                item_id = comment_rows.queue_message(db, comment["id"], channel_id=channel, account_id=1,
                                                     payload={"text": "folded"}, folded=True,
                                                     dedupe_key=f"{comment_rows.FOLD_PREFIX}{comment['id']}")
            else:
                assert comment_rows.extend_fold(db, item_id, comment["id"], {"text": "folded"})
    return item_id


def _steps(db, fn) -> tuple[object, int]:
    """Run fn() and count the SQLite virtual machine steps it took (in units of 100 instructions)."""
    steps = 0

    def tick() -> int:
        nonlocal steps
        steps += 1
        return 0

    db.conn.set_progress_handler(tick, 100)
    try:
        return fn(), steps
    finally:
        db.conn.set_progress_handler(None, 0)


def test_finding_a_channels_open_fold_does_not_grow_with_the_pending_folds(tmp_path):
    from storage.db import open_database

    db = open_database(str(tmp_path / "folds.db"))
    few = _pending_folds(db, "CFEW", 5, members=4)
    many = _pending_folds(db, "CMANY", 400, members=4)
    (few_id, few_members), few_steps = _steps(db, lambda: comment_rows.open_fold(db, "CFEW", max_members=20))
    (many_id, many_members), many_steps = _steps(db, lambda: comment_rows.open_fold(db, "CMANY", max_members=20))
    assert (few_id, many_id) == (few, many) and len(few_members) == len(many_members) == 4
    assert many_steps <= few_steps + 2, (few_steps, many_steps)  # 80 times the folds, the same work
    assert comment_rows.open_fold(db, "CMANY", max_members=4) is None  # full: a new fold is started
    db.execute("UPDATE outbox SET claimed_by = 'w', state = 'sending' WHERE id = ?", [many])
    assert comment_rows.open_fold(db, "CMANY", max_members=20)[0] == many - 1  # taken: the one before it
