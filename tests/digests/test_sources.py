"""The digest's sections from other features' records, and their footnotes when there are none."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from storage import audit as audit_rows
from storage import digest_sources as sources
from storage.clock import iso
from storage.db import open_database

DAY = datetime(2026, 11, 22, tzinfo=UTC)


def test_no_comment_records_means_zero_moderation_work(tmp_path):
    db = open_database(str(tmp_path / "x.db"))
    assert sources.moderation_summary(db, 1, iso(DAY), iso(DAY + timedelta(days=1))) == {
        "relayed": 0, "replied": 0, "hidden": 0, "deleted": 0, "median_first_reply_minutes": None}


def test_moderation_numbers_come_from_relayed_comments_and_the_audit_log(tmp_path, monkeypatch):
    db = open_database(str(tmp_path / "x.db"))
    rows = [("c1", "comment", "queued", 9), ("c2", "comment", "queued", 10), ("c3", "mention", "queued", 11),
            ("c4", "own", "queued", 12), ("c5", "comment", "waiting", 13), ("c6", "comment", "queued", -1)]
    for ig_id, kind, state, hour in rows:
        at = DAY + timedelta(hours=hour)
        db.execute("INSERT INTO comments (account_id, ig_comment_id, kind, relay_state, created_at) "
                   "VALUES (1, ?, ?, ?, ?)", [ig_id, kind, state, iso(at)])
    for action, target, minutes_after_c1 in (("comment.reply", "c1", 10), ("comment.reply", "c1", 50),
                                             ("comment.reply", "c2", 90), ("comment.hide", "c3", 200),
                                             ("comment.delete", "c2", 300)):
        monkeypatch.setattr(audit_rows, "utcnow", lambda m=minutes_after_c1: iso(DAY + timedelta(hours=9, minutes=m)))
        audit_rows.add_audit(db, actor="U1", action=action, result="ok", account_id=1, target=target, detail=None)
    audit_rows.add_audit(db, actor="U1", action="comment.hide", result="refused", account_id=1, target="c1",
                         detail=None)
    got = sources.moderation_summary(db, 1, iso(DAY), iso(DAY + timedelta(days=1)))
    # c1 first answered after 10 min, c2 after 90 − 60 = 30 min → median 20
    assert got == {"relayed": 3, "replied": 3, "hidden": 1, "deleted": 1, "median_first_reply_minutes": 20.0}
