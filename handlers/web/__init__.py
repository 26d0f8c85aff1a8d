"""HTTP routes other than Slack's: health and metrics (webhooks, OAuth and media arrive later)."""

from aiohttp import web

from handlers.web import health, instagram, media


def routes() -> list[web.RouteDef]:
    """Return every plain HTTP route."""
    return [
        web.get("/healthz", health.handle_healthz),
        web.get("/metrics", health.handle_metrics),
        web.get("/webhooks/instagram", instagram.handle_verify),
        web.post("/webhooks/instagram", instagram.handle_delivery),
        web.get("/media/{token}", media.handle_media),
    ]
