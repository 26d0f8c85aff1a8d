"""App Home's buttons: its pager, Compose and Connect."""

from __future__ import annotations

from slack_bolt.async_app import AsyncAck
from slack_sdk.web.async_client import AsyncWebClient

from bot import home
from bot.accounts_ui import connect_modal, home_blocks
from bot.deps import Deps
from bot.edges.ids import page_number
from bot.posts import composing


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


ACTIONS = {**dict.fromkeys(home_blocks.PAGE_ACTIONS, handle_page),
           home_blocks.COMPOSE_ACTION: handle_compose, home_blocks.CONNECT_ACTION: handle_connect}
