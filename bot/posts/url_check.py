"""IGBOT_CHECK_MEDIA_URLS=1: fetch the first byte of each media URL the way Meta would, before anything is stored."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

import aiohttp

from bot.deps import Deps
from bot.posts.rules import Draft, host_problem

MB = 1024 * 1024
TIMEOUT_SECONDS = 5.0
Resolver = Callable[[str], Awaitable[list[str]]]


@dataclass(frozen=True)
class Answer:
    """What a media URL answered: status, content type, full size (from Content-Range or Content-Length)."""

    status: int
    content_type: str
    size: int | None
    location: str | None = None


Fetcher = Callable[[str], Awaitable[Answer]]


async def system_resolver(host: str) -> list[str]:
    """Resolve a host to its addresses with the system resolver."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, None, type=socket.SOCK_STREAM)
    return sorted({info[4][0] for info in infos})


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


async def check_url(url: str, *, kind: str, media: str, resolve: Resolver, fetch: Fetcher) -> str | None:
    """Return what is wrong with one media URL (naming it), or None."""
    host = urlsplit(url).hostname or ""
    try:
        addresses = await resolve(host)
    except OSError:
        return f"The host of `{url}` does not resolve; check the URL."
    for address in addresses:
        problem = host_problem(address)
        if problem:
            return f"The URL `{url}` {problem.replace('points at', 'resolves to')}."
    try:
        answer = await fetch(url)
    except TimeoutError:
        return f"`{url}` did not answer within {TIMEOUT_SECONDS:.0f} s; Instagram would time out too (2207003)."
    except aiohttp.ClientError as exc:
        return f"`{url}` could not be fetched ({type(exc).__name__}); Instagram could not either."
    if 300 <= answer.status < 400:
        return (f"`{url}` redirects (HTTP {answer.status}); Instagram does not follow redirects, so this would "
                "likely fail with 9004. Use the final URL.")
    if answer.status not in (200, 206):
        return f"`{url}` answered HTTP {answer.status}; it must be public and return the file itself."
    wanted = ("image/jpeg",) if media == "image" else ("video/mp4", "video/quicktime")
    if answer.content_type not in wanted:
        return f"`{url}` is served as `{answer.content_type or 'no type'}`; it must be {' or '.join(wanted)}."
    limit = limit_for(kind, media)
    if answer.size is not None and answer.size > limit:
        return f"`{url}` is {answer.size / MB:.0f} MB; Instagram accepts at most {limit // MB} MB here."
    return None


async def check_draft(deps: Deps, draft: Draft, *, resolve: Resolver | None = None,
                      fetch: Fetcher | None = None) -> str | None:
    """Check every URL of a post (and its reel cover); return the first problem, or None."""
    resolve = resolve or system_resolver
    fetch = fetch or http_fetcher(deps.http)
    targets = [(i["url"], i["media"]) for i in draft.items if not i.get("upload_token")]
    if draft.options.get("cover_url"):
        targets.append((draft.options["cover_url"], "image"))
    for url, media in targets:
        problem = await check_url(url, kind=draft.kind, media=media, resolve=resolve, fetch=fetch)
        if problem:
            return problem
    return None
