"""The tokens table: access tokens, stored only as ciphertext."""

from __future__ import annotations

from sqlite_utils import Database

from storage.clock import utcnow


def put_token(db: Database, *, account_id: int, kind: str, ciphertext: str, expires_at: str | None = None,
              data_access_expires_at: str | None = None) -> None:
    """Store (or replace) an account's encrypted token of this kind (not yet checked by the token check)."""
    db["tokens"].upsert({
        "account_id": account_id, "kind": kind, "ciphertext": ciphertext, "expires_at": expires_at,
        "data_access_expires_at": data_access_expires_at, "updated_at": utcnow(), "checked_at": None,
    }, pk=("account_id", "kind"))


def get_token(db: Database, account_id: int, kind: str | None = None) -> dict | None:
    """Return the account's token row (of this kind, or the newest), or None."""
    sql = "SELECT * FROM tokens WHERE account_id = ?"
    params: list = [account_id]
    if kind:
        sql += " AND kind = ?"
        params.append(kind)
    rows = list(db.query(sql + " ORDER BY updated_at DESC LIMIT 1", params))
    return rows[0] if rows else None


def list_tokens(db: Database) -> list[dict]:
    """Return every token row (ciphertext included; callers must not show it)."""
    return list(db["tokens"].rows)


def set_expiries(db: Database, *, account_id: int, kind: str, expires_at: str | None,
                 data_access_expires_at: str | None) -> None:
    """Record what Meta says about when a stored token and its data access expire."""
    db.execute("UPDATE tokens SET expires_at = ?, data_access_expires_at = ? WHERE account_id = ? AND kind = ?",
               [expires_at, data_access_expires_at, account_id, kind])


def count_tokens(db: Database) -> int:
    """Return how many tokens are stored."""
    return db.execute("SELECT COUNT(*) FROM tokens").fetchone()[0]


def mark_checked(db: Database, *, account_id: int, kind: str, at: str) -> None:
    """Record that the token check looked at a token."""
    db.execute("UPDATE tokens SET checked_at = ? WHERE account_id = ? AND kind = ?", [at, account_id, kind])
