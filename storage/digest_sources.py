"""What the digest reads from other features' records: moderation work, publishing quota, stories."""

from __future__ import annotations

import statistics

from sqlite_utils import Database

from storage.clock import parse
from storage.posts import story_insights_between


def moderation_summary(db: Database, account_id: int, since: str, until: str) -> dict:
    """Return comments relayed, replied, hidden, deleted and the median minutes to a first reply.

    Relayed: comments (and replies and mentions) that reached Slack, received in [since, until). Replied,
    hidden, deleted: the team's successful actions in that range, from the audit log. Time to first reply:
    from igbot receiving a comment of the range to the team's first reply to it.
    """
    relayed = db.execute(
        "SELECT ig_comment_id, created_at FROM comments WHERE account_id = ? AND relay_state = 'queued' "
        "AND kind IN ('comment', 'reply', 'mention', 'caption_mention') AND created_at >= ? AND created_at < ?",
        [account_id, since, until]).fetchall()
    actions = dict(db.execute(
        "SELECT action, COUNT(*) FROM audit_log WHERE account_id = ? AND result = 'ok' AND at >= ? AND at < ? "
        "AND action IN ('comment.reply', 'comment.hide', 'comment.delete') GROUP BY action",
        [account_id, since, until]).fetchall())
    waits = []
    for ig_id, received in relayed:
        first = db.execute("SELECT MIN(at) FROM audit_log WHERE account_id = ? AND action = 'comment.reply' "
                           "AND result = 'ok' AND target = ?", [account_id, ig_id]).fetchone()[0]
        if first:
            waits.append((parse(first) - parse(received)).total_seconds() / 60)
    return {"relayed": len(relayed), "replied": actions.get("comment.reply", 0),
            "hidden": actions.get("comment.hide", 0), "deleted": actions.get("comment.delete", 0),
            "median_first_reply_minutes": statistics.median(waits) if waits else None}


def publishing_quota(db: Database, account_id: int) -> dict | None:
    """Return the publisher's last stored quota reading ``{used, total, read_at}``, or None."""
    rows = db.execute("SELECT used, total, read_at FROM publishing_quota WHERE account_id = ?",
                      [account_id]).fetchall()
    return {"used": rows[0][0], "total": rows[0][1], "read_at": rows[0][2]} if rows else None


def story_results(db: Database, account_id: int, since: str, until: str) -> list[dict]:
    """Return the insights captured for stories igbot published in the range."""

    return story_insights_between(db, account_id, since, until)
