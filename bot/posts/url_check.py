"""IGBOT_CHECK_MEDIA_URLS=1: fetch the first byte of each media URL the way Meta would, before anything is stored.

The fetched Content-Type decides whether a URL is an image or a video (its extension need not say).
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import ThreadedResolver

from bot.deps import Deps
from bot.posts.rules import Draft, host_problem

MB = 1024 * 1024
TIMEOUT_SECONDS = 5.0
MEDIA_OF_TYPE = {"image/jpeg": "image", "video/mp4": "video", "video/quicktime": "video"}
Resolver = Callable[[str], Awaitable[list[str]]]


@dataclass(frozen=True)
class Answer:
    """What a media URL answered: status, content type, full size (from Content-Range or Content-Length)."""

    status: int
    content_type: str
    size: int | None
    location: str | None = None


@dataclass(frozen=True)
class Probe:
    """The outcome of checking one URL: what is wrong (None if nothing) and what the server says it is."""

    problem: str | None
    media: str | None = None  # image | video, from the Content-Type


Fetcher = Callable[[str], Awaitable[Answer]]


async def system_resolver(host: str) -> list[str]:
    """Resolve a host to its addresses with the system resolver."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, None, type=socket.SOCK_STREAM)
    return sorted({info[4][0] for info in infos})


class PublicOnlyResolver(AbstractResolver):
    """Resolve like the system, but never hand the connector a private, loopback or link-local address.

    The check resolves each host before connecting; this makes the connection itself keep to the same rule,
    so a name that resolves differently the second time cannot reach an internal address.
    """

    def __init__(self, inner: AbstractResolver | None = None):
        self.inner = inner or ThreadedResolver()

    async def resolve(self, host: str, port: int = 0,
                      family: socket.AddressFamily = socket.AF_INET) -> list[ResolveResult]:
        """Return the host's public addresses; raise OSError when it has none."""
        results = [r for r in await self.inner.resolve(host, port, family) if host_problem(r["host"]) is None]
        if not results:
            raise OSError(f"{host} resolves only to addresses Instagram cannot reach")
        return results

    async def close(self) -> None:
        """Release the inner resolver."""
        await self.inner.close()


def guarded_session() -> aiohttp.ClientSession:
    """A session for fetching people's URLs: public addresses only, no cookies kept."""
    connector = aiohttp.TCPConnector(resolver=PublicOnlyResolver(), limit=4)
    return aiohttp.ClientSession(connector=connector, cookie_jar=aiohttp.DummyCookieJar())


def http_fetcher(session: aiohttp.ClientSession) -> Fetcher:
    """GET with Range: bytes=0-0, no redirects followed, 5 s timeout."""
    async def fetch(url: str) -> Answer:
        timeout = aiohttp.ClientTimeout(total=TIMEOUT_SECONDS)
        async with session.get(url, headers={"Range": "bytes=0-0"}, allow_redirects=False, timeout=timeout) as resp:
            size = None
            content_range = resp.headers.get("Content-Range", "")
            if "/" in content_range and content_range.rsplit("/", 1)[1].isdigit():
                size = int(content_range.rsplit("/", 1)[1])
            elif resp.status == 200 and resp.content_length is not None:
                size = resp.content_length
            return Answer(resp.status, resp.headers.get("Content-Type", "").split(";")[0].strip().lower(), size,
                          resp.headers.get("Location"))
    return fetch


def limit_for(kind: str, media: str) -> int:
    """The size Instagram accepts: JPEG 8 MB; reels 300 MB; story videos 100 MB; carousel videos 300 MB."""
    if media == "image":
        return 8 * MB
    return 100 * MB if kind == "story" else 300 * MB


async def probe_url(url: str, *, kind: str, expect: str | None, resolve: Resolver, fetch: Fetcher) -> Probe:
    """Check one media URL (naming it in any problem) and read what it is from its Content-Type.

    :param expect: "image" where only a JPEG will do (a reel cover); None where the server's type decides.
    """
    host = urlsplit(url).hostname or ""
    try:
        addresses = await resolve(host)
    except OSError:
        return Probe(f"The host of `{url}` does not resolve; check the URL.")
    for address in addresses:
        problem = host_problem(address)
        if problem:
            return Probe(f"The URL `{url}` {problem.replace('points at', 'resolves to')}.")
    try:
        answer = await fetch(url)
    except TimeoutError:
        return Probe(f"`{url}` did not answer within {TIMEOUT_SECONDS:.0f} s; Instagram would time out too (2207003).")
    except aiohttp.ClientError as exc:
        return Probe(f"`{url}` could not be fetched ({type(exc).__name__}); Instagram could not either.")
    if 300 <= answer.status < 400:
        return Probe(f"`{url}` redirects (HTTP {answer.status}); Instagram does not follow redirects, so this would "
                     "likely fail with 9004. Use the final URL.")
    if answer.status not in (200, 206):
        return Probe(f"`{url}` answered HTTP {answer.status}; it must be public and return the file itself.")
    media = MEDIA_OF_TYPE.get(answer.content_type)
    wanted = ("image/jpeg",) if expect == "image" else tuple(MEDIA_OF_TYPE)
    if answer.content_type not in wanted:
        return Probe(f"`{url}` is served as `{answer.content_type or 'no type'}`; it must be "
                     f"{', '.join(wanted[:-1]) + ' or ' if len(wanted) > 1 else ''}{wanted[-1]}.")
    limit = limit_for(kind, media)
    if answer.size is not None and answer.size > limit:
        return Probe(f"`{url}` is {answer.size / MB:.0f} MB; Instagram accepts at most {limit // MB} MB here.")
    return Probe(None, media)


async def check_url(url: str, *, kind: str, media: str, resolve: Resolver, fetch: Fetcher) -> str | None:
    """Return what is wrong with one media URL that must be `media` (image or video), or None."""
    probe = await probe_url(url, kind=kind, expect="image" if media == "image" else None, resolve=resolve,
                            fetch=fetch)
    if probe.problem or probe.media == media:
        return probe.problem
    return f"`{url}` is served as a {probe.media}; it must be {'a JPEG image' if media == 'image' else 'a video'}."


async def probe_draft(deps: Deps, draft: Draft, *, resolve: Resolver | None = None,
                      fetch: Fetcher | None = None) -> tuple[str | None, dict[str, str]]:
    """Check every URL of a post (and its reel cover).

    Return (the first problem or None, {url: image|video} as the servers' Content-Types say).
    """
    resolve = resolve or system_resolver
    targets = [(i["url"], None) for i in draft.items if not i.get("upload_token")]
    if draft.options.get("cover_url"):
        targets.append((draft.options["cover_url"], "image"))
    media: dict[str, str] = {}
    session = None if fetch else guarded_session()
    try:
        fetch = fetch or http_fetcher(session)
        for url, expect in targets:
            probe = await probe_url(url, kind=draft.kind, expect=expect, resolve=resolve, fetch=fetch)
            if probe.problem:
                return probe.problem, media
            media[url] = probe.media
    finally:
        if session is not None:
            await session.close()
    return None, media
