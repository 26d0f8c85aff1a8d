"""The outbox table: every channel post, thread reply and update, stored before it is sent."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from sqlite_utils import Database

from storage.clock import iso, utcnow


def enqueue_post(db: Database, *, channel_id: str, payload: dict, account_id: int | None = None,
                 dedupe_key: str | None = None, thread_parent_id: int | None = None,
                 thread_ts: str | None = None) -> int:
    """Store a channel post (or thread reply) to send; return its id (the existing one for a known key)."""
    with db.atomic():
        if dedupe_key:
            row = db.execute("SELECT id FROM outbox WHERE dedupe_key = ?", [dedupe_key]).fetchone()
            if row:
                return row[0]
        now = utcnow()
        return db.execute(
            "INSERT INTO outbox (kind, channel_id, account_id, payload, dedupe_key, thread_parent_id, thread_ts, "
            "state, next_attempt_at, created_at) VALUES ('post', ?, ?, ?, ?, ?, ?, 'pending', ?, ?)",
            [channel_id, account_id, json.dumps(payload), dedupe_key, thread_parent_id, thread_ts, now, now]).lastrowid


def enqueue_update(db: Database, *, payload: dict, target_id: int | None = None, channel_id: str | None = None,
                   target_ts: str | None = None, account_id: int | None = None) -> int:
    """Store an update of a message; merge it into a pending post or pending update of the same message."""
    with db.atomic():
        if target_id is not None:
            target = db.execute("SELECT channel_id, state, ts FROM outbox WHERE id = ?", [target_id]).fetchone()
            if target is None:
                raise KeyError(f"no outbox post {target_id}")
            channel_id, state, ts = target
            if state == "pending" and ts is None:
                db.execute("UPDATE outbox SET payload = ? WHERE id = ?", [json.dumps(payload), target_id])
                return target_id
            target_ts = target_ts or ts
        pending = db.execute(
            "SELECT id FROM outbox WHERE kind = 'update' AND state = 'pending' AND claimed_by IS NULL AND "
            "((target_id IS NOT NULL AND target_id IS ?) OR (target_ts IS NOT NULL AND target_ts IS ? "
            "AND channel_id = ?)) ORDER BY id DESC LIMIT 1", [target_id, target_ts, channel_id]).fetchone()
        if pending:
            db.execute("UPDATE outbox SET payload = ? WHERE id = ?", [json.dumps(payload), pending[0]])
            return pending[0]
        now = utcnow()
        return db["outbox"].insert({
            "kind": "update", "channel_id": channel_id, "account_id": account_id, "payload": json.dumps(payload),
            "target_id": target_id, "target_ts": target_ts, "state": "pending", "next_attempt_at": now,
            "created_at": now,
        }).last_pk


CANDIDATE_COLUMNS = ", ".join(f"o.{column}" for column in (
    "id", "kind", "channel_id", "account_id", "dedupe_key", "thread_parent_id", "thread_ts", "target_id", "target_ts",
    "state", "attempts", "next_attempt_at", "ts", "error", "fallback_used", "created_at", "claimed_by", "lease_until"))


def candidates(db: Database, *, now: datetime, limit: int = 500) -> list[dict]:
    """Return due items nobody holds, oldest first ('sending' ones may already be in Slack: check first).

    Without their payloads (`claim_item` reads the one being sent): a channel far behind has hundreds of
    folded posts waiting, and this is read on every pass of the outbox.
    """
    moment = iso(now)
    rows = db.query(
        f"SELECT {CANDIDATE_COLUMNS}, p.ts AS parent_ts, p.state AS parent_state, t.ts AS resolved_target_ts "
        "FROM outbox o LEFT JOIN outbox p ON p.id = o.thread_parent_id LEFT JOIN outbox t ON t.id = o.target_id "
        "WHERE o.state IN ('pending', 'sending') AND o.next_attempt_at <= ? "
        "AND (o.claimed_by IS NULL OR o.lease_until < ?) ORDER BY o.id LIMIT ?", [moment, moment, limit])
    return list(rows)


def claim_item(db: Database, item_id: int, *, worker: str, lease_seconds: float, now: datetime) -> str | None:
    """Take one item for sending and return its payload as of the claim; None if another worker holds it.

    The payload is read in the same statement: an unsent post may have been changed (merged update, a
    comment folded into it) after the candidates were listed, and the claim is what freezes it.
    """
    row = db.execute(
        "UPDATE outbox SET claimed_by = ?, lease_until = ?, state = 'sending' WHERE id = ? "
        "AND state IN ('pending', 'sending') AND (claimed_by IS NULL OR lease_until < ?) RETURNING payload",
        [worker, iso(now + timedelta(seconds=lease_seconds)), item_id, iso(now)]).fetchone()
    return row[0] if row else None


def mark_sent(db: Database, item_id: int, *, ts: str | None) -> None:
    """Record a successful send (and its message ts for posts)."""
    db.execute("UPDATE outbox SET state = 'sent', ts = COALESCE(?, ts), sent_at = ?, error = NULL, "
               "claimed_by = NULL, lease_until = NULL WHERE id = ?", [ts, utcnow(), item_id])


def mark_retry(db: Database, item_id: int, *, error: str, delay_seconds: float, count_attempt: bool = True,
               maybe_sent: bool = False, now: datetime | None = None) -> None:
    """Release an item to be tried again after a delay ('sending' when it may have reached Slack)."""
    later = iso((now or datetime.now(UTC)) + timedelta(seconds=delay_seconds))
    db.execute("UPDATE outbox SET state = ?, error = ?, next_attempt_at = ?, attempts = attempts + ?, "
               "claimed_by = NULL, lease_until = NULL WHERE id = ?",
               ["sending" if maybe_sent else "pending", error, later, int(count_attempt), item_id])


def mark_parked(db: Database, item_id: int, *, error: str) -> None:
    """Stop trying an item that cannot be sent (the reason is kept and shown in /healthz)."""
    db.execute("UPDATE outbox SET state = 'parked', error = ?, claimed_by = NULL, lease_until = NULL "
               "WHERE id = ?", [error, item_id])


def mark_failed(db: Database, item_id: int, *, error: str) -> None:
    """Set aside an item whose sending raised (the payload is kept; `igbot failed retry` sends it again)."""
    db.execute("UPDATE outbox SET state = 'failed', error = ?, claimed_by = NULL, lease_until = NULL "
               "WHERE id = ?", [error, item_id])


def use_fallback(db: Database, item_id: int, payload: dict) -> None:
    """Replace an item's payload with its plain-text fallback (once) and make it due again."""
    db.execute("UPDATE outbox SET payload = ?, fallback_used = 1, state = 'pending', next_attempt_at = ?, "
               "claimed_by = NULL, lease_until = NULL WHERE id = ?", [json.dumps(payload), utcnow(), item_id])


def get_item(db: Database, item_id: int) -> dict | None:
    """Return one outbox row, or None."""
    rows = list(db["outbox"].rows_where("id = ?", [item_id]))
    return rows[0] if rows else None


def parked_items(db: Database, *, limit: int = 50) -> list[dict]:
    """Return the newest parked items."""
    return list(db["outbox"].rows_where("state = 'parked'", order_by="id DESC", limit=limit))


def backlog(db: Database, channel_id: str, *, up_to: int = -1) -> int:
    """Return how many posts are waiting for a channel, counting no further than up_to when given.

    Read from the index of waiting posts (`outbox_channel_waiting`), so asking "at least 3?" reads 3 rows.
    """
    return db.execute("SELECT COUNT(*) FROM (SELECT 1 FROM outbox WHERE channel_id = ? AND kind = 'post' AND state "
                      "IN ('pending', 'sending') LIMIT ?)", [channel_id, up_to]).fetchone()[0]


def replace_unsent_payload(db: Database, item_id: int, payload: dict) -> bool:
    """Replace the payload of a post nobody has started sending; False once it is taken."""
    cursor = db.execute("UPDATE outbox SET payload = ? WHERE id = ? AND kind = 'post' AND state = 'pending' "
                        "AND claimed_by IS NULL AND ts IS NULL", [json.dumps(payload), item_id])
    return cursor.rowcount > 0
