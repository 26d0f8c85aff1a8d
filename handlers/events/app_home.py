"""app_home_opened: publish the person's App Home from stored state (no Graph call)."""

from __future__ import annotations

from slack_sdk.web.async_client import AsyncWebClient

from bot import blocks, home
from bot.deps import Deps


async def handle_app_home_opened(event: dict, client: AsyncWebClient, deps: Deps) -> None:
    """Render the Home tab for the person who opened it."""
    if event.get("tab", "home") != "home":
        return
    accounts, is_admin = await home.visible_accounts(deps, event["user"])
    await client.views_publish(user_id=event["user"], view=blocks.home_view(accounts, is_admin=is_admin))
