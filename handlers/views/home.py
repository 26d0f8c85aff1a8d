"""The Connect modal opened from App Home: the channel chosen, then the person's links."""

from __future__ import annotations

from slack_bolt.async_app import AsyncAck
from slack_sdk.web.async_client import AsyncWebClient

from bot.accounts_ui import connect_modal
from bot.channels import ensure_member
from bot.deps import Deps


async def handle_connect_submit(ack: AsyncAck, body: dict, view: dict, client: AsyncWebClient, deps: Deps) -> None:
    """Replace the channel question with the person's fresh links, once igbot can post in that channel."""
    refusal = await connect_modal.refusal_modal(deps, body["user"]["id"])
    if refusal:
        await ack(response_action="update", view=refusal)
        return
    values = (view.get("state") or {}).get("values") or {}
    channel = (values.get(connect_modal.CHANNEL_BLOCK) or {}).get(connect_modal.CHANNEL_INPUT) or {}
    if channel.get("selected_conversation"):
        check = await ensure_member(client, channel["selected_conversation"])
        if not check.ok:
            await ack(response_action="errors", errors={connect_modal.CHANNEL_BLOCK: check.message})
            return
    result = await connect_modal.link_modal(deps, user_id=body["user"]["id"],
                                            channel_id=channel.get("selected_conversation"))
    await ack(response_action="update", view=result)


SUBMISSIONS = {connect_modal.CALLBACK: handle_connect_submit}
