"""IGBOT_CHECK_MEDIA_URLS: a loopback server stands in for the CDN; the resolver is injected."""

from __future__ import annotations

import socket

import aiohttp
import pytest
from aiohttp import web
from aiohttp.abc import AbstractResolver

from bot.posts.url_check import PublicOnlyResolver, check_url, http_fetcher, probe_url

MB = 1024 * 1024
HITS = web.AppKey("hits", list)


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

    hits: list[str] = []

    @web.middleware
    async def count(request, handler):
        hits.append(request.path)
        return await handler(request)

    app = web.Application(middlewares=[count])
    app[HITS] = hits
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


@pytest.fixture
async def typed_cdn(aiohttp_server):
    """Files whose extension does not say what they are; the Content-Type does."""
    async def served(request):
        kind = {"photo": "image/jpeg", "clip.jpg": "video/mp4", "page": "text/html"}[request.match_info["name"]]
        return web.Response(status=206, body=b"\x00", headers={"Content-Type": kind,
                                                             "Content-Range": "bytes 0-0/5000"})

    app = web.Application()
    app.router.add_get("/{name}", served)
    return await aiohttp_server(app)


@pytest.mark.parametrize(("name", "expect", "media", "words"), [
    ("photo", None, "image", None),
    ("clip.jpg", None, "video", None),  # the server's type decides over the extension
    ("page", None, None, "text/html"),
    ("clip.jpg", "image", None, "must be image/jpeg"),  # a reel cover must be a JPEG whatever its name
])
async def test_the_content_type_decides_what_a_url_is(typed_cdn, name, expect, media, words):
    async with aiohttp.ClientSession() as session:
        url = str(typed_cdn.make_url(f"/{name}"))
        probe = await probe_url(url, kind="carousel", expect=expect, resolve=public, fetch=http_fetcher(session))
    assert probe.media == media
    if words is None:
        assert probe.problem is None
    else:
        assert words in probe.problem and url in probe.problem


class FixedResolver(AbstractResolver):
    """A stand-in DNS answer: the name resolves to these addresses."""

    def __init__(self, *addresses: str):
        self.addresses = addresses

    async def resolve(self, host, port=0, family=socket.AF_INET):
        return [{"hostname": host, "host": a, "port": port, "family": family, "proto": 0, "flags": 0}
                for a in self.addresses]

    async def close(self):
        pass


async def test_the_connection_itself_never_goes_to_a_private_address(cdn):
    """A name that looked public to the check and resolves to loopback when connecting is not fetched."""
    guarded = PublicOnlyResolver(FixedResolver("127.0.0.1"))
    with pytest.raises(OSError, match="cannot reach"):
        await guarded.resolve("cdn.example", 80)
    mixed = await PublicOnlyResolver(FixedResolver("10.1.2.3", "93.184.216.34", "169.254.169.254")).resolve(
        "cdn.example", 80)
    assert [r["host"] for r in mixed] == ["93.184.216.34"]

    connector = aiohttp.TCPConnector(resolver=guarded)
    async with aiohttp.ClientSession(connector=connector) as session:
        url = f"http://rebound.example:{cdn.port}/a.jpg"  # the loopback server is right there, but not for us
        problem = await check_url(url, kind="image", media="image", resolve=public, fetch=http_fetcher(session))
    assert "could not be fetched" in problem and url in problem
    assert cdn.app[HITS] == []
