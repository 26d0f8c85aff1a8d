"""One row per account with what `/ig accounts` shows, gathered from every feature's tables."""

from __future__ import annotations

from sqlite_utils import Database

from storage import accounts as account_rows
from storage import tokens as token_rows
from storage.inbox import webhook_seen
from storage.posts import TERMINAL, get_quota


def account_overview(db: Database) -> list[dict]:
    """Return every account with its token expiries, quota reading, last webhook and pending posts."""
    marks = ", ".join("?" for _ in TERMINAL)
    pending = dict(db.execute(f"SELECT account_id, COUNT(*) FROM posts WHERE state NOT IN ({marks}) "
                              "GROUP BY account_id", list(TERMINAL)).fetchall())
    out = []
    for account in account_rows.list_accounts(db):
        token = token_rows.get_token(db, account["id"]) or {}
        out.append({**account, "token_expires_at": token.get("expires_at"), "token_stored": bool(token),
                    "data_access_expires_at": token.get("data_access_expires_at"),
                    "quota": get_quota(db, account["id"]), "webhook_seen": webhook_seen(db, account["ig_user_id"]),
                    "posts_pending": pending.get(account["id"], 0)})
    return out
