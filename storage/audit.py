"""The audit_log table: every attempted action, allowed or refused."""

from __future__ import annotations

from sqlite_utils import Database

from storage.clock import utcnow


def add_audit(db: Database, *, actor: str, action: str, result: str, account_id: int | None = None,
              target: str | None = None, detail: str | None = None) -> int:
    """Record one attempt and return its row id."""
    return db["audit_log"].insert({"at": utcnow(), "actor": actor, "action": action, "account_id": account_id,
                                   "target": target, "result": result, "detail": detail}).last_pk


def list_audit(db: Database, *, account_id: int | None = None, limit: int = 100) -> list[dict]:
    """Return the newest audit rows, optionally for one account."""
    where, params = ("account_id = ?", [account_id]) if account_id is not None else (None, [])
    return list(db["audit_log"].rows_where(where, params, order_by="id DESC", limit=limit))
