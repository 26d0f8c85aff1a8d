"""/ig access grant|revoke|list: ack at once, then answer the admin ephemerally."""

from __future__ import annotations

from slack_bolt.async_app import AsyncAck, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.access.manage import run_access
from bot.deps import Deps


async def handle_access(ack: AsyncAck, command: dict, deps: Deps, args: str, respond: AsyncRespond,
                        client: AsyncWebClient, **_: object) -> None:
    """Change or list roles (admins only); every attempt is audited."""
    await ack()
    text = await run_access(deps, client, actor=command["user_id"], args=args)
    await respond(text=text, response_type="ephemeral", replace_original=False)
