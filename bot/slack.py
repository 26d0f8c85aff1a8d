"""The Bolt AsyncApp: built from Deps, listeners registered from handlers' tables."""

from __future__ import annotations

import logging
from collections.abc import MutableMapping

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.web.async_client import AsyncWebClient

from bot.deps import Deps
from bot.edges import slack as slack_edge

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
    if deps.config.socket_mode:
        app.middleware(refuse_malformed)
    app.error(on_error)
    handlers.register(app)
    return app


def slack_events_handler(bolt: AsyncApp, signing_secret: str):
    """Return the aiohttp handler for POST /slack/events: checked at the edge, then dispatched by Bolt."""

    async def slack_events(request: web.Request) -> web.Response:
        try:
            raw, body = await slack_edge.read_request(request, signing_secret)
        except slack_edge.Refused as exc:
            if exc.status == 400:
                log.info("Slack request refused: %s", exc)
            return web.json_response({"error": str(exc)}, status=exc.status)
        return await to_aiohttp_response(await bolt.async_dispatch(bolt_request(raw, body, request)))

    return slack_events


def bolt_request(raw: str, body: dict, request: web.Request) -> AsyncBoltRequest:
    """Build Bolt's request from the body the edge parsed (Bolt's own parser drops forms containing "payload").

    Built as a pre-parsed request, then switched to HTTP mode with the raw body, so Bolt still verifies the
    signature on the exact bytes.
    """
    bolt = AsyncBoltRequest(body=body, query=request.query_string, headers=dict(request.headers),
                            mode="socket_mode")
    bolt.mode, bolt.raw_body = "http", raw
    return bolt


async def refuse_malformed(body: dict, next) -> BoltResponse:
    """Bolt middleware for Socket Mode (no HTTP edge there): a payload of the wrong shape reaches no listener."""
    found = slack_edge.payload_problem(body)
    if found:
        log.info("Slack payload refused: %s", found)
        return BoltResponse(status=400, body=found)
    return await next()
