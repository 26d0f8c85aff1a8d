"""The Reject modal's submission: the reason is required; refusals show in the modal."""

from __future__ import annotations

import json

from slack_bolt.async_app import AsyncAck
from slack_sdk.web.async_client import AsyncWebClient

from bot.deps import Deps
from bot.posts import actions
from bot.posts import messages as post_blocks
from bot.posts.messages import REJECT_BLOCK, REJECT_INPUT


async def handle_reject_submit(ack: AsyncAck, body: dict, view: dict, client: AsyncWebClient, deps: Deps) -> None:
    """Reject with the reason; refusals show in the modal."""
    meta = json.loads(view.get("private_metadata") or "{}")
    reason = (((view.get("state") or {}).get("values") or {}).get(REJECT_BLOCK) or {}) \
        .get(REJECT_INPUT, {}).get("value") or ""
    if not reason.strip():
        await ack(response_action="errors", errors={REJECT_BLOCK: "Say why, so the author can fix it."})
        return
    outcome = await actions.reject(deps, user_id=body["user"]["id"], post_id=int(meta.get("post_id", 0)),
                                   reason=reason)
    if not outcome.ok:
        await ack(response_action="errors", errors={REJECT_BLOCK: outcome.message})
        return
    await ack()


SUBMISSIONS = {post_blocks.REJECT_CALLBACK: handle_reject_submit}
