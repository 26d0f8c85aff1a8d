"""GET/POST /webhooks/instagram: Meta's subscription check and its signed event deliveries."""

from __future__ import annotations

import hmac
import logging

from aiohttp import web

from bot.appkeys import DEPS
from bot.comments import intake
from bot.comments.inbox import drop_invalid, store_delivery
from bot.edges.http import read_capped

log = logging.getLogger(__name__)
MAX_BODY = 32 * 1024 * 1024


async def handle_verify(request: web.Request) -> web.Response:
    """Answer Meta's subscription check with the challenge when the verify token matches, else 403."""
    expected = request.app[DEPS].config.meta_webhook_verify_token
    query = request.query
    mode = query.get("hub.mode") or query.get("hub_mode")
    token = query.get("hub.verify_token") or query.get("hub_verify_token") or ""
    challenge = query.get("hub.challenge") or query.get("hub_challenge") or ""
    if mode == "subscribe" and expected and hmac.compare_digest(token.encode(), expected.encode()):
        return web.Response(text=challenge, content_type="text/plain")
    log.warning("webhook verification refused (mode %r, verify token %s)", mode, "missing" if not token else "wrong")
    return web.Response(status=403, text="verify token does not match META_WEBHOOK_VERIFY_TOKEN\n")


async def handle_delivery(request: web.Request) -> web.Response:
    """Check the signature on the raw body, store every valid change (count and drop the rest), then 200."""
    deps = request.app[DEPS]
    deliveries = deps.metrics.webhook_deliveries
    if request.content_length is not None and request.content_length > MAX_BODY:
        deliveries.labels(result="too_large").inc()
        return web.Response(status=413, text="body over 32 MiB\n")
    body = await read_capped(request, MAX_BODY)
    if body is None:
        deliveries.labels(result="too_large").inc()
        return web.Response(status=413, text="body over 32 MiB\n")
    secrets = (deps.config.meta_app_secret, deps.config.instagram_app_secret)
    if not intake.signature_valid(body, request.headers.get(intake.SIGNATURE_HEADER), secrets):
        deliveries.labels(result="bad_signature").inc()
        log.warning("webhook delivery refused: %s signature", "missing" if intake.SIGNATURE_HEADER not in
                    request.headers else "invalid")
        return web.Response(status=403, text="X-Hub-Signature-256 is missing or does not match\n")
    try:
        delivery = intake.parse_delivery(body)
    except intake.BadDelivery as exc:
        deliveries.labels(result="malformed").inc()
        return web.Response(status=400, text=f"{exc}\n")
    if delivery.kind != "instagram":
        deliveries.labels(result="ignored").inc()
        log.info("webhook delivery for object %r ignored", delivery.kind[:40])
        return web.Response(text="ignored\n")
    drop_invalid(deps, delivery.invalid)
    await store_delivery(deps, delivery.changes)
    deliveries.labels(result="stored").inc()
    return web.Response(text="ok\n")
