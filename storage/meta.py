"""Key/value facts about the database itself."""

from sqlite_utils import Database


def get_meta(db: Database, key: str) -> str | None:
    """Return the value stored under key, or None."""
    row = db.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchone()
    return row[0] if row else None


def set_meta(db: Database, key: str, value: str) -> None:
    """Store value under key (one prepared statement: no look at the schema)."""
    db.execute("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
               [key, value])
