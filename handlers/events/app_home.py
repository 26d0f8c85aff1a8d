"""App Home: publish the person's Home from stored state (no Graph call); its pager and buttons."""

from __future__ import annotations

from slack_bolt.async_app import AsyncAck
from slack_sdk.web.async_client import AsyncWebClient

from bot import home
from bot.accounts_ui import connect_modal, home_blocks
from bot.channels import ensure_member
from bot.deps import Deps
from bot.edges.ids import page_number
from bot.posts import composing


async def handle_app_home_opened(event: dict, client: AsyncWebClient, deps: Deps) -> None:
    """Render the Home tab for the person who opened it."""
    if event.get("tab", "home") != "home":
        return
    await client.views_publish(user_id=event["user"], view=await home.home_view_for(deps, event["user"]))


async def handle_page(ack: AsyncAck, body: dict, action: dict, client: AsyncWebClient, deps: Deps) -> None:
    """Republish the Home with another page of accounts."""
    await ack()
    page = page_number(action.get("value")) or 1
    user = body["user"]["id"]
    await client.views_publish(user_id=user, view=await home.home_view_for(deps, user, page))


async def handle_compose(ack: AsyncAck, body: dict, client: AsyncWebClient, deps: Deps) -> None:
    """Open the compose modal (the account is chosen in it)."""
    await ack()
    await composing.open_new(deps, client, trigger_id=body["trigger_id"], channel_id=None)


async def handle_connect(ack: AsyncAck, body: dict, client: AsyncWebClient, deps: Deps) -> None:
    """Ask which channel the new account goes to (admins), or say who can connect one."""
    await ack()
    refusal = await connect_modal.refusal_modal(deps, body["user"]["id"])
    await client.views_open(trigger_id=body["trigger_id"], view=refusal or connect_modal.channel_modal())


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


ACTIONS = {**dict.fromkeys(home_blocks.PAGE_ACTIONS, handle_page),
           home_blocks.COMPOSE_ACTION: handle_compose, home_blocks.CONNECT_ACTION: handle_connect}
SUBMISSIONS = {connect_modal.CALLBACK: handle_connect_submit}
