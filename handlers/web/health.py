"""GET /healthz and GET /metrics."""

from __future__ import annotations

from aiohttp import web

from bot import health
from bot.appkeys import DEPS, SCHEDULER


def _trusted(request: web.Request) -> bool:
    return health.is_trusted(request.remote, request.headers, request.app[DEPS].config.metrics_token)


async def handle_healthz(request: web.Request) -> web.Response:
    """200 when database, scheduler and workers are alive, else 503; account detail for trusted callers."""
    deps = request.app[DEPS]
    body = await health.process_health(deps, request.app[SCHEDULER].running)
    if _trusted(request):
        body["accounts"] = await health.account_health(deps)
        body["parked_slack_errors"] = await health.parked_slack_errors(deps)
    return web.json_response(body, status=200 if body["status"] == "ok" else 503)


async def handle_metrics(request: web.Request) -> web.Response:
    """Prometheus text format; per-account series only for trusted callers."""
    deps = request.app[DEPS]
    await health.failed_work(deps)
    text = deps.metrics.render(include_accounts=_trusted(request))
    return web.Response(body=text, headers={"Content-Type": "text/plain; version=0.0.4; charset=utf-8"})
