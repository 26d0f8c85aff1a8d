"""The compose modal's submission: checked with the slash command's rules, errors under the fields."""

from __future__ import annotations

import json

from slack_bolt.async_app import AsyncAck
from slack_sdk.web.async_client import AsyncWebClient

from bot.deps import Deps
from bot.posts import compose, composing
from bot.posts.compose import FieldErrors


async def handle_submit(ack: AsyncAck, body: dict, view: dict, client: AsyncWebClient, deps: Deps) -> None:
    """Check with the slash command's rules; errors go back into the modal, otherwise close it and queue."""
    user = body["user"]["id"]
    try:
        form, account, _ = await composing.check(deps, user, view)
    except FieldErrors as exc:
        await ack(response_action="errors", errors=exc.errors)
        return
    await ack()
    channel_id = json.loads(view.get("private_metadata") or "{}").get("channel_id")
    await composing.finish(deps, client, user_id=user, form=form, account=account, channel_id=channel_id)


SUBMISSIONS = {compose.CALLBACK: handle_submit}
