"""HTTP control routes under ``/_sandbox/`` on the graph.facebook.com listener (for curl users)."""

from __future__ import annotations

import dataclasses
import json
import re
from typing import TYPE_CHECKING, Any

from aiohttp import web

if TYPE_CHECKING:
    from .server import GraphEmulator


async def _body(request: web.Request) -> dict[str, Any]:
    if request.content_type == "application/json" and request.can_read_body:
        data = await request.json()
        return data if isinstance(data, dict) else {}
    return {**request.query, **{k: v for k, v in (await request.post()).items() if isinstance(v, str)}}


def _bad(message: str) -> web.Response:
    return web.json_response({"error": message}, status=400)


def register(app: web.Application, emu: GraphEmulator) -> None:
    """Add the control routes to an aiohttp application."""

    async def state(request: web.Request) -> web.Response:
        """GET /_sandbox/state: accounts, ids, tokens and URLs."""
        return web.json_response(emu.state_summary())

    async def comment(request: web.Request) -> web.Response:
        """POST /_sandbox/comments {media_id, text, username?, parent_id?}: add a comment (+ webhook)."""
        b = await _body(request)
        if b.get("media_id") not in emu.state.media or not b.get("text"):
            return _bad("media_id (a known media) and text are required")
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
        b = await _body(request)
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
        b = await _body(request)
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
            after_effect=bool(b.get("after_effect", False)),
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
        b = await _body(request)
        if not hasattr(emu.clock, "advance"):
            return _bad("the emulator runs on the system clock")
        emu.clock.advance(float(b.get("seconds", 0)))  # type: ignore[attr-defined]
        return web.json_response({"now": emu.now()})

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

    app.router.add_get("/_sandbox/state", state)
    app.router.add_get("/_sandbox/webhooks", webhooks)
    app.router.add_post("/_sandbox/comments", comment)
    app.router.add_post("/_sandbox/mentions", mention)
    app.router.add_post("/_sandbox/errors", error)
    app.router.add_get("/_sandbox/calls", calls)
    app.router.add_post("/_sandbox/clock/advance", advance)
    app.router.add_post("/_sandbox/webhooks/flush", flush)
