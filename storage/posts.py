"""The posts tables: queued posts, their media items and containers, quota readings, story insights."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlite_utils import Database

from storage import leases
from storage import outbox as outbox_rows
from storage.clock import iso

ACTIVE = ("awaiting_approval", "scheduled", "creating", "processing", "ready", "publishing", "needs_check")
TERMINAL = ("published", "failed", "rejected", "cancelled")
CANCELLABLE = ("awaiting_approval", "scheduled", "creating", "processing", "ready", "failed")


def create_post(db: Database, *, account_id: int, kind: str, caption: str | None, author: str, channel_id: str,
                due_at: datetime, next_action_at: datetime, items: list[dict], now: datetime,
                needs_approval: bool = False, options: dict | None = None, first_comment: str | None = None) -> dict:
    """Store a validated post with its items in one transaction; return the post row."""
    with db.atomic():
        post_id = db["posts"].insert({
            "account_id": account_id, "kind": kind, "caption": caption, "author": author,
            "channel_id": channel_id, "due_at": iso(due_at), "go_at": iso(due_at),
            "state": "awaiting_approval" if needs_approval else "scheduled",
            "needs_approval": int(needs_approval), "options": json.dumps(options or {}),
            "first_comment": first_comment or None,
            "first_comment_state": "pending" if first_comment else "none",
            "next_action_at": iso(due_at if needs_approval else next_action_at),
            "created_at": iso(now), "updated_at": iso(now),
        }).last_pk
        for position, item in enumerate(items):
            db["post_items"].insert({
                "post_id": post_id, "position": position, "url": item["url"], "media": item["media"],
                "upload_token": item.get("upload_token"), "options": json.dumps(item.get("options") or {}),
            })
            if item.get("upload_token"):
                db.execute("UPDATE media_uploads SET post_id = ? WHERE token = ?", [post_id, item["upload_token"]])
    return get_post(db, post_id)


def get_post(db: Database, post_id: int) -> dict | None:
    """Return a post row, or None."""
    rows = list(db["posts"].rows_where("id = ?", [post_id]))
    return rows[0] if rows else None


def items_of(db: Database, post_id: int) -> list[dict]:
    """Return a post's media items in order."""
    return list(db["post_items"].rows_where("post_id = ?", [post_id], order_by="position"))


DUE = "next_action_at IS NOT NULL AND next_action_at <= ?"


def due_accounts(db: Database, *, now: datetime) -> list[int]:
    """Return the accounts that have a post whose next action is due and that nobody holds."""
    rows = db.execute(f"SELECT DISTINCT account_id FROM posts WHERE {DUE} AND (claimed_by IS NULL OR lease_until < ?) "
                      "ORDER BY account_id", [iso(now), iso(now)]).fetchall()
    return [r[0] for r in rows]


def claim_due(db: Database, *, worker: str, lease_seconds: float, now: datetime, account_id: int,
              limit: int = 25) -> list[int]:
    """Claim an account's posts whose next action is due (unclaimed or with an expired lease); return their ids."""
    return leases.claim(db, "posts", worker=worker, lease_seconds=lease_seconds,
                        where=f"account_id = ? AND {DUE}", params=(account_id, iso(now)),
                        order_by="go_at, id", limit=limit, now=now)


def claim_one(db: Database, post_id: int, *, worker: str, lease_seconds: float, now: datetime) -> bool:
    """Claim one post now (a Publish now or Retry click), if no live lease holds it."""
    return bool(leases.claim(db, "posts", worker=worker, lease_seconds=lease_seconds, where="id = ?",
                             params=(post_id,), now=now))


def release(db: Database, post_id: int, *, worker: str) -> bool:
    """Give up this worker's lease on a post."""
    return leases.release(db, "posts", post_id, worker=worker)


def update(db: Database, post_id: int, *, worker: str | None = None, states: tuple[str, ...] | None = None,
           now: datetime, **changes: object) -> bool:
    """Change a post if it is (still) in one of `states` and (when given) leased by `worker`."""
    sets = {**changes, "updated_at": iso(now)}
    sql = f"UPDATE posts SET {', '.join(f'{k} = ?' for k in sets)} WHERE id = ?"
    params: list[object] = [*sets.values(), post_id]
    if states:
        sql += f" AND state IN ({', '.join('?' for _ in states)})"
        params += list(states)
    if worker is not None:
        sql += " AND claimed_by = ?"
        params.append(worker)
    return db.execute(sql, params).rowcount > 0


def approve(db: Database, post_id: int, *, approver: str, revision: int, go_at: datetime,
            next_action_at: datetime, now: datetime) -> bool:
    """Approve a post still awaiting approval and still at `revision`; return whether it was."""
    return db.execute(
        "UPDATE posts SET state = 'scheduled', approved_by = ?, go_at = ?, next_action_at = ?, updated_at = ? "
        "WHERE id = ? AND state = 'awaiting_approval' AND COALESCE(revision, 0) = ?",
        [approver, iso(go_at), iso(next_action_at), iso(now), post_id, revision]).rowcount > 0


def record_container(db: Database, *, post_id: int, account_id: int, container_id: str, now: datetime,
                     position: int | None = None) -> None:
    """Store a container id the moment Meta returns it (an item's, or the post's own when position is None)."""
    with db.atomic():
        if position is None:
            db.execute("UPDATE posts SET container_id = ?, container_created_at = ?, updated_at = ? WHERE id = ?",
                       [container_id, iso(now), iso(now), post_id])
        else:
            db.execute("UPDATE post_items SET container_id = ?, container_created_at = ? "
                       "WHERE post_id = ? AND position = ?", [container_id, iso(now), post_id, position])
        db["post_containers"].insert({"container_id": container_id, "account_id": account_id, "post_id": post_id,
                                      "created_at": iso(now)}, replace=True)


def forget_containers(db: Database, post_id: int) -> None:
    """Drop a post's container ids (expired or failed containers are created again)."""
    with db.atomic():
        db.execute("UPDATE posts SET container_id = NULL, container_created_at = NULL, poll_started_at = NULL "
                   "WHERE id = ?", [post_id])
        db.execute("UPDATE post_items SET container_id = NULL, container_created_at = NULL WHERE post_id = ?",
                   [post_id])


def containers_since(db: Database, account_id: int, since: datetime) -> int:
    """Count the containers igbot created for an account since a moment (Meta allows 400 per 24 h)."""
    row = db.execute("SELECT COUNT(*) FROM post_containers WHERE account_id = ? AND created_at > ?",
                     [account_id, iso(since)]).fetchone()
    return row[0]


def oldest_container_since(db: Database, account_id: int, since: datetime) -> str | None:
    """Return when the oldest container of the window was created (the cap frees 24 h after it)."""
    row = db.execute("SELECT MIN(created_at) FROM post_containers WHERE account_id = ? AND created_at > ?",
                     [account_id, iso(since)]).fetchone()
    return row[0]


def published_since(db: Database, account_id: int, since: datetime) -> list[str]:
    """Return when igbot's posts for an account were published since a moment, oldest first."""
    rows = db.execute("SELECT published_at FROM posts WHERE account_id = ? AND state = 'published' "
                      "AND published_at > ? ORDER BY published_at", [account_id, iso(since)]).fetchall()
    return [r[0] for r in rows]


def media_ids_since(db: Database, account_id: int, since: datetime) -> set[str]:
    """Return the media ids igbot's posts for an account became since a moment (a lookup must not claim them)."""
    rows = db.execute("SELECT media_id FROM posts WHERE account_id = ? AND media_id IS NOT NULL "
                      "AND published_at > ?", [account_id, iso(since)]).fetchall()
    return {r[0] for r in rows}


def cancel(db: Database, post_id: int, *, now: datetime) -> bool:
    """Cancel a post that is not being published and has not been; return whether it was."""
    with db.atomic():
        changed = update(db, post_id, states=CANCELLABLE, now=now, state="cancelled", next_action_at=None,
                         hold=None, hold_reason=None, hold_until=None)
        if changed:
            expire_uploads(db, post_id, iso(now + timedelta(hours=24)))
    return changed


def queue_of(db: Database, account_ids: list[int], *, recent_since: datetime, limit: int = 20) -> list[dict]:
    """Return the accounts' upcoming posts (by time) and recent finished ones (newest first)."""
    if not account_ids:
        return []
    marks = ", ".join("?" for _ in account_ids)
    upcoming = list(db["posts"].rows_where(
        f"account_id IN ({marks}) AND state IN ({', '.join('?' for _ in ACTIVE)})", [*account_ids, *ACTIVE],
        order_by="go_at, id", limit=limit))
    recent = list(db["posts"].rows_where(
        f"account_id IN ({marks}) AND state IN ({', '.join('?' for _ in TERMINAL)}) AND updated_at > ?",
        [*account_ids, *TERMINAL, iso(recent_since)], order_by="updated_at DESC", limit=limit))
    return upcoming + recent


def posts_of_account(db: Database, account_id: int) -> list[dict]:
    """Return every post of an account (tests, the demo)."""
    return list(db["posts"].rows_where("account_id = ?", [account_id], order_by="id"))


def resume_reconnected(db: Database, account_id: int, *, now: datetime) -> int:
    """Wake an account's posts held for reconnecting (its status is active again); return how many."""
    return db.execute("UPDATE posts SET next_action_at = ?, updated_at = ? WHERE account_id = ? "
                      "AND hold = 'reconnect'", [iso(now), iso(now), account_id]).rowcount


def save_quota(db: Database, account_id: int, *, used: int, total: int, duration: int, now: datetime) -> None:
    """Store the last content_publishing_limit reading of an account."""
    db["publishing_quota"].insert({"account_id": account_id, "used": used, "total": total, "duration": duration,
                                   "read_at": iso(now)}, replace=True)


def count_quota(db: Database, account_id: int, *, used: int) -> None:
    """Keep the locally counted use with an account's last quota reading (its read_at stays)."""
    db.execute("UPDATE publishing_quota SET used = ? WHERE account_id = ?", [used, account_id])


def get_quota(db: Database, account_id: int) -> dict | None:
    """Return the last quota reading ``{used, total, duration, read_at}``, or None."""
    rows = list(db["publishing_quota"].rows_where("account_id = ?", [account_id]))
    return rows[0] if rows else None


def stories_due_for_insights(db: Database, *, now: datetime, limit: int = 20) -> list[dict]:
    """Return published stories whose insights are due and not yet read."""
    return list(db["posts"].rows_where(
        "kind = 'story' AND state = 'published' AND media_id IS NOT NULL AND insights_due_at IS NOT NULL "
        "AND insights_due_at <= ?", [iso(now)], order_by="insights_due_at", limit=limit))


def save_story_insights(db: Database, post: dict, *, insights: dict | None, too_few_viewers: bool,
                        now: datetime) -> None:
    """Store a story's insights (or that Instagram reports none) and mark them read."""
    with db.atomic():
        db["story_insights"].insert({
            "post_id": post["id"], "account_id": post["account_id"], "media_id": post["media_id"],
            "published_at": post["published_at"], "insights": json.dumps(insights or {}),
            "too_few_viewers": int(too_few_viewers), "read_at": iso(now)}, replace=True)
        db.execute("UPDATE posts SET insights_due_at = NULL WHERE id = ?", [post["id"]])


def story_insights_between(db: Database, account_id: int, since: str, until: str) -> list[dict]:
    """Return the captured story insights of stories published in [since, until)."""
    rows = db["story_insights"].rows_where("account_id = ? AND published_at >= ? AND published_at < ?",
                                           [account_id, since, until], order_by="published_at")
    return [{"media_id": r["media_id"], "published_at": r["published_at"],
             "insights": json.loads(r["insights"] or "{}"), "too_few_viewers": bool(r["too_few_viewers"])}
            for r in rows]


def add_upload(db: Database, *, token: str, path: str, content_type: str, size: int, now: datetime) -> None:
    """Store an uploaded file's record (the file itself lives beside the database)."""
    db["media_uploads"].insert({"token": token, "path": path, "content_type": content_type, "size": size,
                                "created_at": iso(now)})


def get_upload(db: Database, token: str) -> dict | None:
    """Return an upload's record, or None."""
    rows = list(db["media_uploads"].rows_where("token = ?", [token]))
    return rows[0] if rows else None


def expire_uploads(db: Database, post_id: int, expires_at: str) -> None:
    """Set when a post's uploaded files stop being served and are deleted."""
    db.execute("UPDATE media_uploads SET expires_at = ? WHERE post_id = ? AND expires_at IS NULL",
               [expires_at, post_id])


def expired_uploads(db: Database, *, now: datetime) -> list[dict]:
    """Return uploads past their time (and unattached ones older than a day)."""
    return list(db["media_uploads"].rows_where(
        "(expires_at IS NOT NULL AND expires_at <= ?) OR (post_id IS NULL AND created_at <= ?)",
        [iso(now), iso(now - timedelta(days=1))]))


def remove_upload(db: Database, token: str) -> None:
    """Forget an upload whose file was deleted."""
    db.execute("DELETE FROM media_uploads WHERE token = ?", [token])


EDITABLE = ("awaiting_approval", "scheduled", "failed")


def editable(post: dict, items: list[dict]) -> bool:
    """Whether a post may still be edited: not being published, and Instagram has none of its media yet."""
    return (post["state"] in EDITABLE and not post.get("container_id")
            and not any(i.get("container_id") for i in items))


def replace_post(db: Database, post_id: int, *, account_id: int, kind: str, caption: str | None, due_at: datetime,
                 lead: timedelta, items: list[dict], options: dict, first_comment: str | None,
                 needs_approval: bool, editor: str, now: datetime) -> dict | None:
    """Replace an editable post's items, caption, options and time in one transaction; None if it is not editable.

    A post that needs approval (now, or when it was queued) waits for it again: an approval covers the content
    that was approved. One that does not goes back to `scheduled` (a failed one too). The caller posts the new
    approval request in the same transaction (``db.atomic()`` nests).
    """
    with db.atomic():
        post = get_post(db, post_id)
        if post is None or post["account_id"] != account_id or not editable(post, items_of(db, post_id)):
            return None
        if post.get("claimed_by") and post.get("lease_until") and post["lease_until"] > iso(now):
            return None
        old_tokens = {i["upload_token"] for i in items_of(db, post_id) if i.get("upload_token")}
        db.execute("DELETE FROM post_items WHERE post_id = ?", [post_id])
        for position, item in enumerate(items):
            db["post_items"].insert({
                "post_id": post_id, "position": position, "url": item["url"], "media": item["media"],
                "upload_token": item.get("upload_token"), "options": json.dumps(item.get("options") or {}),
            })
            if item.get("upload_token"):
                old_tokens.discard(item["upload_token"])
                db.execute("UPDATE media_uploads SET post_id = ? WHERE token = ?", [post_id, item["upload_token"]])
        for token in old_tokens:  # files the edit dropped go the way of unattached uploads
            db.execute("UPDATE media_uploads SET expires_at = ? WHERE token = ?", [iso(now), token])
        needs = bool(needs_approval or post["needs_approval"])
        state = "awaiting_approval" if needs else "scheduled"
        db["posts"].update(post_id, {
            "kind": kind, "caption": caption, "options": json.dumps(options or {}),
            "first_comment": first_comment or None, "first_comment_state": "pending" if first_comment else "none",
            "due_at": iso(due_at), "go_at": iso(due_at), "state": state, "error": None,
            "needs_approval": int(needs), "approved_by": None, "reminded_at": None,
            "edited_by": editor, "edited_at": iso(now), "revision": (post.get("revision") or 0) + 1,
            "hold": None, "hold_reason": None, "hold_until": None, "hold_notified": None,
            "next_action_at": iso(due_at if needs else min(due_at, max(now, due_at - lead))),
            "updated_at": iso(now),
        })
    return get_post(db, post_id)


# The approval flows: each state change and the channel messages it causes, in one transaction.
# ``request`` builds the approval request's message from the stored post and its items (the bot's Block Kit).
ApprovalRequest = Callable[[dict, list[dict]], dict]


def _ask_approval(db: Database, post: dict, *, channel_id: str, account_id: int, request: ApprovalRequest,
                  now: datetime) -> None:
    revision = post.get("revision") or 0
    key = f"post:{post['id']}:approval" + (f":{revision}" if revision else "")
    outbox_id = outbox_rows.enqueue_post(db, channel_id=channel_id, account_id=account_id,
                                         payload=request(post, items_of(db, post["id"])), dedupe_key=key)
    update(db, post["id"], now=now, approval_outbox_id=outbox_id)


def create_post_asking_approval(db: Database, *, request: ApprovalRequest, **post: object) -> dict:
    """Store a new post; when it needs approval, queue its approval request with it. Return the post row."""
    with db.atomic():
        row = create_post(db, **post)
        if post.get("needs_approval"):
            _ask_approval(db, row, channel_id=post["channel_id"], account_id=post["account_id"], request=request,
                          now=post["now"])
    return get_post(db, row["id"])


def replace_post_asking_approval(db: Database, post_id: int, *, request: ApprovalRequest,
                                 superseded: Callable[[dict], dict], **changes: object) -> dict | None:
    """Replace an editable post; the earlier approval request says it was superseded, and an edit that needs
    approval asks again. None if the post is not editable."""
    with db.atomic():
        before = get_post(db, post_id)
        post = replace_post(db, post_id, **changes)
        if post is None:
            return None
        if before and before["approval_outbox_id"]:
            outbox_rows.enqueue_update(db, target_id=before["approval_outbox_id"], account_id=changes["account_id"],
                                       payload=superseded(post))
        if post["state"] == "awaiting_approval":
            _ask_approval(db, post, channel_id=post["channel_id"], account_id=changes["account_id"], request=request,
                          now=changes["now"])
    return get_post(db, post_id)


def approve_and_tell(db: Database, post: dict, *, account_id: int, done: dict, **approval: object) -> bool:
    """Approve a post and update its approval request to say so; False if it was not awaiting approval."""
    with db.atomic():
        if not approve(db, post["id"], **approval):
            return False
        if post["approval_outbox_id"]:
            outbox_rows.enqueue_update(db, target_id=post["approval_outbox_id"], account_id=account_id, payload=done)
    return True


def reject_and_tell(db: Database, post: dict, *, account_id: int, reason: str, done: dict, notice: dict,
                    now: datetime) -> bool:
    """Reject a post: its uploads expire, its request says so and its author is told in the thread."""
    with db.atomic():
        if not update(db, post["id"], states=("awaiting_approval",), now=now, state="rejected", error=reason[:1000],
                      next_action_at=None):
            return False
        expire_uploads(db, post["id"], iso(now))
        if post["approval_outbox_id"]:
            outbox_rows.enqueue_update(db, target_id=post["approval_outbox_id"], account_id=account_id, payload=done)
            outbox_rows.enqueue_post(db, channel_id=post["channel_id"], account_id=account_id,
                                     thread_parent_id=post["approval_outbox_id"], payload=notice,
                                     dedupe_key=f"post:{post['id']}:rejected")
    return True


def change_and_tell(db: Database, post_id: int | None, *, now: datetime, changes: dict | None = None,
                    states: tuple[str, ...] | None = None, channel_id: str, account_id: int, payload: dict,
                    dedupe_key: str) -> bool:
    """Change a post (when given; only from `states`, when given) and queue the channel message that says so, in
    one transaction; False, and nothing queued, when the post was no longer in those states."""
    with db.atomic():
        if post_id is not None and changes is not None:
            moved = update(db, post_id, states=states, now=now, **changes)
            if states and not moved:
                return False
        outbox_rows.enqueue_post(db, channel_id=channel_id, payload=payload, account_id=account_id,
                                 dedupe_key=dedupe_key)
    return True

