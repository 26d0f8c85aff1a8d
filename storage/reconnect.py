"""Accounts that need reconnecting: the one alert per outage, and getting back to active."""

from __future__ import annotations

from sqlite_utils import Database

from storage.clock import utcnow
from storage.meta import get_meta, set_meta


def alert_key(account_id: int) -> str:
    """Return the meta key holding the outbox id of an account's current reconnect alert."""
    return f"reconnect_alert:{account_id}"


def accounts_to_alert(db: Database) -> list[dict]:
    """Return accounts that need reconnecting and have had no alert for this outage."""
    rows = db.query("SELECT * FROM accounts WHERE status = 'needs_reconnect' ORDER BY id")
    return [r for r in rows if get_meta(db, alert_key(r["id"])) is None]


def remember_alert(db: Database, account_id: int, outbox_id: int) -> None:
    """Record the alert sent for the current outage."""
    set_meta(db, alert_key(account_id), str(outbox_id))


def mark_active(db: Database, account_id: int) -> int | None:
    """Set an account active again and end its outage; return the outage alert's outbox id, if one was sent."""
    with db.atomic():
        db.execute("UPDATE accounts SET status = 'active', status_reason = NULL, updated_at = ? WHERE id = ?",
                   [utcnow(), account_id])
        alert = get_meta(db, alert_key(account_id))
        db.execute("DELETE FROM meta WHERE key = ?", [alert_key(account_id)])
    return int(alert) if alert else None
