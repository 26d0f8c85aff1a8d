"""What people do to a relayed comment: reply, hide, unhide, delete — role-checked, one Graph call, audited."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.access import authorize, record
from bot.comments import relay, render
from bot.deps import Deps
from bot.graph import GraphError, NotFound, Priority
from bot.graph import comments as graph_comments
from bot.graph_accounts import graph_account
from storage import accounts as account_rows
from storage import comments as comment_rows

log = logging.getLogger(__name__)
NEEDED_ROLE = "moderator"
MAX_REPLY = 2200
GONE_NOTE = ":ghost: no longer on Instagram"


@dataclass(frozen=True)
class Outcome:
    """What an action did, in a sentence for the person who asked."""

    ok: bool
    message: str


async def load(deps: Deps, comment_id: int) -> tuple[dict, dict] | None:
    """Return (comment, account) for igbot's comment id, or None."""
    comment = await deps.store.run(comment_rows.get_comment, comment_id)
    if comment is None:
        return None
    account = await deps.store.run(account_rows.get_account, comment["account_id"])
    return (comment, account) if account else None


async def may_act(deps: Deps, *, user_id: str, comment_id: int, action: str) -> tuple[dict, dict] | Outcome:
    """Return (comment, account) when the person may act on it; else an Outcome saying why not (audited)."""
    found = await load(deps, comment_id)
    if found is None:
        await record(deps, user_id=user_id, action=f"comment.{action}", account=None, result="refused",
                     target=str(comment_id), detail="unknown comment")
        return Outcome(False, ":grey_question: igbot no longer knows this comment (was its account removed?).")
    comment, account = found
    decision = await authorize(deps, user_id=user_id, account=account, needed=NEEDED_ROLE,
                               action=f"comment.{action}", target=comment["ig_comment_id"])
    if not decision.allowed:
        deps.metrics.comment_actions.labels(account=account["username"], action=action, result="refused").inc()
        return Outcome(False, decision.message)
    return comment, account


def reply_problem(text: str | None) -> str | None:
    """Say what is wrong with a reply's text (None when it can be sent)."""
    if not text or not text.strip():
        return "Write the reply first: it cannot be empty."
    if len(text) > MAX_REPLY:
        return f"Instagram allows at most {MAX_REPLY:,} characters; this reply has {len(text):,}. Shorten it."
    return None


async def hide(deps: Deps, *, user_id: str, comment_id: int, hidden: bool = True) -> Outcome:
    """Hide (or unhide) a comment on Instagram and show who did it on its message."""
    action = "hide" if hidden else "unhide"
    allowed = await may_act(deps, user_id=user_id, comment_id=comment_id, action=action)
    if isinstance(allowed, Outcome):
        return allowed
    comment, account = allowed
    if comment["state"] in ("deleted", "gone"):
        return await finish_noop(deps, user_id, account, comment, action, "That comment is no longer on Instagram.")
    if (comment["state"] == "hidden") == hidden:
        return await finish_noop(deps, user_id, account, comment, action,
                                 f"That comment is already {'hidden' if hidden else 'visible'}.")
    if comment["kind"] not in ("comment", "reply"):
        return await finish_noop(deps, user_id, account, comment, action, "Only comments on your own posts can be "
                                 "hidden; a mention lives on someone else's post.")

    async def call(graph):
        await graph_comments.hide(deps.graph, graph, comment["ig_comment_id"], hidden, priority=Priority.PERSON)

    note = f":see_no_evil: hidden by {render.person(user_id)}" if hidden else \
        f":eye: unhidden by {render.person(user_id)}"
    return await perform(deps, user_id, account, comment, action, call,
                         {"state": "hidden" if hidden else "visible", "note": note},
                         "Hidden on Instagram." if hidden else "Visible again on Instagram.")


async def delete(deps: Deps, *, user_id: str, comment_id: int) -> Outcome:
    """Delete a comment on Instagram and mark its message."""
    allowed = await may_act(deps, user_id=user_id, comment_id=comment_id, action="delete")
    if isinstance(allowed, Outcome):
        return allowed
    comment, account = allowed
    if comment["state"] in ("deleted", "gone"):
        return await finish_noop(deps, user_id, account, comment, "delete", "That comment is already gone.")
    if comment["kind"] not in ("comment", "reply"):
        return await finish_noop(deps, user_id, account, comment, "delete", "Only comments on your own posts can "
                                 "be deleted; a mention lives on someone else's post.")

    async def call(graph):
        await graph_comments.delete_comment(deps.graph, graph, comment["ig_comment_id"], priority=Priority.PERSON)

    return await perform(deps, user_id, account, comment, "delete", call,
                         {"state": "deleted", "note": f":wastebasket: deleted by {render.person(user_id)}"},
                         "Deleted from Instagram.")


async def reply(deps: Deps, *, user_id: str, comment_id: int, text: str) -> Outcome:
    """Reply publicly (to a comment, or to a mention) and show the reply on the message and in its thread."""
    problem = reply_problem(text)
    if problem:
        return Outcome(False, problem)
    allowed = await may_act(deps, user_id=user_id, comment_id=comment_id, action="reply")
    if isinstance(allowed, Outcome):
        return allowed
    comment, account = allowed
    if comment["state"] in ("deleted", "gone"):
        return await finish_noop(deps, user_id, account, comment, "reply", "That comment is no longer on Instagram.")
    created: dict = {}

    async def call(graph):
        if comment["kind"] in ("mention", "caption_mention"):
            media_id = comment["media_id"]
            if not media_id:
                raise LookupError("Instagram did not say which post the mention is on, so igbot cannot reply "
                                  "to it; open it on Instagram instead.")
            target = comment["ig_comment_id"] if comment["kind"] == "mention" else None
            created.update(await graph_comments.reply_to_mention(deps.graph, graph, media_id, text,
                                                                 comment_id=target, priority=Priority.PERSON))
        else:
            target = comment["parent_ig_id"] if comment["kind"] == "reply" else comment["ig_comment_id"]
            created.update(await graph_comments.reply(deps.graph, graph, target, text, priority=Priority.PERSON))
        if created.get("id"):  # stored while the action is still in flight, so its webhook is not relayed
            await deps.store.run(comment_rows.add_comment, {
                "account_id": account["id"], "ig_comment_id": str(created["id"]), "media_id": comment["media_id"],
                "parent_ig_id": comment["parent_ig_id"] or comment["ig_comment_id"], "kind": "own",
                "username": account["username"], "text": text, "source": "igbot", "relay_state": "skipped"})

    outcome = await perform(deps, user_id, account, comment, "reply", call,
                            {"replied_by": render.person(user_id), "reply_text": text, "handled": 1},
                            "Your reply is on Instagram.")
    if outcome.ok:
        await after_reply(deps, account, comment, created.get("id"), text, user_id)
    return outcome


async def after_reply(deps: Deps, account: dict, comment: dict, reply_id: str | None, text: str,
                      user_id: str) -> None:
    """Post the team's reply in the comment's thread."""
    thread = await thread_message(deps, account, comment)
    if thread is not None:
        await deps.outbox.post(channel_id=account["channel_id"], account_id=account["id"],
                               payload=render.team_reply_post(text, user_id, comment), thread_parent_id=thread,
                               dedupe_key=f"reply:{reply_id}" if reply_id else None)


async def thread_message(deps: Deps, account: dict, comment: dict) -> int | None:
    """Return the outbox post whose thread holds a comment's conversation (its parent's, for a reply)."""
    if comment["kind"] == "reply" and comment["parent_ig_id"] and comment["quote"] is None:
        parent = await deps.store.run(comment_rows.get_by_ig_id, account["id"], comment["parent_ig_id"])
        if parent is not None and parent["message_id"] is not None:
            return parent["message_id"]
    return comment["message_id"]


async def perform(deps: Deps, user_id: str, account: dict, comment: dict, action: str, call, changes: dict,
                  success: str) -> Outcome:
    """Make the one Graph call of an action (double clicks wait out), store the result, update Slack, audit."""
    if not await deps.store.run(comment_rows.begin_action, comment["id"], action):
        await record(deps, user_id=user_id, action=f"comment.{action}", account=account, result="busy",
                     target=comment["ig_comment_id"])
        return Outcome(False, ":hourglass: Someone is already acting on this comment; look again in a moment.")
    try:
        graph = await graph_account(deps.store, deps.cipher, account)
        await call(graph)
    except NotFound:
        updated = await deps.store.run(comment_rows.end_action, comment["id"], state="gone", note=GONE_NOTE)
        await relay.refresh_message(deps, account, updated)
        return await done(deps, user_id, account, comment, action, "gone",
                          Outcome(False, "That comment is no longer on Instagram (deleted or removed)."))
    except (GraphError, LookupError) as exc:
        await deps.store.run(comment_rows.end_action, comment["id"])
        sentence = exc.sentence if isinstance(exc, GraphError) else str(exc)
        log.warning("comment %s: %s failed: %s", comment["id"], action, sentence)
        return await done(deps, user_id, account, comment, action, "failed",
                          Outcome(False, f":x: {sentence}"), detail=sentence[:300])
    except BaseException:
        await deps.store.run(comment_rows.end_action, comment["id"])
        raise
    updated = await deps.store.run(comment_rows.end_action, comment["id"], **changes)
    await relay.refresh_message(deps, account, updated)
    return await done(deps, user_id, account, comment, action, "ok", Outcome(True, success))


async def finish_noop(deps: Deps, user_id: str, account: dict, comment: dict, action: str, message: str) -> Outcome:
    """Tell the person nothing needed doing, and audit it."""
    return await done(deps, user_id, account, comment, action, "noop", Outcome(False, message))


async def done(deps: Deps, user_id: str, account: dict, comment: dict, action: str, result: str, outcome: Outcome,
               detail: str | None = None) -> Outcome:
    """Write the audit row and count the attempt; return the outcome."""
    await record(deps, user_id=user_id, action=f"comment.{action}", account=account, result=result,
                 target=comment["ig_comment_id"], detail=detail)
    deps.metrics.comment_actions.labels(account=account["username"], action=action, result=result).inc()
    return outcome
