"""IGBOT_CHECK_MEDIA_URLS: a loopback server stands in for the CDN; the resolver is injected."""

from __future__ import annotations

import aiohttp
import pytest
from aiohttp import web

from bot.posts.url_check import check_url, http_fetcher

MB = 1024 * 1024


@pytest.fixture
async def cdn(aiohttp_server):
    async def jpeg(request):
        assert request.headers["Range"] == "bytes=0-0"
        return web.Response(status=206, body=b"\xff", headers={"Content-Type": "image/jpeg",
                                                             "Content-Range": "bytes 0-0/12345"})

    async def huge(request):
        return web.Response(status=206, body=b"\xff", headers={"Content-Type": "image/jpeg",
                                                             "Content-Range": f"bytes 0-0/{9 * MB}"})

    async def png(request):
        return web.Response(status=200, body=b"x", headers={"Content-Type": "image/png"})

    async def moved(request):
        raise web.HTTPFound("/a.jpg")

    app = web.Application()
    app.router.add_get("/a.jpg", jpeg)
    app.router.add_get("/huge.jpg", huge)
    app.router.add_get("/b.jpg", png)
    app.router.add_get("/moved.jpg", moved)
    return await aiohttp_server(app)


async def public(host: str) -> list[str]:
    return ["93.184.216.34"]


async def private(host: str) -> list[str]:
    return ["10.0.0.8"]


@pytest.mark.parametrize(("path", "resolver", "words"), [
    ("/a.jpg", public, None),
    ("/huge.jpg", public, "at most 8 MB"),
    ("/b.jpg", public, "image/png"),
    ("/moved.jpg", public, "9004"),
    ("/missing.jpg", public, "HTTP 404"),
    ("/a.jpg", private, "private address"),
])
async def test_each_rule(cdn, path, resolver, words):
    async with aiohttp.ClientSession() as session:
        url = str(cdn.make_url(path))
        problem = await check_url(url, kind="image", media="image", resolve=resolver, fetch=http_fetcher(session))
    if words is None:
        assert problem is None
    else:
        assert words in problem and url in problem
