"""The Bolt AsyncApp: built from Deps, listeners registered from handlers' tables."""

from __future__ import annotations

import logging
from collections.abc import MutableMapping

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.deps import Deps

log = logging.getLogger(__name__)


def build_slack_client(token: str, api_url: str) -> AsyncWebClient:
    """Return the Slack Web API client for this process."""
    return AsyncWebClient(token=token, base_url=api_url, timeout=15)


def hide_environment_from_bolt(environ: MutableMapping[str, str]) -> None:
    """Remove every SLACK_* variable once Config has read them, before Bolt is built.

    Bolt reads SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET and SLACK_CLIENT_ID/SECRET from the process environment on
    its own: it warns that the client's token wins, and the client id and secret would switch on its OAuth flow.
    igbot's Slack settings come from Config alone.
    """
    for name in [n for n in environ if n.startswith("SLACK_")]:
        del environ[name]


def build_bolt_app(deps: Deps) -> AsyncApp:
    """Create the Bolt app with deps injected into every listener and all listeners registered."""
    import handlers

    app = AsyncApp(
        client=deps.slack,
        signing_secret=deps.config.slack_signing_secret or None,
        request_verification_enabled=True,
        logger=logging.getLogger("igbot.slack"),
    )

    async def inject_deps(context, next):
        context["deps"] = deps
        await next()

    async def on_error(error, body, logger):
        logger.exception("Slack listener failed: %s", type(error).__name__, exc_info=error)

    app.middleware(inject_deps)
    app.error(on_error)
    handlers.register(app)
    return app


def slack_events_handler(bolt: AsyncApp):
    """Return the aiohttp handler for POST /slack/events (signature verified by Bolt)."""

    async def slack_events(request: web.Request) -> web.Response:
        try:
            bolt_request = await to_bolt_request(request)
        except ValueError:  # Bolt parses the body before checking the signature; junk is not Slack
            return web.json_response({"error": "malformed request body"}, status=400)
        return await to_aiohttp_response(await bolt.async_dispatch(bolt_request))

    return slack_events
