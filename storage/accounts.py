"""The accounts table: Instagram accounts and the Slack channel each one works in."""

from __future__ import annotations

from sqlite_utils import Database

from storage import tokens as token_rows
from storage.clock import utcnow


class DuplicateAccount(Exception):
    """An account with the same username or Instagram id already exists."""


def add_account(db: Database, *, username: str, ig_user_id: str, login: str, page_id: str | None,
                channel_id: str, timezone: str, digest_time: str) -> dict:
    """Insert a new account and return its row; refuse a duplicate username or id."""
    with db.atomic():
        for column, value in (("username", username), ("ig_user_id", ig_user_id)):
            if db.execute(f"SELECT 1 FROM accounts WHERE {column} = ?", [value]).fetchone():
                raise DuplicateAccount(f"an account with {column} {value} already exists")
        now = utcnow()
        row_id = db["accounts"].insert({
            "username": username, "ig_user_id": ig_user_id, "login": login, "page_id": page_id,
            "channel_id": channel_id, "timezone": timezone, "digest_time": digest_time,
            "status": "active", "created_at": now, "updated_at": now,
        }).last_pk
    return get_account(db, row_id)


def add_account_with_token(db: Database, *, token_kind: str, ciphertext: str, **account: str) -> dict:
    """Insert a new account and its encrypted token in one transaction; refuse a duplicate (DuplicateAccount)."""
    with db.atomic():
        row = add_account(db, **account)
        token_rows.put_token(db, account_id=row["id"], kind=token_kind, ciphertext=ciphertext)
    return row


def save_connected(db: Database, *, existing_id: int | None, username: str, ig_user_id: str, login: str,
                   page_id: str | None, channel_id: str, token_kind: str, ciphertext: str, expires_at: str | None,
                   data_access_expires_at: str | None) -> dict:
    """Store a connected account (the known one, renamed and re-linked, or a new one) with its new token."""
    with db.atomic():
        if existing_id is not None:
            db.execute("UPDATE accounts SET username = ?, login = ?, page_id = COALESCE(?, page_id), updated_at = ? "
                       "WHERE id = ?", [username, login, page_id, utcnow(), existing_id])
            row = get_account(db, existing_id)
        else:
            row = add_account(db, username=username, ig_user_id=ig_user_id, login=login, page_id=page_id,
                              channel_id=channel_id, timezone="UTC", digest_time="09:00")
        token_rows.put_token(db, account_id=row["id"], kind=token_kind, ciphertext=ciphertext, expires_at=expires_at,
                             data_access_expires_at=data_access_expires_at)
    return row


def count_accounts(db: Database) -> int:
    """Return how many accounts are stored."""
    return db.execute("SELECT COUNT(*) FROM accounts").fetchone()[0]


def get_account(db: Database, account_id: int) -> dict | None:
    """Return the account with this id, or None."""
    rows = list(db["accounts"].rows_where("id = ?", [account_id]))
    return rows[0] if rows else None


def get_account_by_username(db: Database, username: str) -> dict | None:
    """Return the account with this username (any case, with or without @), or None."""
    rows = list(db["accounts"].rows_where("username = ? COLLATE NOCASE", [username.lstrip("@")]))
    return rows[0] if rows else None


def get_account_by_ig_user_id(db: Database, ig_user_id: str) -> dict | None:
    """Return the account with this Instagram user id, or None."""
    rows = list(db["accounts"].rows_where("ig_user_id = ?", [ig_user_id]))
    return rows[0] if rows else None


def list_accounts(db: Database) -> list[dict]:
    """Return every account, by username."""
    return list(db["accounts"].rows_where(order_by="username"))


def remove_account(db: Database, account_id: int) -> None:
    """Delete an account with its tokens and roles (audit rows are kept)."""
    with db.atomic():
        account = get_account(db, account_id)
        db.execute("DELETE FROM tokens WHERE account_id = ?", [account_id])
        if account:
            db.execute("DELETE FROM roles WHERE account = ?", [account["username"]])
        db.execute("DELETE FROM accounts WHERE id = ?", [account_id])


def set_account_status(db: Database, account_id: int, status: str, reason: str | None = None) -> bool:
    """Set an account's status; return True when it changed."""
    cursor = db.execute(
        "UPDATE accounts SET status = ?, status_reason = ?, updated_at = ? "
        "WHERE id = ? AND (status IS NOT ? OR status_reason IS NOT ?)",
        [status, reason, utcnow(), account_id, status, reason],
    )
    return cursor.rowcount > 0


SETTINGS = ("timezone", "digest_time", "weekly_digest", "approval_required", "channel_id")


def update_settings(db: Database, account_id: int, **changes: object) -> dict:
    """Change an account's settings; a new timezone or digest time makes the next digest be rescheduled."""
    unknown = set(changes) - set(SETTINGS)
    if unknown:
        raise ValueError(f"not account settings: {', '.join(sorted(unknown))}")
    values = dict(changes)
    if {"timezone", "digest_time"} & set(values):
        values["next_digest_at"] = None
    if values:
        values["updated_at"] = utcnow()
        db["accounts"].update(account_id, values)
    return get_account(db, account_id)


def rename_account(db: Database, account_id: int, username: str) -> None:
    """Follow a rename on Instagram (roles granted on the old name move with it)."""
    with db.atomic():
        old = get_account(db, account_id)
        db.execute("UPDATE accounts SET username = ?, updated_at = ? WHERE id = ?", [username, utcnow(), account_id])
        db.execute("UPDATE roles SET account = ? WHERE account = ?", [username, old["username"]])
