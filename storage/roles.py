"""The roles table: who may do what on which account ('*' = all accounts)."""

from __future__ import annotations

from sqlite_utils import Database

from storage.clock import utcnow


def grant_role(db: Database, *, slack_user_id: str, account: str, role: str, granted_by: str) -> None:
    """Give a person a role on an account (replacing the one they had there)."""
    db["roles"].upsert({"slack_user_id": slack_user_id, "account": account, "role": role,
                        "granted_by": granted_by, "granted_at": utcnow()}, pk=("slack_user_id", "account"))


def revoke_role(db: Database, *, slack_user_id: str, account: str) -> bool:
    """Remove a person's role on an account; return True if they had one."""
    cursor = db.execute("DELETE FROM roles WHERE slack_user_id = ? AND account = ?", [slack_user_id, account])
    return cursor.rowcount > 0


def roles_of(db: Database, slack_user_id: str) -> dict[str, str]:
    """Return {account or '*': role} for one person."""
    rows = db.execute("SELECT account, role FROM roles WHERE slack_user_id = ?", [slack_user_id]).fetchall()
    return dict(rows)


def list_roles(db: Database, account: str | None = None) -> list[dict]:
    """Return role rows, for one account (with '*' grants) or all."""
    if account is None:
        return list(db["roles"].rows_where(order_by="account, slack_user_id"))
    return list(db["roles"].rows_where("account IN (?, '*')", [account], order_by="account, slack_user_id"))


def count_roles(db: Database) -> int:
    """Return how many role grants exist."""
    return db["roles"].count
