"""The comment_sync tables: when each account was synced and the comments_count of its media at that time."""

from __future__ import annotations

from sqlite_utils import Database


def last_sync(db: Database, account_id: int) -> dict:
    """Return the account's last sync: ``synced_at``, ``newest_read_at`` (None before the first) and ``counts``
    (media id → comments_count seen then)."""
    row = db.execute("SELECT synced_at, newest_read_at FROM comment_sync WHERE account_id = ?",
                     [account_id]).fetchone()
    counts = db.execute("SELECT media_id, comments_count FROM comment_sync_media WHERE account_id = ?",
                        [account_id]).fetchall()
    return {"synced_at": row[0] if row else None, "newest_read_at": row[1] if row else None,
            "counts": dict(counts)}


def record_sync(db: Database, account_id: int, *, counts: dict[str, int], synced_at: str,
                newest_read_at: str | None) -> None:
    """Replace an account's sync record with this sync's media counts, in one transaction."""
    with db.atomic():
        db.execute("INSERT INTO comment_sync (account_id, synced_at, newest_read_at) VALUES (?, ?, ?) "
                   "ON CONFLICT (account_id) DO UPDATE SET synced_at = excluded.synced_at, "
                   "newest_read_at = excluded.newest_read_at", [account_id, synced_at, newest_read_at])
        db.execute("DELETE FROM comment_sync_media WHERE account_id = ?", [account_id])
        db.conn.executemany("INSERT INTO comment_sync_media (account_id, media_id, comments_count) VALUES (?, ?, ?)",
                            [(account_id, media_id, count) for media_id, count in counts.items()])
