"""Reply and Delete modals: validate in the ack, then act, then show the result in the modal or ephemerally."""

from __future__ import annotations

import asyncio
import logging
import time

from slack_bolt.async_app import AsyncAck
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.comments import actions, modals
from bot.deps import Deps
from handlers.replies import tell

log = logging.getLogger(__name__)
# Slack applies the ack's "Sending…" view when our HTTP answer reaches it; a views.update sent sooner would be
# overwritten by it, so the result waits at least this long after the ack.
ACK_SETTLE_SECONDS = 0.5


async def account_channel(deps: Deps, comment_id: int) -> str | None:
    """Return the channel of the account a comment belongs to."""
    found = await actions.load(deps, comment_id)
    return found[1]["channel_id"] if found else None


async def handle_reply_submit(ack: AsyncAck, body: dict, view: dict, client: AsyncWebClient, deps: Deps) -> None:
    """Refuse empty or over-long text in the ack; otherwise show Sending…, reply, then show the result."""
    comment_id, channel = modals.metadata(view)
    value = (((view.get("state") or {}).get("values") or {}).get(modals.REPLY_BLOCK) or {}) \
        .get(modals.REPLY_INPUT, {}).get("value")
    problem = actions.reply_problem(value)
    if problem:
        await ack(response_action="errors", errors={modals.REPLY_BLOCK: problem})
        return
    if comment_id is None:
        await ack(response_action="errors", errors={modals.REPLY_BLOCK: "This form is damaged; close it and "
                                                                           "click Reply on the comment again."})
        return
    await ack(response_action="update", view=modals.status_modal("Reply on Instagram", ":hourglass: Sending…"))
    acked = time.monotonic()
    user = body["user"]["id"]
    outcome = await actions.reply(deps, user_id=user, comment_id=comment_id, text=value)
    await asyncio.sleep(max(0.0, ACK_SETTLE_SECONDS - (time.monotonic() - acked)))
    shown = modals.status_modal("Reply on Instagram", (":white_check_mark: " if outcome.ok else "") + outcome.message)
    try:
        await client.views_update(view_id=view["id"], view=shown)
    except SlackApiError as exc:  # the person closed the modal: tell them in the channel, only them
        log.info("reply modal %s gone (%s); telling the person ephemerally", view.get("id"), exc.response.get("error"))
        await tell(client, channel or await account_channel(deps, comment_id), user, outcome.message)


async def handle_delete_submit(ack: AsyncAck, body: dict, view: dict, client: AsyncWebClient, deps: Deps) -> None:
    """Delete after the confirm modal (from an overflow menu); tell the person if it did not work."""
    await ack()
    comment_id, channel = modals.metadata(view)
    if comment_id is None:
        return
    user = body["user"]["id"]
    outcome = await actions.delete(deps, user_id=user, comment_id=comment_id)
    if not outcome.ok:
        await tell(client, channel or await account_channel(deps, comment_id), user, outcome.message)


SUBMISSIONS = {
    modals.REPLY_CALLBACK: handle_reply_submit,
    modals.DELETE_CALLBACK: handle_delete_submit,
}
