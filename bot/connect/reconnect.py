"""One alert per outage when an account must be reconnected, the Reconnect button, and the way back."""

from __future__ import annotations

import re

from bot.blocks import escape
from bot.deps import Deps
from bot.graph import errors as E
from bot.posts.publisher import now_of
from storage import inbox as inbox_rows
from storage import posts as post_rows
from storage import reconnect as rows
from storage.clock import utcnow

RECONNECT_ACTION = "account_reconnect"


def plain_reason(account: dict) -> str:
    """Say in plain words why an account needs reconnecting (Meta's codes kept at the end for support)."""
    reason = account["status_reason"] or ""
    match = re.search(r"\b(190|102)(?:/(\d+))?\b", reason)
    if not match:
        return escape(reason or "Instagram no longer accepts igbot's access token") + "."
    code, subcode = int(match.group(1)), int(match.group(2)) if match.group(2) else None
    sentence = E.render(E.find_rule(code, subcode).template, {"account": f"@{account['username']}"})
    sentence = sentence.replace(f"; {E.RECONNECT}", "").replace(E.RECONNECT, "click Reconnect")
    return f"{escape(sentence)} (Meta error {match.group(0)})."


def alert_payload(account: dict) -> dict:
    """Return the channel message that asks an admin to reconnect an account."""
    text = (f":rotating_light: @{account['username']} needs reconnecting. {plain_reason(account)} "
            "Its scheduled posts are held and nothing is lost: comments are kept and everything resumes "
            "once an admin of the account clicks *Reconnect* and logs in again.")
    return {"text": text, "blocks": [
        {"type": "section", "text": {"type": "mrkdwn", "text": text, "verbatim": True}},
        {"type": "actions", "elements": [{"type": "button", "action_id": RECONNECT_ACTION, "style": "primary",
                                          "text": {"type": "plain_text", "text": "Reconnect"},
                                          "value": str(account["id"])}]},
    ]}


async def alert_step(deps: Deps) -> None:
    """Tick step: send one alert for each account that newly needs reconnecting."""
    for account in await deps.store.run(rows.accounts_to_alert):
        outbox_id = await deps.outbox.post(channel_id=account["channel_id"], account_id=account["id"],
                                           payload=alert_payload(account),
                                           dedupe_key=f"reconnect:{account['id']}:{account['updated_at']}")
        await deps.store.run(rows.remember_alert, account["id"], outbox_id)


async def account_reconnected(deps: Deps, account: dict, *, by_user: str | None) -> None:
    """Make a reconnected account active: the client forgets the mark, held work resumes, the alert says so."""
    alert_id = await deps.store.run(rows.mark_active, account["id"])
    deps.graph.forget(account["ig_user_id"])
    await deps.store.run(post_rows.resume_reconnected, account["id"], now=now_of(deps))
    await deps.store.run(inbox_rows.wake_held, account["ig_user_id"])
    if alert_id is not None:
        who = f" by <@{by_user}>" if by_user else ""
        text = (f":white_check_mark: @{account['username']} was reconnected{who} at {utcnow()[:16]} UTC; "
                "held work resumes.")
        await deps.outbox.update(target_id=alert_id, payload={"text": text, "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": text}}]})
