"""What people do to a post: Publish now, Retry, Check again, Approve, Reject, Cancel — each checked, audited,
stored."""

from __future__ import annotations

from dataclasses import dataclass

from bot import access
from bot.deps import Deps
from bot.posts import messages, publisher
from storage import accounts as account_rows
from storage import posts as rows
from storage.clock import iso


@dataclass(frozen=True)
class Outcome:
    """What happened, in a sentence for the person who clicked."""

    ok: bool
    message: str = ""


async def _load(deps: Deps, post_id: int, user_id: str, needed: str, action: str) -> tuple[dict, dict] | Outcome:
    post = await deps.store.run(rows.get_post, post_id)
    account = post and await deps.store.run(account_rows.get_account, post["account_id"])
    if not post or not account:
        return Outcome(False, f"There is no post #{post_id}.")
    decision = await access.authorize(deps, user_id=user_id, account=account, needed=needed, action=action,
                                      target=f"post {post_id}")
    if not decision.allowed:
        return Outcome(False, decision.message)
    return post, account


async def publish_now(deps: Deps, *, user_id: str, post_id: int) -> Outcome:
    """Publish a scheduled, held or ready post now (never one whose outcome is unknown)."""
    loaded = await _load(deps, post_id, user_id, "publisher", "publish now")
    if isinstance(loaded, Outcome):
        return loaded
    post, account = loaded
    now = publisher.now_of(deps)
    moved = await deps.store.run(rows.update, post_id, states=("scheduled", "creating", "processing", "ready"),
                                 now=now, go_at=iso(now), next_action_at=iso(now), hold=None, hold_reason=None,
                                 hold_until=None, hold_notified=None, late_note=None)
    if not moved:
        word = messages.STATE_WORDS.get(post["state"], post["state"])
        return Outcome(False, f"Post #{post_id} cannot be published now: it is {word}.")
    await access.record(deps, user_id=user_id, action="publish now", account=account, result="ok",
                        target=f"post {post_id}")
    await publisher.publish_one(deps, post_id)
    return Outcome(True)


async def retry(deps: Deps, *, user_id: str, post_id: int) -> Outcome:
    """Retry a failed post: re-poll its container first if it has one, else create it again."""
    loaded = await _load(deps, post_id, user_id, "publisher", "retry post")
    if isinstance(loaded, Outcome):
        return loaded
    post, account = loaded
    now = publisher.now_of(deps)
    state = "processing" if post["container_id"] else "scheduled"
    moved = await deps.store.run(rows.update, post_id, states=("failed",), now=now, state=state, error=None,
                                 go_at=iso(max(now, publisher.parse(post["due_at"]))), next_action_at=iso(now),
                                 poll_started_at=iso(now))
    if not moved:
        return Outcome(False, f"Post #{post_id} has not failed, so there is nothing to retry.")
    await access.record(deps, user_id=user_id, action="retry post", account=account, result="ok",
                        target=f"post {post_id}")
    await publisher.publish_one(deps, post_id)
    return Outcome(True)


async def check_again(deps: Deps, *, user_id: str, post_id: int) -> Outcome:
    """Check an unknown outcome again now (the container's status decides)."""
    loaded = await _load(deps, post_id, user_id, "publisher", "check post")
    if isinstance(loaded, Outcome):
        return loaded
    now = publisher.now_of(deps)
    if not await deps.store.run(rows.update, post_id, states=("needs_check",), now=now, next_action_at=iso(now),
                                checks=1):
        return Outcome(False, f"Post #{post_id} is not waiting for a check.")
    await publisher.publish_one(deps, post_id)
    return Outcome(True)


async def approve(deps: Deps, *, user_id: str, post_id: int, seen_revision: int | None = None) -> Outcome:
    """Approve a post: an approver who is neither its author nor its last editor; it then goes out at its time.

    `seen_revision` is the revision the clicked request shows (None: not known); an older request cannot
    approve content changed after it was sent.
    """
    loaded = await _load(deps, post_id, user_id, "approver", "approve post")
    if isinstance(loaded, Outcome):
        return loaded
    post, account = loaded
    if user_id in (post["author"], post.get("edited_by")):
        own = "own post" if post["author"] == user_id else "own edit"
        await access.record(deps, user_id=user_id, action="approve post", account=account, result="refused",
                            target=f"post {post_id}", detail=own)
        return Outcome(False, f"You cannot approve your {own}; another approver must.")
    revision = post.get("revision") or 0
    if seen_revision is not None and seen_revision != revision:
        return Outcome(False, f"Post #{post_id} was edited after this request; approve the newer request instead.")
    now = publisher.now_of(deps)
    due = publisher.parse(post["due_at"])
    go = max(due, now)
    items = await deps.store.run(rows.items_of, post_id)
    has_video = any(i["media"] == "video" for i in items)
    next_at = max(now, go - publisher.lead_for(has_video))

    done = messages.approval_done(post, account, by=user_id, approved=True)
    if not await deps.store.run(rows.approve_and_tell, post, account_id=account["id"], done=done, approver=user_id,
                                revision=revision, go_at=go, next_action_at=next_at, now=now):
        return Outcome(False, f"Post #{post_id} is not awaiting approval.")
    deps.outbox.wake()
    await access.record(deps, user_id=user_id, action="approve post", account=account, result="ok",
                        target=f"post {post_id}")
    return Outcome(True)


async def reject(deps: Deps, *, user_id: str, post_id: int, reason: str) -> Outcome:
    """Reject a post with a reason that reaches its author."""
    loaded = await _load(deps, post_id, user_id, "approver", "reject post")
    if isinstance(loaded, Outcome):
        return loaded
    post, account = loaded
    if post["author"] == user_id:
        return Outcome(False, "You cannot reject your own post; cancel it instead (`/ig cancel "
                              f"{post_id}`).")
    reason = reason.strip() or "no reason given"
    now = publisher.now_of(deps)

    if not await deps.store.run(
            rows.reject_and_tell, post, account_id=account["id"], reason=reason, now=now,
            done=messages.approval_done(post, account, by=user_id, approved=False, reason=reason),
            notice=messages.rejection_notice(post, account, by=user_id, reason=reason)):
        return Outcome(False, f"Post #{post_id} is not awaiting approval.")
    deps.outbox.wake()
    await access.record(deps, user_id=user_id, action="reject post", account=account, result="ok",
                        target=f"post {post_id}", detail=reason[:200])
    return Outcome(True)


async def cancel_post(deps: Deps, *, user_id: str, post_id: int) -> str:
    """Cancel a post for a person who may; return the sentence to show them."""
    post = await deps.store.run(rows.get_post, post_id)
    account = post and await deps.store.run(account_rows.get_account, post["account_id"])
    if not post or not account:
        return f":x: There is no post #{post_id}. `/ig queue` lists them."
    decision = await access.authorize(deps, user_id=user_id, account=account, needed="publisher",
                                      action="cancel post", target=f"post {post_id}")
    if not decision.allowed:
        return decision.message
    if not await deps.store.run(rows.cancel, post_id, now=publisher.now_of(deps)):
        state = messages.STATE_WORDS.get(post["state"], post["state"])
        return f":x: Post #{post_id} cannot be cancelled: it is {state}."
    await access.record(deps, user_id=user_id, action="cancel post", account=account, result="ok",
                        target=f"post {post_id}")
    return f":wastebasket: Cancelled the {messages.title(post, account)}."
