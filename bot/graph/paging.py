"""Follow ``paging.next`` as an async iterator, never sending the token in a URL or to another host."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from .call import Call
from .redact import strip_params

if TYPE_CHECKING:
    from .client import GraphClient

log = logging.getLogger("bot.graph")


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme.lower(), parts.netloc.lower()


def next_call(first: Call, page: Any) -> Call | None:
    """Return the call for the page after this one, or None at the end."""
    nxt = (page.get("paging") or {}).get("next") if isinstance(page, dict) else None
    if not nxt or not isinstance(nxt, str):
        return None
    nxt = strip_params(nxt)
    if _origin(nxt) != _origin(first.url):
        log.warning("graph paging.next points to another host (%s); not following it", urlsplit(nxt).netloc)
        return None
    return replace(first, url=nxt, params={})


async def follow(client: GraphClient, first: Call, *, max_pages: int = 100) -> AsyncIterator[dict[str, Any]]:
    """Yield the first page and each following one, up to max_pages."""
    call: Call | None = first
    for _ in range(max_pages):
        if call is None:
            return
        page = await client.send(call)
        if not isinstance(page, dict):
            return
        yield page
        call = next_call(first, page)
