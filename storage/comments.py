"""The comments and media_cache tables: relayed comments, their Slack message and state; media context."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlite_utils import Database

from storage import outbox as outbox_rows
from storage.clock import iso, utcnow

FOLD_PREFIX = "fold:"  # the dedupe key of a folded post; `outbox_open_folds` indexes unsent ones


def add_comment(db: Database, row: dict) -> tuple[dict, bool]:
    """Insert a comment unless (account, comment id) is known; return (row, created)."""
    now = utcnow()
    values = {"state": "visible", "handled": 0, "folded": 0, "relay_state": "waiting", **row,
              "created_at": now, "updated_at": now}
    columns = ", ".join(values)
    cursor = db.execute(f"INSERT OR IGNORE INTO comments ({columns}) VALUES ({', '.join('?' * len(values))})",
                        list(values.values()))
    existing = get_by_ig_id(db, row["account_id"], row["ig_comment_id"])
    return existing, cursor.rowcount > 0


def get_comment(db: Database, comment_id: int) -> dict | None:
    """Return one comment row by igbot's id, or None."""
    return next(db.query("SELECT * FROM comments WHERE id = ?", [comment_id]), None)


def get_by_ig_id(db: Database, account_id: int, ig_comment_id: str) -> dict | None:
    """Return an account's comment by its Instagram id, or None."""
    return next(db.query("SELECT * FROM comments WHERE account_id = ? AND ig_comment_id = ?",
                         [account_id, ig_comment_id]), None)


def update_comment(db: Database, comment_id: int, **changes: object) -> dict:
    """Change a comment's columns (names from code, never from input) and return the row."""
    values = {**changes, "updated_at": utcnow()}
    assignments = ", ".join(f"{column} = ?" for column in values)
    db.execute(f"UPDATE comments SET {assignments} WHERE id = ?", [*values.values(), comment_id])
    return get_comment(db, comment_id)


def waiting(db: Database, *, limit: int = 500) -> list[dict]:
    """Return comments not yet handed to the outbox, oldest first."""
    return list(db.query("SELECT * FROM comments INDEXED BY comments_waiting WHERE relay_state = 'waiting' "
                         "ORDER BY id LIMIT ?", [limit]))


def skip_relay(db: Database, comment_id: int) -> None:
    """Mark a comment as not to be shown (the account's own reply written through igbot)."""
    db.execute("UPDATE comments SET relay_state = 'skipped', updated_at = ? WHERE id = ?", [utcnow(), comment_id])


def fail_relay(db: Database, comment_id: int, *, error: str) -> None:
    """Set aside a comment whose relay raised, with the reason (`igbot failed retry` makes it wait again)."""
    db.execute("UPDATE comments SET relay_state = 'failed', relay_error = ?, updated_at = ? WHERE id = ?",
               [error, utcnow(), comment_id])


def queue_message(db: Database, comment_id: int, *, channel_id: str, account_id: int, payload: dict,
                  dedupe_key: str, thread_parent_id: int | None = None, folded: bool = False) -> int:
    """Store the comment's Slack post in the outbox and link them, in one transaction; return the post id."""
    with db.atomic():
        item_id = outbox_rows.enqueue_post(db, channel_id=channel_id, payload=payload, account_id=account_id,
                                           dedupe_key=dedupe_key, thread_parent_id=thread_parent_id)
        db.execute("UPDATE comments SET message_id = ?, folded = ?, relay_state = 'queued', updated_at = ? "
                   "WHERE id = ?", [item_id, int(folded), utcnow(), comment_id])
    return item_id


def link_thread_post(db: Database, comment_id: int, *, channel_id: str, account_id: int, payload: dict,
                     dedupe_key: str, thread_parent_id: int) -> int:
    """Store a reply's post in its parent's thread; the reply keeps pointing at the parent's message."""
    with db.atomic():
        item_id = outbox_rows.enqueue_post(db, channel_id=channel_id, payload=payload, account_id=account_id,
                                           dedupe_key=dedupe_key, thread_parent_id=thread_parent_id)
        db.execute("UPDATE comments SET message_id = ?, relay_state = 'queued', updated_at = ? WHERE id = ?",
                   [item_id, utcnow(), comment_id])
    return item_id


def open_fold(db: Database, channel_id: str, *, max_members: int) -> tuple[int, list[dict]] | None:
    """Return the newest folded post of a channel that is still unsent and has room, with its comments.

    Found through the index of unsent folded posts (`outbox_open_folds`): one row read, however many folds
    are waiting.
    """
    row = db.execute(
        "SELECT id FROM outbox WHERE channel_id = ? AND kind = 'post' AND state = 'pending' "
        "AND claimed_by IS NULL AND substr(dedupe_key, 1, 5) = 'fold:' ORDER BY id DESC LIMIT 1",
        [channel_id]).fetchone()
    if row is None:
        return None
    members = fold_members(db, row[0])
    if not members or len(members) >= max_members:
        return None
    return row[0], members


def extend_fold(db: Database, item_id: int, comment_id: int, payload: dict) -> bool:
    """Add a comment to an unsent folded post (new payload); False if the post was taken meanwhile."""
    with db.atomic():
        if not outbox_rows.replace_unsent_payload(db, item_id, payload):
            return False
        db.execute("UPDATE comments SET message_id = ?, folded = 1, relay_state = 'queued', updated_at = ? "
                   "WHERE id = ?", [item_id, utcnow(), comment_id])
    return True


def fold_members(db: Database, item_id: int) -> list[dict]:
    """Return the comments shown in a folded post, in order."""
    return list(db.query("SELECT * FROM comments WHERE message_id = ? AND folded = 1 ORDER BY id", [item_id]))


def begin_action(db: Database, comment_id: int, action: str, *, seconds: float = 60.0) -> bool:
    """Take the comment for one action; False while another action on it is in flight."""
    now = datetime.now(UTC)
    cursor = db.execute(
        "UPDATE comments SET busy = ?, busy_until = ? WHERE id = ? AND (busy IS NULL OR busy_until < ?)",
        [action, iso(now + timedelta(seconds=seconds)), comment_id, iso(now)])
    return cursor.rowcount > 0


def end_action(db: Database, comment_id: int, **changes: object) -> dict:
    """Release the comment after an action, storing what changed; return the row."""
    return update_comment(db, comment_id, busy=None, busy_until=None, **changes)


def reply_in_flight(db: Database, account_id: int, parent_ig_id: str) -> bool:
    """Return True while igbot is sending a reply to this comment (its webhook may overtake the answer)."""
    row = db.execute("SELECT 1 FROM comments WHERE account_id = ? AND ig_comment_id = ? AND busy = 'reply' "
                     "AND busy_until >= ?", [account_id, parent_ig_id, utcnow()]).fetchone()
    return row is not None


def known_comment_ids(db: Database, account_id: int, ig_ids: list[str]) -> set[str]:
    """Return which of these Instagram comment ids igbot already has for an account."""
    if not ig_ids:
        return set()
    marks = ",".join("?" * len(ig_ids))
    rows = db.execute(f"SELECT ig_comment_id FROM comments WHERE account_id = ? AND ig_comment_id IN ({marks})",
                      [account_id, *ig_ids]).fetchall()
    return {r[0] for r in rows}


def get_media(db: Database, account_id: int, media_id: str) -> dict | None:
    """Return cached media context for an account, or None."""
    return next(db.query("SELECT * FROM media_cache WHERE account_id = ? AND media_id = ?", [account_id, media_id]),
                None)


def put_media(db: Database, account_id: int, media_id: str, **values: object) -> dict:
    """Store (or replace) media context; return the row."""
    db["media_cache"].upsert({"account_id": account_id, "media_id": media_id, **values, "fetched_at": utcnow()},
                             pk=("account_id", "media_id"))
    return get_media(db, account_id, media_id)
