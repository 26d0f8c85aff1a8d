"""App Home: publish the person's Home from stored state (no Graph call)."""

from __future__ import annotations

from slack_sdk.web.async_client import AsyncWebClient

from bot import home
from bot.deps import Deps


async def handle_app_home_opened(event: dict, client: AsyncWebClient, deps: Deps) -> None:
    """Render the Home tab for the person who opened it."""
    if event.get("tab", "home") != "home":
        return
    await client.views_publish(user_id=event["user"], view=await home.home_view_for(deps, event["user"]))
