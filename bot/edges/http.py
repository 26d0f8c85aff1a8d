"""What every HTTP route shares at the edge: bodies are taken only as sent, and form bodies are read safely."""

from __future__ import annotations

import logging

from aiohttp import web
from aiohttp.http_exceptions import BadHttpMessage, HttpProcessingError
from multidict import MultiDictProxy

IDENTITY = frozenset({"", "identity"})
FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})


class QuietBadRequests(logging.Filter):
    """aiohttp logs a request it cannot parse (a line over 8 KiB, a broken header) with a traceback at ERROR.

    That is the client's mistake and it already got a 400: keep it as one debug line.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        if isinstance(exc, BadHttpMessage | ConnectionResetError):
            record.levelno, record.levelname = logging.DEBUG, "DEBUG"
            record.msg, record.args = f"unreadable HTTP request: {type(exc).__name__}: {str(exc)[:200]}", ()
            record.exc_info = record.exc_text = None
        return True


SERVER_LOGGER = logging.getLogger("igbot.http")  # what aiohttp's request handler logs through
SERVER_LOGGER.addFilter(QuietBadRequests())


class BadForm(ValueError):
    """A form body that cannot be read; the message says why."""


@web.middleware
async def refuse_encoded_bodies(request: web.Request, handler) -> web.StreamResponse:
    """415 for a body with a Content-Encoding other than identity, before any of it is read.

    Meta and Slack send plain bodies; decoding one before its signature is checked would let anybody make
    igbot inflate data (and a body that is not what its header says used to end in a 500).
    """
    encoding = request.headers.get("Content-Encoding", "").strip().lower()
    if encoding not in IDENTITY:
        return web.Response(status=415, text="Content-Encoding is not supported; send the body as is\n")
    return await handler(request)


async def read_capped(request: web.Request, limit: int, *, chunk: int = 64 * 1024) -> bytes | None:
    """Read the body, giving up (None) as soon as it passes limit bytes."""
    parts: list[bytes] = []
    size = 0
    while data := await request.content.read(chunk):
        size += len(data)
        if size > limit:
            return None
        parts.append(data)
    return b"".join(parts)


async def read_form(request: web.Request) -> MultiDictProxy:
    """Return a POSTed form's fields (text fields only); BadForm for junk, non-UTF-8 or a file upload."""
    if request.content_type not in FORM_TYPES:
        raise BadForm("the body must be a form")
    try:
        form = await request.post()
    except (ValueError, AssertionError, HttpProcessingError) as exc:
        raise BadForm(f"the form could not be read ({type(exc).__name__})") from None
    if any(not isinstance(value, str) for value in form.values()):
        raise BadForm("the form must hold text fields only")
    return form
