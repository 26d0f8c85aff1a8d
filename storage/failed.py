"""Failed work across the worker tables: rows a worker set aside (with the reason and the raw input kept),
counted for /healthz, /metrics and `igbot doctor`, listed, retried or dropped by `igbot failed`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlite_utils import Database

from storage import posts as post_rows
from storage.clock import iso


@dataclass(frozen=True)
class Kind:
    """Where one kind of failed work lives and how it is put back or given up."""

    table: str
    failed: str  # SQL condition of a failed row
    reason: str  # the column with the reason
    raw: str  # SQL expression of the input kept for inspection
    at: str  # when the row arrived
    retry: str  # SET clause that makes the row due again (:now is the time)
    drop: str  # SET clause that gives it up for good (none for posts: a dropped post is cancelled)


KINDS: dict[str, Kind] = {
    "inbox": Kind("inbox", "state = 'failed'", "error", "field || ' ' || value", "received_at",
                  "state = 'pending', error = NULL, attempts = 0, next_attempt_at = :now", "state = 'dropped'"),
    "comments": Kind("comments", "relay_state = 'failed'", "relay_error",
                     "kind || ' ' || ig_comment_id || ' from @' || COALESCE(username, '?') || ': ' || "
                     "COALESCE(text, '')", "created_at", "relay_state = 'waiting', relay_error = NULL",
                     "relay_state = 'skipped'"),
    "outbox": Kind("outbox", "state IN ('failed', 'parked')", "error", "kind || ' ' || channel_id || ' ' || payload",
                   "created_at", "state = CASE kind WHEN 'post' THEN 'sending' ELSE 'pending' END, error = NULL, "
                   "attempts = 0, next_attempt_at = :now", "state = 'dropped'"),
    "posts": Kind("posts", "state = 'failed'", "error", "kind || ' ' || COALESCE(caption, '')", "created_at",
                  "state = CASE WHEN container_id IS NULL THEN 'scheduled' ELSE 'processing' END, error = NULL, "
                  "go_at = MAX(due_at, :now), next_action_at = :now, poll_started_at = :now, updated_at = :now", ""),
    "digests": Kind("digest_runs", "state = 'failed'", "error", "kind || ' digest of ' || day", "created_at",
                    "state = 'pending', error = NULL, attempts = 0, next_attempt_at = :now", "state = 'dropped'"),
}


def counts(db: Database) -> dict[str, int]:
    """Return how many failed rows each kind has."""
    return {name: db.execute(f"SELECT COUNT(*) FROM {k.table} WHERE {k.failed}").fetchone()[0]
            for name, k in KINDS.items()}


def list_failed(db: Database, kind: str | None = None, *, limit: int = 50) -> list[dict]:
    """Return failed rows (newest first per kind): kind, id, when, reason and the raw input."""
    out = []
    for name, k in KINDS.items():
        if kind and name != kind:
            continue
        out += [{"kind": name, **row} for row in db.query(
            f"SELECT id, {k.at} AS at, {k.reason} AS reason, {k.raw} AS raw FROM {k.table} WHERE {k.failed} "
            "ORDER BY id DESC LIMIT ?", [limit])]
    return out


def retry(db: Database, kind: str, row_id: int, *, now: datetime) -> bool:
    """Make a failed row due again; return whether it was failed."""
    k = KINDS[kind]
    return db.execute(f"UPDATE {k.table} SET {k.retry} WHERE id = :id AND {k.failed}",
                      {"now": iso(now), "id": row_id}).rowcount > 0


def drop(db: Database, kind: str, row_id: int, *, now: datetime) -> bool:
    """Give a failed row up for good (a post is cancelled); return whether it was failed."""
    k = KINDS[kind]
    if kind == "posts":
        return db.execute(f"SELECT 1 FROM posts WHERE id = ? AND {k.failed}", [row_id]).fetchone() is not None \
            and post_rows.cancel(db, row_id, now=now)
    return db.execute(f"UPDATE {k.table} SET {k.drop} WHERE id = ? AND {k.failed}", [row_id]).rowcount > 0
