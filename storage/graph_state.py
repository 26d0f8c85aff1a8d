"""What the Graph client persists: usage/throttle windows and accounts that need reconnecting."""

from __future__ import annotations

import json

from sqlite_utils import Database

from storage.clock import utcnow


def load_usage(db: Database, key: str) -> dict | None:
    """Return the usage saved under key, or None."""
    row = db.execute("SELECT usage FROM graph_usage WHERE key = ?", [key]).fetchone()
    return json.loads(row[0]) if row else None


def save_usage(db: Database, key: str, usage: dict) -> None:
    """Replace the usage saved under key."""
    db["graph_usage"].upsert({"key": key, "usage": json.dumps(usage), "updated_at": utcnow()}, pk="key")


def reconnect_reason(db: Database, ig_user_id: str) -> str | None:
    """Return why an account needs reconnecting, or None when it does not."""
    row = db.execute("SELECT status_reason FROM accounts WHERE ig_user_id = ? AND status = 'needs_reconnect'",
                     [ig_user_id]).fetchone()
    return (row[0] or "the access token is no longer valid") if row else None


def mark_needs_reconnect(db: Database, ig_user_id: str, reason: str) -> bool:
    """Mark an account as needing a reconnect; return True only when it was not marked before."""
    cursor = db.execute("UPDATE accounts SET status = 'needs_reconnect', status_reason = ?, updated_at = ? "
                        "WHERE ig_user_id = ? AND status != 'needs_reconnect'", [reason, utcnow(), ig_user_id])
    return cursor.rowcount > 0
