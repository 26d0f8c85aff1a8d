"""HTTP routes other than Slack's: health, metrics, Instagram webhooks, OAuth connect pages, media files."""

from aiohttp import web

from handlers.web import health, instagram, media, oauth


def routes() -> list[web.RouteDef]:
    """Return every plain HTTP route."""
    return [
        web.get("/healthz", health.handle_healthz),
        web.get("/metrics", health.handle_metrics),
        web.get("/webhooks/instagram", instagram.handle_verify),
        web.post("/webhooks/instagram", instagram.handle_delivery),
        web.get("/media/{token}", media.handle_media),
        *oauth.ROUTES,
    ]
