"""HTTP control routes under ``/_sandbox/`` on the graph.facebook.com listener (for curl users)."""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from aiohttp import web

from ..control_body import read_fields

if TYPE_CHECKING:
    from .server import GraphEmulator


HELP = """Graph emulator control routes (bodies: form fields, as with curl -d, or a JSON object)
GET  /_sandbox/                 this list
GET  /_sandbox/state            accounts with their ids and tokens, the URLs of every emulated host
POST /_sandbox/comments         media_id, text, username?, parent_id?  a follower comments (webhook sent)
POST /_sandbox/mentions         account, username?, text?, in_caption?  someone mentions an account
POST /_sandbox/media            url, content_type?, width?, height?, duration?, fail_code? (e.g. 9004/2207052)
                                what Meta gets when it downloads one media URL
POST /_sandbox/errors           code, subcode?, method?, path?, path_regex?, http_status?, times?
                                the next matching Graph calls fail with that error
GET  /_sandbox/calls            host?, method?, path?  the Graph calls received, and their counts
POST /_sandbox/clock/advance    seconds  (only when the emulator runs on a fake clock)
POST /_sandbox/latency          seconds  every Graph request is answered that much later (0: at once)
POST /_sandbox/webhooks/flush   deliver due webhooks now
GET  /_sandbox/webhooks         every webhook POST with its payload and attempts

Media URLs: any https URL is fetched by its extension (.jpg/.jpeg a JPEG, .mp4/.mov a video); a path segment
"fail" (https://cdn.example/fail/photo.jpg) makes a URL undownloadable (9004/2207052).
"""


def _bad(message: str) -> web.Response:
    return web.json_response({"error": message}, status=400)


def _numbers(text: Any, count: int) -> tuple[int, ...] | None:
    """Parse ``"9004/2207052"`` (or a JSON list) into integers, or None when it is not ``count`` numbers."""
    parts = text if isinstance(text, list) else str(text).replace(",", "/").split("/")
    try:
        numbers = tuple(int(p) for p in parts)
    except (TypeError, ValueError):
        return None
    return numbers if len(numbers) == count else None


def _checked(handler: Callable[[web.Request], Awaitable[web.Response]]):
    """Answer 400 with the reason when a control request carries a value of the wrong kind."""

    async def run(request: web.Request) -> web.Response:
        try:
            return await handler(request)
        except (ValueError, TypeError, re.error) as exc:
            return _bad(f"a value has the wrong form: {exc}")

    return run


def register(app: web.Application, emu: GraphEmulator) -> None:
    """Add the control routes to an aiohttp application."""

    async def index(request: web.Request) -> web.Response:
        """GET /_sandbox/: the control routes, for people."""
        return web.Response(text=HELP)

    async def media(request: web.Request) -> web.Response:
        """POST /_sandbox/media {url, content_type?, width?, height?, duration?, fail_code?}: what a URL serves."""
        b = await read_fields(request)
        url = str(b.get("url") or "")
        if not url.startswith(("http://", "https://")):
            return _bad("url (an http or https URL) is required")
        fail = _numbers(b["fail_code"], 2) if b.get("fail_code") else None
        if b.get("fail_code") and fail is None:
            return _bad("fail_code must be code/subcode, e.g. 9004/2207052")
        try:
            sizes = {k: float(b[k]) for k in ("width", "height", "duration", "size") if b.get(k) not in (None, "")}
        except (TypeError, ValueError):
            return _bad("width, height, duration and size must be numbers")
        kind = str(b.get("content_type") or ("video/mp4" if "duration" in sizes else "image/jpeg"))
        emu.add_media_fixture(
            url,
            content_type=kind,
            size=int(sizes.get("size", 12 * 1024 * 1024 if kind.startswith("video/") else 350_000)),
            width=int(sizes.get("width", 1080)),
            height=int(sizes.get("height", 1920 if kind.startswith("video/") else 1350)),
            duration=sizes.get("duration", 20.0 if kind.startswith("video/") else None),
            fail_code=fail,
        )
        return web.json_response({"success": True, "url": url})

    async def state(request: web.Request) -> web.Response:
        """GET /_sandbox/state: accounts, ids, tokens and URLs."""
        return web.json_response(emu.state_summary())

    async def comment(request: web.Request) -> web.Response:
        """POST /_sandbox/comments {media_id, text, username?, parent_id?}: add a comment (+ webhook)."""
        b = await read_fields(request)
        media = emu.state.media.get(str(b.get("media_id", "")))
        if media is None or media.deleted or not b.get("text"):
            return _bad("media_id (a known media) and text are required")
        if media.media_product_type == "STORY" or media.parent_id:
            return _bad("stories and carousel items take no comments on Instagram; use a post or reel")
        parent = emu.state.comments.get(str(b.get("parent_id") or ""))
        if parent is not None and parent.parent_id:
            return _bad("parent_id must be a top-level comment")
        c = emu.add_comment(
            str(b["media_id"]),
            str(b["text"]),
            username=str(b.get("username", "happy_customer")),
            parent_id=b.get("parent_id") or None,
        )
        return web.json_response({"id": c.id})

    async def mention(request: web.Request) -> web.Response:
        """POST /_sandbox/mentions {account, username?, text?, in_caption?}: add a mention."""
        b = await read_fields(request)
        acct = emu.state.account_by_username(str(b.get("account", ""))) or emu.state.accounts.get(
            str(b.get("account", ""))
        )
        if acct is None:
            return _bad("account (a username or IG user id) is required")
        in_caption = str(b.get("in_caption", "false")).lower() in ("true", "1")
        obj = emu.add_mention(
            acct, username=str(b.get("username", "brand_fan")), text=b.get("text"), in_caption=in_caption
        )
        return web.json_response({"id": obj.id})

    async def error(request: web.Request) -> web.Response:
        """POST /_sandbox/errors {code, subcode?, method?, path?, path_regex?, http_status?, times?}."""
        b = await read_fields(request)
        if "code" not in b:
            return _bad("code is required")
        path: Any = re.compile(b["path_regex"]) if b.get("path_regex") else b.get("path")
        emu.inject_error(
            code=int(b["code"]),
            subcode=int(b["subcode"]) if b.get("subcode") else None,
            message=b.get("message"),
            http_status=int(b.get("http_status", 400)),
            method=b.get("method"),
            path=path,
            host=b.get("host"),
            times=int(b.get("times", 1)),
            after_effect=str(b.get("after_effect", "false")).lower() in ("true", "1"),
        )
        return web.json_response({"success": True})

    async def calls(request: web.Request) -> web.Response:
        """GET /_sandbox/calls[?host=&method=&path=]: the call log and the counts."""
        filters = {k: request.query[k] for k in ("host", "method", "path") if k in request.query}
        records = [dataclasses.asdict(r) for r in emu.find_calls(**filters)]
        return web.Response(
            text=json.dumps(
                {
                    "calls": records,
                    "graph_calls": emu.count_calls(**filters),
                    "http_requests": emu.count_http_requests(**filters),
                    "violations": emu.violations,
                },
                default=str,
            ),
            content_type="application/json",
        )

    async def advance(request: web.Request) -> web.Response:
        """POST /_sandbox/clock/advance {seconds}: move a FakeClock forward."""
        b = await read_fields(request)
        if not hasattr(emu.clock, "advance"):
            return _bad("the emulator runs on the system clock")
        emu.clock.advance(float(b.get("seconds", 0)))  # type: ignore[attr-defined]
        return web.json_response({"now": emu.now()})

    async def latency(request: web.Request) -> web.Response:
        """POST /_sandbox/latency {seconds}: answer every Graph request that much later."""
        seconds = float((await read_fields(request)).get("seconds", 0))
        if not 0 <= seconds <= 60:
            return _bad("seconds must be between 0 and 60")
        emu.set_latency(seconds)
        return web.json_response({"latency": seconds})

    async def flush(request: web.Request) -> web.Response:
        """POST /_sandbox/webhooks/flush: deliver due webhooks now."""
        await emu.flush_webhooks()
        return web.json_response({"deliveries": len(emu.deliveries)})

    async def webhooks(request: web.Request) -> web.Response:
        """GET /_sandbox/webhooks: every webhook POST with its payload and attempts."""
        return web.json_response(
            [
                {
                    "id": d.id,
                    "url": d.url,
                    "payload": d.payload,
                    "attempts": d.attempts,
                    "delivered": d.delivered,
                    "dropped": d.dropped,
                }
                for d in emu.deliveries
            ]
        )

    for method, path, handler in (
        ("GET", "/_sandbox/", index),
        ("GET", "/_sandbox", index),
        ("GET", "/_sandbox/state", state),
        ("GET", "/_sandbox/webhooks", webhooks),
        ("POST", "/_sandbox/comments", comment),
        ("POST", "/_sandbox/mentions", mention),
        ("POST", "/_sandbox/media", media),
        ("POST", "/_sandbox/errors", error),
        ("GET", "/_sandbox/calls", calls),
        ("POST", "/_sandbox/clock/advance", advance),
        ("POST", "/_sandbox/latency", latency),
        ("POST", "/_sandbox/webhooks/flush", flush),
    ):
        app.router.add_route(method, path, _checked(handler))
