"""What /ig accounts and App Home show about each account, read in one pass from stored rows."""

from __future__ import annotations

from datetime import datetime

from sqlite_utils import Database

from storage.clock import iso
from storage.meta import get_meta
from storage.posts import ACTIVE


def health_facts(db: Database, account_ids: list[int]) -> dict[int, dict]:
    """Return per account: token and data-access expiry, quota reading, last webhook seen, posts pending."""
    if not account_ids:
        return {}
    marks = ", ".join("?" for _ in account_ids)
    facts: dict[int, dict] = {i: {"token_expires_at": None, "data_access_expires_at": None, "quota": None,
                                  "webhook_seen": None, "posts_pending": 0, "posts_failed": 0}
                              for i in account_ids}
    for row in db.query(f"SELECT account_id, expires_at, data_access_expires_at FROM tokens "
                        f"WHERE account_id IN ({marks}) ORDER BY updated_at", account_ids):
        facts[row["account_id"]].update(token_expires_at=row["expires_at"],
                                        data_access_expires_at=row["data_access_expires_at"])
    if db["publishing_quota"].exists():
        for row in db.query(f"SELECT account_id, used, total, duration, read_at FROM publishing_quota "
                            f"WHERE account_id IN ({marks})", account_ids):
            facts[row["account_id"]]["quota"] = {k: row[k] for k in ("used", "total", "duration", "read_at")}
    states = ", ".join("?" for _ in ACTIVE)
    for row in db.query(f"SELECT account_id, SUM(state IN ({states})) AS pending, SUM(state = 'failed') AS failed "
                        f"FROM posts WHERE account_id IN ({marks}) GROUP BY account_id", [*ACTIVE, *account_ids]):
        facts[row["account_id"]].update(posts_pending=row["pending"] or 0, posts_failed=row["failed"] or 0)
    for row in db.query(f"SELECT id, ig_user_id FROM accounts WHERE id IN ({marks})", account_ids):
        facts[row["id"]]["webhook_seen"] = get_meta(db, f"webhook_seen:{row['ig_user_id']}")
    return facts


def upcoming_posts(db: Database, account_ids: list[int], *, since: datetime, until: datetime,
                   limit: int = 10) -> tuple[list[dict], int]:
    """Return the accounts' posts due between two moments (soonest first, at most `limit`) and how many in all."""
    if not account_ids:
        return [], 0
    marks, states = ", ".join("?" for _ in account_ids), ", ".join("?" for _ in ACTIVE)
    where = f"account_id IN ({marks}) AND state IN ({states}) AND go_at >= ? AND go_at < ?"
    params = [*account_ids, *ACTIVE, iso(since), iso(until)]
    total = db.execute(f"SELECT COUNT(*) FROM posts WHERE {where}", params).fetchone()[0]
    rows = list(db.query(f"SELECT id, account_id, kind, caption, go_at, state, hold FROM posts WHERE {where} "
                         "ORDER BY go_at, id LIMIT ?", [*params, limit]))
    return rows, total


def last_digest_headlines(db: Database, account_ids: list[int], *, limit: int = 5) -> list[dict]:
    """Return the newest sent digests of these accounts with the day they report on and its numbers."""
    if not account_ids:
        return []
    marks = ", ".join("?" for _ in account_ids)
    runs = list(db.query(
        f"SELECT r.account_id, r.day, r.sent_at FROM digest_runs r WHERE r.state = 'sent' "
        f"AND r.account_id IN ({marks}) AND r.sent_at = (SELECT MAX(sent_at) FROM digest_runs s "
        "WHERE s.account_id = r.account_id AND s.state = 'sent') ORDER BY r.sent_at DESC LIMIT ?",
        [*account_ids, limit]))
    for run in runs:
        reported = db.execute("SELECT MAX(day) FROM insight_days WHERE account_id = ? AND day < ?",
                              [run["account_id"], run["day"]]).fetchone()[0]
        run["reported_day"] = reported
        run["metrics"] = {r["metric"]: r["value"] for r in db.query(
            "SELECT metric, value FROM insight_days WHERE account_id = ? AND day = ?", [run["account_id"], reported])}
        followers = db.execute("SELECT followers_count FROM follower_snapshots WHERE account_id = ? AND day <= ? "
                               "ORDER BY day DESC LIMIT 1", [run["account_id"], run["day"]]).fetchone()
        run["followers_count"] = followers[0] if followers else None
    return runs
