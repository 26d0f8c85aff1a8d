"""Digest runs (one scheduled per account and local day), daily insight values and follower snapshots."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

from sqlite_utils import Database

from storage import leases
from storage.clock import iso, utcnow

# -- scheduling ------------------------------------------------------------------------------------


def unscheduled_accounts(db: Database) -> list[dict]:
    """Return active accounts whose next digest time must be (re)computed."""
    return list(db.query("SELECT * FROM accounts WHERE next_digest_at IS NULL AND status = 'active'"))


def set_next_digest_at(db: Database, account: dict, when: datetime) -> bool:
    """Store an account's next digest time, unless its settings changed since it was read."""
    cursor = db.execute(
        "UPDATE accounts SET next_digest_at = ? WHERE id = ? AND next_digest_at IS NULL "
        "AND timezone = ? AND digest_time = ?",
        [iso(when), account["id"], account["timezone"], account["digest_time"]])
    return cursor.rowcount > 0


def due_accounts(db: Database, now: datetime) -> list[dict]:
    """Return active accounts whose digest time has come."""
    return list(db.query("SELECT * FROM accounts WHERE status = 'active' AND next_digest_at IS NOT NULL "
                         "AND next_digest_at <= ? ORDER BY next_digest_at", [iso(now)]))


def scheduled_days(db: Database, account_id: int, days: list[str]) -> set[str]:
    """Return which of these local days already have a scheduled run."""
    marks = ",".join("?" * len(days))
    rows = db.execute(f"SELECT day FROM digest_runs WHERE account_id = ? AND kind = 'scheduled' "
                      f"AND day IN ({marks})", [account_id, *days]).fetchall()
    return {row[0] for row in rows}


def open_scheduled_run(db: Database, account: dict, *, day: str, due_at: datetime, next_at: datetime,
                       weekly: bool, now: datetime, state: str = "pending", error: str | None = None) -> int | None:
    """Create the day's scheduled run and move the account to its next slot, in one transaction.

    Returns the new run's id, or None when that day already has one or another process moved the slot first.
    """
    with db.atomic():
        moved = db.execute("UPDATE accounts SET next_digest_at = ? WHERE id = ? AND next_digest_at = ?",
                           [iso(next_at), account["id"], account["next_digest_at"]])
        if moved.rowcount == 0:
            return None
        moment = iso(now)
        row = db.execute(
            "INSERT OR IGNORE INTO digest_runs (account_id, kind, day, channel_id, due_at, weekly, state, error, "
            "next_attempt_at, chart_state, attempts, created_at) VALUES (?, 'scheduled', ?, ?, ?, ?, ?, ?, ?, "
            "'none', 0, ?) RETURNING id",
            [account["id"], day, account["channel_id"], iso(due_at), int(weekly), state, error, moment, moment],
        ).fetchone()
    return row[0] if row else None


def create_manual_run(db: Database, *, account_id: int, day: str, channel_id: str, weekly: bool,
                      requested_by: str, now: datetime) -> int:
    """Create a run for /ig digest (it never replaces the scheduled one)."""
    now = iso(now)
    return db["digest_runs"].insert({
        "account_id": account_id, "kind": "manual", "day": day, "channel_id": channel_id, "due_at": now,
        "weekly": int(weekly), "state": "pending", "attempts": 0, "next_attempt_at": now, "chart_state": "none",
        "requested_by": requested_by, "created_at": now,
    }).last_pk


# -- running ---------------------------------------------------------------------------------------


def claim_runs(db: Database, *, worker: str, lease_seconds: float, now: datetime, limit: int = 5,
               run_id: int | None = None) -> list[dict]:
    """Claim pending runs that are due (or one given run); return them."""
    where, params = "state = 'pending' AND next_attempt_at <= ?", [iso(now)]
    if run_id is not None:
        where, params = "state = 'pending' AND id = ?", [run_id]
    ids = leases.claim(db, "digest_runs", worker=worker, lease_seconds=lease_seconds, where=where,
                       params=params, order_by="next_attempt_at", limit=limit, now=now)
    return [get_run(db, i) for i in ids]


def get_run(db: Database, run_id: int) -> dict | None:
    """Return one run (without its chart bytes), or None."""
    rows = list(db.query("SELECT id, account_id, kind, day, channel_id, due_at, weekly, state, attempts, "
                         "next_attempt_at, error, content, collected_at, file_id, chart_state, outbox_id, "
                         "requested_by, graph_calls, created_at, sent_at, claimed_by, lease_until "
                         "FROM digest_runs WHERE id = ?", [run_id]))
    return rows[0] if rows else None


def reusable_content(db: Database, account_id: int, day: str) -> dict | None:
    """Return the newest content read for this account and local day, or None."""
    row = db.execute("SELECT content FROM digest_runs WHERE account_id = ? AND day = ? AND content IS NOT NULL "
                     "ORDER BY collected_at DESC LIMIT 1", [account_id, day]).fetchone()
    return json.loads(row[0]) if row else None


def save_content(db: Database, run_id: int, content: dict, *, graph_calls: int) -> None:
    """Keep what was read for a run (so a retry or /ig digest the same day does not read it again)."""
    db.execute("UPDATE digest_runs SET content = ?, collected_at = ?, graph_calls = ? WHERE id = ?",
               [json.dumps(content), utcnow(), graph_calls, run_id])


def save_chart(db: Database, run_id: int, png: bytes) -> None:
    """Keep a run's chart."""
    db.execute("UPDATE digest_runs SET chart = ? WHERE id = ?", [png, run_id])


def get_chart(db: Database, run_id: int) -> bytes | None:
    """Return a run's chart PNG, or None."""
    row = db.execute("SELECT chart FROM digest_runs WHERE id = ?", [run_id]).fetchone()
    return row[0] if row else None


def set_file(db: Database, run_id: int, file_id: str) -> None:
    """Remember the Slack file a run's chart was uploaded as."""
    db.execute("UPDATE digest_runs SET file_id = ? WHERE id = ?", [file_id, run_id])


def mark_queued(db: Database, run_id: int, *, outbox_id: int, chart_state: str, worker: str) -> None:
    """Record that the digest message is in the outbox; the run is done."""
    db.execute("UPDATE digest_runs SET state = 'sent', outbox_id = ?, chart_state = ?, sent_at = ?, error = NULL, "
               "claimed_by = NULL, lease_until = NULL WHERE id = ? AND claimed_by = ?",
               [outbox_id, chart_state, utcnow(), run_id, worker])


def retry_later(db: Database, run_id: int, *, error: str, at: datetime, worker: str) -> None:
    """Put a run back for a later attempt."""
    db.execute("UPDATE digest_runs SET attempts = attempts + 1, error = ?, next_attempt_at = ?, claimed_by = NULL, "
               "lease_until = NULL WHERE id = ? AND claimed_by = ?", [error, iso(at), run_id, worker])


def mark_failed(db: Database, run_id: int, *, error: str, worker: str, outbox_id: int | None = None) -> None:
    """Give up on a run (its notice, if any, is in the outbox)."""
    db.execute("UPDATE digest_runs SET state = 'failed', attempts = attempts + 1, error = ?, outbox_id = ?, "
               "claimed_by = NULL, lease_until = NULL WHERE id = ? AND claimed_by = ?",
               [error, outbox_id, run_id, worker])


def runs_needing_thread_chart(db: Database) -> list[dict]:
    """Return sent runs whose chart must go into the digest's thread, once the digest has a ts."""
    return list(db.query(
        "SELECT r.id, r.account_id, r.channel_id, r.day, o.ts AS message_ts FROM digest_runs r "
        "JOIN outbox o ON o.id = r.outbox_id WHERE r.state = 'sent' AND o.state = 'sent' AND o.ts IS NOT NULL "
        "AND (r.chart_state = 'thread' OR (r.chart_state = 'inline' AND o.fallback_used = 1))"))


def set_chart_state(db: Database, run_id: int, state: str) -> None:
    """Record where a run's chart ended up."""
    db.execute("UPDATE digest_runs SET chart_state = ? WHERE id = ?", [state, run_id])


def prune_charts(db: Database, *, before: datetime) -> int:
    """Drop chart bytes of runs created before a moment whose chart needs nothing more."""
    cursor = db.execute("UPDATE digest_runs SET chart = NULL WHERE chart IS NOT NULL AND created_at < ? "
                        "AND chart_state != 'thread'", [iso(before)])
    return cursor.rowcount


def runs_of(db: Database, account_id: int) -> list[dict]:
    """Return an account's runs, oldest first (without chart bytes)."""
    ids = [r[0] for r in db.execute("SELECT id FROM digest_runs WHERE account_id = ? ORDER BY id",
                                    [account_id]).fetchall()]
    return [get_run(db, i) for i in ids]


# -- daily values ----------------------------------------------------------------------------------


def put_insight_day(db: Database, account_id: int, day: str, values: dict[str, int], *,
                    preliminary: bool) -> None:
    """Store (or overwrite) one day's account metric values."""
    now = utcnow()
    db["insight_days"].upsert_all(
        [{"account_id": account_id, "day": day, "metric": metric, "value": int(value),
          "preliminary": int(preliminary), "fetched_at": now}
         for metric, value in values.items() if value is not None],
        pk=("account_id", "day", "metric"))


def insight_history(db: Database, account_id: int, first: str, last: str) -> dict[str, dict[str, int]]:
    """Return ``{day: {metric: value}}`` for days first..last (inclusive)."""
    out: dict[str, dict[str, int]] = {}
    for day, metric, value in db.execute(
            "SELECT day, metric, value FROM insight_days WHERE account_id = ? AND day BETWEEN ? AND ?",
            [account_id, first, last]).fetchall():
        out.setdefault(day, {})[metric] = value
    return out


def put_follower_snapshot(db: Database, account_id: int, day: str, *, followers_count: int,
                          media_count: int | None) -> None:
    """Store the follower count seen on a local day (the latest reading of that day wins)."""
    db["follower_snapshots"].upsert({"account_id": account_id, "day": day, "followers_count": followers_count,
                                     "media_count": media_count, "taken_at": utcnow()},
                                    pk=("account_id", "day"))


def follower_history(db: Database, account_id: int, first: str, last: str) -> dict[str, int]:
    """Return ``{day: followers_count}`` for the snapshots taken on days first..last."""
    return dict(db.execute("SELECT day, followers_count FROM follower_snapshots WHERE account_id = ? "
                           "AND day BETWEEN ? AND ?", [account_id, first, last]).fetchall())


def backfilled(db: Database, account_id: int) -> bool:
    """Return True once an account's 28-day history has been read."""
    row = db.execute("SELECT backfilled_at FROM digest_accounts WHERE account_id = ?", [account_id]).fetchone()
    return bool(row and row[0])


def mark_backfilled(db: Database, account_id: int, note: str | None = None) -> None:
    """Record that an account's history has been read (it is never read again)."""
    db["digest_accounts"].upsert({"account_id": account_id, "backfilled_at": utcnow(), "backfill_note": note},
                                 pk="account_id")


def days_back(day: str, n: int) -> str:
    """Return the ISO date n days before day."""
    return (date.fromisoformat(day) - timedelta(days=n)).isoformat()
