"""GET /media/{token}: a file uploaded through the compose modal, for Meta to fetch (thin)."""

from __future__ import annotations

from aiohttp import web

from bot.appkeys import DEPS
from bot.posts import publisher, uploads


async def handle_media(request: web.Request) -> web.StreamResponse:
    """Serve an upload while its post needs it; 404 for unknown, expired or removed tokens."""
    deps = request.app[DEPS]
    upload = await uploads.servable(deps, request.match_info["token"], now=publisher.now_of(deps))
    if upload is None:
        raise web.HTTPNotFound(text="No such file.")
    return web.FileResponse(upload["path"], headers={"Content-Type": upload["content_type"],
                                                     "Cache-Control": "private, no-store",
                                                     "X-Content-Type-Options": "nosniff"})
