"""The inbox table: every webhook change (and every comment sync caught), stored before it is processed."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from sqlite_utils import Database

from storage.clock import iso, utcnow
from storage.leases import claim
from storage.meta import get_meta


def add_changes(db: Database, changes: list[dict], *, source: str = "webhook") -> tuple[int, int]:
    """Store changes ({entry_id, field, object_id, value}) in one transaction; return (new, duplicates)."""
    return add_deliveries(db, [(changes, source)])[0]


def add_deliveries(db: Database, deliveries: list[tuple[list[dict], str]]) -> list[tuple[int, int]]:
    """Store several deliveries' changes (each with its source) in one transaction; return (new, duplicates) each.

    One prepared INSERT per change and nothing else, so a delivery is answered quickly; when each account's
    last webhook arrived is written in batches (`note_webhooks_seen`).
    """
    now = utcnow()
    results = []
    with db.atomic():
        for changes, source in deliveries:
            new = 0
            for change in changes:
                key = f"{change['entry_id']}:{change['field']}:{change['object_id']}"
                cursor = db.execute(
                    "INSERT OR IGNORE INTO inbox (entry_id, field, object_id, dedupe_key, value, source, state, "
                    "attempts, next_attempt_at, received_at) VALUES (?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?)",
                    [change["entry_id"], change["field"], change["object_id"], key,
                     json.dumps(change["value"], separators=(",", ":")), source, now, now])
                new += cursor.rowcount
            results.append((new, len(changes) - new))
    return results


def note_webhooks_seen(db: Database, seen: dict[str, str]) -> None:
    """Store when each account's (entry id's) last webhook change arrived; an older moment never wins."""
    with db.atomic():
        db.conn.executemany(
            "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value "
            "WHERE excluded.value > value", [(f"webhook_seen:{entry_id}", at) for entry_id, at in seen.items()])


def webhook_seen(db: Database, entry_id: str) -> str | None:
    """Return when the last webhook change for an account arrived, or None."""
    return get_meta(db, f"webhook_seen:{entry_id}")


def claim_due(db: Database, *, worker: str, lease_seconds: float, limit: int = 100,
              now: datetime | None = None) -> list[dict]:
    """Claim due inbox rows (pending, or held and due again), oldest first; return them."""
    moment = now or datetime.now(UTC)
    ids = claim(db, "inbox", worker=worker, lease_seconds=lease_seconds,
                where="state IN ('pending', 'held') AND next_attempt_at <= ?", params=[iso(moment)],
                order_by="id", limit=limit, now=moment)
    if not ids:
        return []
    marks = ",".join("?" * len(ids))
    return list(db.query(f"SELECT * FROM inbox WHERE id IN ({marks}) ORDER BY id", ids))


def finish(db: Database, row_id: int, *, state: str = "done", error: str | None = None) -> None:
    """Mark an inbox row processed (done, ignored or invalid) and release it."""
    db.execute("UPDATE inbox SET state = ?, error = ?, done_at = ?, claimed_by = NULL, lease_until = NULL "
               "WHERE id = ?", [state, error, utcnow(), row_id])


def retry_later(db: Database, row_id: int, *, delay_seconds: float, error: str, held: bool = False) -> None:
    """Release a row to be processed again after a delay ('held' when its account is unknown)."""
    later = iso(datetime.now(UTC) + timedelta(seconds=delay_seconds))
    db.execute("UPDATE inbox SET state = ?, error = ?, attempts = attempts + 1, next_attempt_at = ?, "
               "claimed_by = NULL, lease_until = NULL WHERE id = ?",
               ["held" if held else "pending", error, later, row_id])


def wake_held(db: Database, entry_id: str) -> int:
    """Make an account's held rows due now (call when the account is connected); return how many."""
    return db.execute("UPDATE inbox SET state = 'pending', next_attempt_at = ? WHERE state = 'held' "
                      "AND entry_id = ?", [utcnow(), entry_id]).rowcount


def counts(db: Database) -> dict[str, int]:
    """Return how many inbox rows are in each state."""
    return dict(db.execute("SELECT state, COUNT(*) FROM inbox GROUP BY state").fetchall())


def known_ids(db: Database, entry_id: str, object_ids: list[str], *, unprocessed: bool = True) -> set[str]:
    """Return which comment ids are in the inbox for an account (only those still to process, by default)."""
    if not object_ids:
        return set()
    marks = ",".join("?" * len(object_ids))
    states = "AND state IN ('pending', 'held')" if unprocessed else ""
    rows = db.execute(f"SELECT object_id FROM inbox WHERE entry_id = ? AND object_id IN ({marks}) {states}",
                      [entry_id, *object_ids]).fetchall()
    return {r[0] for r in rows}
