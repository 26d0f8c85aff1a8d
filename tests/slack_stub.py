"""A tiny loopback stand-in for Slack's Web API (auth.test and friends) until tests use the sandbox."""

from __future__ import annotations

import json

from aiohttp import web


class SlackStub:
    """Answer Web API calls with ok:true and record them; also accept response_url posts."""

    def __init__(self, token: str = "xoxb-test"):
        self.token = token
        self.calls: list[tuple[str, dict]] = []
        self.responses: list[dict] = []
        self.app = web.Application()
        self.app.add_routes([web.post("/api/{method}", self.api), web.get("/api/{method}", self.api),
                             web.post("/respond/{hook}", self.respond)])

    async def api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = dict(request.query)
        if request.content_type == "application/json":
            params.update(await request.json())
        else:
            params.update(await request.post())
        self.calls.append((method, params))
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            return web.json_response({"ok": False, "error": "invalid_auth"})
        if method == "auth.test":
            return web.json_response({"ok": True, "url": "https://t.slack.example/", "team": "Test",
                                      "user": "igbot", "team_id": "T0001", "user_id": "U0BOT", "bot_id": "B0BOT"})
        return web.json_response({"ok": True, "ts": "1700000000.000100", "channel": params.get("channel")})

    async def respond(self, request: web.Request) -> web.Response:
        self.responses.append(json.loads(await request.text()))
        return web.Response(text="ok")

    def methods(self) -> list[str]:
        """Return the called method names in order."""
        return [m for m, _ in self.calls]
