"""A small loopback Graph stand-in for the comment endpoints (until the sandbox Graph emulator is merged).

It answers like graph-api.md §5 describes: media nodes, comments with `replies`, hide, delete, replies,
mentions (`mentioned_comment` / `mentioned_media`, `POST /{ig-user-id}/mentions`) and error bodies with
code/subcode; it records every call so tests can count them.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import re
from dataclasses import dataclass, field

from aiohttp import web
from aiohttp.test_utils import TestServer

VERSION = "v25.0"
NOT_FOUND = {"error": {"message": "Unsupported get request. Object with ID does not exist",
                       "type": "GraphMethodException", "code": 100, "error_subcode": 33, "fbtrace_id": "Atrace"}}
EXPANSION = re.compile(r"^(mentioned_comment|mentioned_media)\.(comment_id|media_id)\((\d+)\)\{.*\}$")


@dataclass
class Seen:
    """One call the stub answered."""

    method: str
    path: str
    params: dict
    form: dict


@dataclass
class GraphStub:
    """Comments, media and mentions of one or more accounts, served on loopback."""

    media: dict[str, dict] = field(default_factory=dict)
    comments: dict[str, dict] = field(default_factory=dict)
    calls: list[Seen] = field(default_factory=list)
    failures: dict[tuple[str, str], list[tuple[int, dict]]] = field(default_factory=dict)
    ids: itertools.count = field(default_factory=lambda: itertools.count(17900000000000100))
    server: TestServer | None = None

    @property
    def url(self) -> str:
        """Return the base URL (GRAPH_API_URL)."""
        return str(self.server.make_url("")).rstrip("/")

    async def start(self) -> GraphStub:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self.handle)
        self.server = TestServer(app, host="127.0.0.1")
        await self.server.start_server()
        return self

    async def stop(self) -> None:
        await self.server.close()

    def add_media(self, media_id: str, *, owner: str, caption: str = "", product: str = "FEED",
                  permalink: str | None = None) -> dict:
        self.media[media_id] = {"id": media_id, "caption": caption, "username": owner, "media_type": "IMAGE",
                                "media_product_type": product, "timestamp": "2026-11-28T09:00:00+0000",
                                "permalink": permalink or f"https://www.instagram.com/p/{media_id[-6:]}/",
                                "media_url": f"https://cdn.example.com/{media_id}.jpg"}
        return self.media[media_id]

    def add_comment(self, media_id: str, text: str, *, username: str, from_id: str = "9001",
                    parent_id: str | None = None, comment_id: str | None = None,
                    timestamp: str = "2026-11-28T10:00:00+0000", mentions: str | None = None) -> dict:
        cid = comment_id or str(next(self.ids))
        self.comments[cid] = {"id": cid, "text": text, "username": username, "from": {"id": from_id,
                              "username": username}, "media_id": media_id, "parent_id": parent_id,
                              "hidden": False, "deleted": False, "timestamp": timestamp, "mentions": mentions}
        return self.comments[cid]

    def fail(self, method: str, path: str, status: int, body: dict, times: int = 1) -> None:
        self.failures.setdefault((method, path), []).extend([(status, body)] * times)

    def calls_to(self, method: str, path: str) -> list[Seen]:
        return [c for c in self.calls if c.method == method and c.path == path]

    def webhook_value(self, comment_id: str) -> dict:
        """Return the `comments` change value Meta sends for a comment."""
        c = self.comments[comment_id]
        value = {"id": c["id"], "from": c["from"], "text": c["text"],
                 "media": {"id": c["media_id"], "media_product_type": self.media[c["media_id"]]["media_product_type"]}}
        if c["parent_id"]:
            value["parent_id"] = c["parent_id"]
        return value

    async def handle(self, request: web.Request) -> web.Response:
        form = dict(await request.post()) if request.method in ("POST", "DELETE") else {}
        parts = request.path.strip("/").split("/")
        if not parts or parts[0] != VERSION:
            return web.json_response({"error": {"message": "Unknown path", "code": 2500}}, status=400)
        path = "/".join(parts[1:])
        params = dict(request.query)
        self.calls.append(Seen(request.method, path, params, {k: str(v) for k, v in form.items()}))
        queued = self.failures.get((request.method, path))
        if queued:
            status, body = queued.pop(0)
            return web.json_response(body, status=status)
        status, body = self.answer(request.method, parts[1:], params, form)
        return web.json_response(body, status=status)

    def answer(self, method: str, parts: list[str], params: dict, form: dict) -> tuple[int, dict]:
        node = parts[0]
        edge = parts[1] if len(parts) > 1 else None
        comment = self.comments.get(node)
        if comment and comment["deleted"]:
            return 400, NOT_FOUND
        if node in self.media and edge is None and method == "GET":
            return 200, {k: v for k, v in self.media[node].items() if not params.get("fields") or
                         k in params["fields"].split(",") or k == "id"}
        if node in self.media and edge == "comments" and method == "GET":
            rows = [c for c in self.comments.values() if c["media_id"] == node and not c["parent_id"]
                    and not c["deleted"]]
            rows.sort(key=lambda c: c["timestamp"], reverse=True)
            data = []
            for c in rows:
                item = {k: c[k] for k in ("id", "text", "username", "timestamp", "hidden", "from")}
                replies = [r for r in self.comments.values() if r["parent_id"] == c["id"] and not r["deleted"]]
                if replies:
                    item["replies"] = {"data": [{k: r[k] for k in ("id", "text", "username", "timestamp", "from")}
                                                for r in replies]}
                data.append(item)
            return 200, {"data": data[:50]}
        if comment and edge is None and method == "GET":
            return 200, {"id": node, "text": comment["text"], "username": comment["username"],
                         "timestamp": comment["timestamp"], "media": {"id": comment["media_id"]}}
        if comment and edge is None and method == "POST" and "hide" in form:
            comment["hidden"] = form["hide"] == "true"
            return 200, {"success": True}
        if comment and edge is None and method == "DELETE":
            comment["deleted"] = True
            return 200, {"success": True}
        if comment and edge == "replies" and method == "POST":
            if comment["parent_id"]:
                return 400, {"error": {"message": "Invalid parameter", "code": 100}}
            reply = self.add_comment(comment["media_id"], form["message"], username="owner", parent_id=node,
                                     from_id="owner")
            return 200, {"id": reply["id"]}
        if edge == "mentions" and method == "POST":
            media_id = form.get("media_id")
            if media_id not in self.media:
                return 400, {"error": {"message": "Invalid parameter", "code": 100}}
            reply = self.add_comment(media_id, form["message"], username="owner", parent_id=form.get("comment_id"))
            return 200, {"id": reply["id"]}
        if edge is None and method == "GET" and EXPANSION.match(params.get("fields", "")):
            name, _, target = EXPANSION.match(params["fields"]).groups()
            if name == "mentioned_comment":
                c = self.comments.get(target)
                if c is None or c["mentions"] != node:
                    return 400, NOT_FOUND
                media = self.media[c["media_id"]]
                return 200, {"id": node, "mentioned_comment": {
                    "id": target, "text": c["text"], "username": c["username"], "timestamp": c["timestamp"],
                    "media": {"id": media["id"], "permalink": media["permalink"]}}}
            media = self.media.get(target)
            if media is None:
                return 400, NOT_FOUND
            return 200, {"id": node, "mentioned_media": {k: media[k] for k in ("id", "caption", "permalink",
                                                                                "username", "timestamp")}}
        return 400, NOT_FOUND


def meta_signature(body: bytes, secret: str) -> str:
    """Return the X-Hub-Signature-256 header value Meta sends."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def delivery(changes: list[tuple[str, str, dict]], *, time: int = 1764324000) -> bytes:
    """Return a webhook body: [(entry id, field, value)], one entry per account in order of first use."""
    entries: dict[str, dict] = {}
    for entry_id, field_name, value in changes:
        entries.setdefault(entry_id, {"id": entry_id, "time": time, "changes": []})["changes"].append(
            {"field": field_name, "value": value})
    return json.dumps({"object": "instagram", "entry": list(entries.values())}).encode()
