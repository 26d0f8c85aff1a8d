"""The aiohttp application: built by a factory from Config; everything starts and stops in lifespan."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import AsyncIterator
from functools import partial

import aiohttp
from aiohttp import web
from slack_sdk.errors import SlackApiError

from bot import jobs
from bot.appkeys import BOLT, CONFIG, DEPS, SANDBOX, SCHEDULER
from bot.comments import process as comment_inbox
from bot.config import Config
from bot.deps import Deps
from bot.digests import runner as digest_runner
from bot.edges.http import SERVER_LOGGER, refuse_encoded_bodies
from bot.graph.call import GraphSettings
from bot.graph.client import GraphClient
from bot.graph_state import SqliteGraphState
from bot.instance import Instance
from bot.logs import request_id
from bot.metrics import Metrics
from bot.outbox import Outbox
from bot.scheduler import Heartbeat, build_scheduler, stop_scheduler
from bot.slack import build_bolt_app, build_slack_client, slack_events_handler
from bot.startup import StartupError, open_store
from bot.workers import Workers

log = logging.getLogger(__name__)
MAX_BODY = 32 * 1024 * 1024
# How every igbot server runs its app: bodies arrive as sent (a Content-Encoding is refused with 415 before the
# body is read, see bot.edges.http), so nothing is decoded before a signature is checked.
# aiohttp's own complaints about unparseable requests go through a logger that keeps them to one debug line.
SERVER_OPTIONS = {"auto_decompress": False, "logger": SERVER_LOGGER}
SAFE_REQUEST_ID = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_")


def create_app(config: Config, *, sandbox: bool = False) -> web.Application:
    """Build the igbot web application (nothing starts until the app runs)."""
    import handlers.web

    app = web.Application(middlewares=[request_context, refuse_encoded_bodies], client_max_size=MAX_BODY)
    app[CONFIG] = config
    app[SANDBOX] = sandbox
    app.cleanup_ctx.append(lifespan)
    app.add_routes([web.post("/slack/events", slack_events), *handlers.web.routes()])
    return app


async def lifespan(app: web.Application) -> AsyncIterator[None]:
    """Start store, clients, Bolt, workers and scheduler; stop them in reverse order."""
    config = app[CONFIG]
    store, cipher = await asyncio.to_thread(open_store, config, sandbox=app[SANDBOX])
    instance = Instance.create()
    await instance.start(store)  # before any worker: what a killed predecessor leased is free again
    http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60, sock_connect=10))
    slack = build_slack_client(config.slack_bot_token, config.slack_api_url)
    outbox = Outbox(store, slack, admins=config.admins)
    deps = Deps(config=config, store=store, cipher=cipher, slack=slack, http=http,
                graph=build_graph_client(config, http, store), metrics=Metrics(), outbox=outbox, workers=Workers(),
                heartbeat=Heartbeat(), instance=instance)
    app[DEPS] = deps
    scheduler = socket_mode = None
    try:  # everything started so far is stopped again, also when a later start-up step fails
        deps.metrics.watch_graph(deps.graph.counters)
        deps.workers.spawn("heartbeat", partial(instance.run, store))
        deps.workers.spawn("outbox", partial(outbox.run, instance))
        deps.workers.spawn("inbox", partial(comment_inbox.run, deps))
        deps.workers.spawn("webhook_seen", partial(deps.webhook_seen.run, store))
        deps.workers.spawn("digests", partial(digest_runner.run_worker, deps))
        app[BOLT] = build_bolt_app(deps)
        socket_mode = await start_socket_mode(app[BOLT], config) if config.socket_mode else None
        scheduler = app[SCHEDULER] = build_scheduler(
            tick_seconds=config.tick_seconds, tick=partial(jobs.tick, deps),
            jobs=[(name, seconds, partial(fn, deps)) for name, seconds, fn in jobs.PERIODIC_JOBS],
            heartbeat=deps.heartbeat)
        scheduler.start()
        log.info("igbot is up on http://%s:%s (Slack over %s)", config.host, config.port,
                 "Socket Mode" if socket_mode else "HTTP")
        yield
    finally:
        if scheduler is not None:
            await stop_scheduler(scheduler)
        await deps.workers.stop()
        await instance.stop(store)
        if socket_mode:
            await socket_mode.close_async()
        await http.close()
        await asyncio.to_thread(store.close)


def build_graph_client(config: Config, http: aiohttp.ClientSession, store) -> GraphClient:
    """Return the process's Graph API client, its state persisted in the store."""
    settings = GraphSettings(graph_url=config.graph_api_url, instagram_graph_url=config.instagram_graph_api_url,
                             instagram_api_url=config.instagram_api_url, version=config.graph_api_version,
                             meta_app_id=config.meta_app_id or None, meta_app_secret=config.meta_app_secret or None,
                             instagram_app_id=config.instagram_app_id or None,
                             instagram_app_secret=config.instagram_app_secret or None)
    return GraphClient(http, settings, state=SqliteGraphState(store))


async def start_socket_mode(bolt, config: Config):
    """Connect to Slack over Socket Mode and return the handler; StartupError when Slack refuses."""
    from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

    try:  # asked once here: the Socket Mode client itself would retry a refused token forever
        opened = await bolt.client.apps_connections_open(app_token=config.slack_app_token)
    except (SlackApiError, aiohttp.ClientError, OSError) as exc:
        fix = (f"Slack says {exc.response.get('error')}; check SLACK_APP_TOKEN" if isinstance(exc, SlackApiError)
               else f"{type(exc).__name__}; check SLACK_API_URL and the network")
        raise StartupError(f"Socket Mode could not connect to Slack ({fix}).") from None
    handler = AsyncSocketModeHandler(bolt, app_token=config.slack_app_token, web_client=bolt.client)
    handler.client.wss_uri = opened["url"]
    await handler.connect_async()
    return handler


async def slack_events(request: web.Request) -> web.Response:
    """POST /slack/events: Events API, slash commands and interactivity through Bolt."""
    if not request.app[CONFIG].slack_signing_secret:
        return web.json_response({"error": "igbot receives Slack traffic over Socket Mode"}, status=404)
    return await slack_events_handler(request.app[BOLT], request.app[CONFIG].slack_signing_secret)(request)


@web.middleware
async def request_context(request: web.Request, handler) -> web.StreamResponse:
    """Tag every log line a request causes with a request id; count requests; hide internal errors.

    A client that hangs up mid-body is a debug line, not an error.
    """
    incoming = request.headers.get("X-Request-Id", "")
    rid = incoming if 0 < len(incoming) <= 64 and set(incoming) <= SAFE_REQUEST_ID \
        else f"{random.getrandbits(64):016x}"  # no system call per request: an id, not a secret
    token = request_id.set(rid)
    route = request.match_info.route.resource.canonical if request.match_info.route.resource else "unmatched"
    try:
        try:
            response = await handler(request)
        except web.HTTPException as exc:
            _finish(request, exc, rid, route)
            raise
        except ConnectionResetError:  # nobody is left to answer: not igbot's error
            log.debug("request %s %s: the client hung up before its body was read", request.method, request.path)
            response = web.Response(status=400, text="the connection was lost\n")
        except web.RequestPayloadError as exc:
            log.info("request %s %s: the body could not be read (%s)", request.method, request.path, exc)
            response = web.Response(status=400, text="the body could not be read\n")
        except Exception:
            log.exception("request %s %s failed", request.method, request.path)
            response = web.json_response({"error": "internal error", "request_id": rid}, status=500)
        _finish(request, response, rid, route)
        return response
    finally:
        request_id.reset(token)


def _finish(request: web.Request, response: web.StreamResponse, rid: str, route: str) -> None:
    response.headers["X-Request-Id"] = rid
    if DEPS in request.app:
        request.app[DEPS].metrics.http_requests.labels(route=route, status=str(response.status)).inc()
