"""The oauth_states table: single-use, expiring connect links tied to a Slack person and channel."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlite_utils import Database

from storage.clock import iso


def add_state(db: Database, *, state: str, slack_user_id: str, channel_id: str, account: str | None,
              now: datetime, ttl: timedelta, payload: str | None = None) -> None:
    """Store a new connect state (payload: what a later step of the same login needs, encrypted)."""
    db["oauth_states"].insert({"state": state, "slack_user_id": slack_user_id, "channel_id": channel_id,
                               "account": account, "created_at": iso(now), "expires_at": iso(now + ttl),
                               "payload": payload})


def get_state(db: Database, state: str) -> dict | None:
    """Return a state row (used or not), or None."""
    rows = list(db["oauth_states"].rows_where("state = ?", [state]))
    return rows[0] if rows else None


def consume_state(db: Database, state: str, *, flavor: str, now: datetime) -> dict | None:
    """Use a state once: return its row if it was unused and unexpired, else None."""
    rows = db.execute(
        "UPDATE oauth_states SET used_at = ?, flavor = ? WHERE state = ? AND used_at IS NULL AND expires_at > ? "
        "RETURNING state, slack_user_id, channel_id, account, payload", [iso(now), flavor, state, iso(now)]).fetchall()
    if not rows:
        return None
    state_, user, channel, account, payload = rows[0]
    return {"state": state_, "slack_user_id": user, "channel_id": channel, "account": account, "payload": payload}


def prune_states(db: Database, *, before: datetime) -> int:
    """Delete states that expired before a moment; return how many."""
    return db.execute("DELETE FROM oauth_states WHERE expires_at < ?", [iso(before)]).rowcount
