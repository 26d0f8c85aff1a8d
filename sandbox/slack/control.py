"""HTTP control routes under ``/_sandbox/``: act as a person and read the workspace with curl."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from aiohttp import web

from .errors import PersonError

if TYPE_CHECKING:
    from .server import SlackEmulator

HELP = """Slack sandbox control API (JSON in, JSON out)
GET  /_sandbox/                          this help
GET  /_sandbox/users                     people
POST /_sandbox/users                     {"name": "alice", "is_admin": false}
GET  /_sandbox/channels                  channels
POST /_sandbox/channels                  {"name": "social", "members": ["alice"], "bot_member": true}
GET  /_sandbox/channels/{channel}        messages of a channel (id or name), with threads
GET  /_sandbox/ephemerals?user=alice     ephemeral messages
GET  /_sandbox/views?user=alice          modal stack and Home tab of a person
GET  /_sandbox/calls?method=chat.update  recorded Web API calls
POST /_sandbox/slash                     {"user": "alice", "channel": "social", "text": "help"}
POST /_sandbox/click                     {"user": "alice", "channel": "social", "message_ts": "…",
                                          "action_id": "…", "value": "…"}
POST /_sandbox/submit                    {"user": "alice", "values": {"block": {"action": "text"}}}
POST /_sandbox/close                     {"user": "alice"}
POST /_sandbox/home                      {"user": "alice"}
POST /_sandbox/faults                    {"method": "chat.postMessage", "error": "ratelimited", "times": 1}
"""


def add_routes(app: web.Application, emu: SlackEmulator) -> None:
    """Register the control routes on the emulator's aiohttp app."""

    async def body(request: web.Request) -> dict:
        try:
            data = await request.json()
        except ValueError:
            raise web.HTTPBadRequest(text="expected a JSON object") from None
        if not isinstance(data, dict):
            raise web.HTTPBadRequest(text="expected a JSON object")
        return data

    def answer(value) -> web.Response:
        return web.json_response(value, dumps=lambda v: json.dumps(v, default=repr))

    def person(action):
        async def handler(request: web.Request) -> web.Response:
            data = await body(request)
            try:
                result = await action(data)
            except (PersonError, KeyError, TypeError) as e:
                return web.json_response({"ok": False, "error": str(e)}, status=400)
            return answer({"ok": True, "delivery": result.to_dict() if result is not None else None})

        return handler

    async def index(request: web.Request) -> web.Response:
        return web.Response(text=HELP)

    async def users(request: web.Request) -> web.Response:
        if request.method == "POST":
            data = await body(request)
            uid = emu.add_user(data["name"], is_admin=bool(data.get("is_admin")))
            return answer({"ok": True, "id": uid})
        return answer([u.to_api() for u in emu.ws.users.values()])

    async def channels(request: web.Request) -> web.Response:
        if request.method == "POST":
            data = await body(request)
            try:
                cid = emu.add_channel(
                    data["name"],
                    private=bool(data.get("private")),
                    members=data.get("members", []),
                    bot_member=bool(data.get("bot_member")),
                )
            except KeyError as e:
                return web.json_response({"ok": False, "error": str(e)}, status=400)
            return answer({"ok": True, "id": cid})
        return answer(
            [
                dict(
                    c.to_api(bot_user_id=emu.ws.bot_user_id, include_num_members=True),
                    members=sorted(c.members),
                )
                for c in emu.ws.channels.values()
            ]
        )

    async def channel(request: web.Request) -> web.Response:
        try:
            msgs = emu.messages(request.match_info["channel"])
        except KeyError as e:
            return web.json_response({"ok": False, "error": str(e)}, status=404)
        cid = emu.ws.channel_id(request.match_info["channel"])
        for m in msgs:
            if m.get("reply_count"):
                m["replies"] = emu.thread(cid, m["ts"])[1:]
        return answer(msgs)

    async def ephemerals(request: web.Request) -> web.Response:
        return answer(emu.ephemerals(user=request.query.get("user"), channel=request.query.get("channel")))

    async def views(request: web.Request) -> web.Response:
        user = request.query.get("user", "")
        return answer({"stack": emu.views_of(user), "home": emu.home_of(user)})

    async def calls(request: web.Request) -> web.Response:
        method = request.query.get("method")
        return answer([c.to_dict() for c in emu.calls if method is None or c.method == method])

    async def faults(request: web.Request) -> web.Response:
        data = await body(request)
        emu.inject_error(
            data["method"],
            error=data.get("error", "internal_error"),
            status=data.get("status"),
            retry_after=data.get("retry_after"),
            times=int(data.get("times", 1)),
        )
        return answer({"ok": True})

    app.router.add_get("/_sandbox/", index)
    app.router.add_route("*", "/_sandbox/users", users)
    app.router.add_route("*", "/_sandbox/channels", channels)
    app.router.add_get("/_sandbox/channels/{channel}", channel)
    app.router.add_get("/_sandbox/ephemerals", ephemerals)
    app.router.add_get("/_sandbox/views", views)
    app.router.add_get("/_sandbox/calls", calls)
    app.router.add_post("/_sandbox/faults", faults)
    app.router.add_post(
        "/_sandbox/slash",
        person(
            lambda d: emu.slash_command(
                user=d["user"], channel=d["channel"], text=d.get("text", ""), command=d.get("command", "/ig")
            )
        ),
    )
    app.router.add_post(
        "/_sandbox/click",
        person(
            lambda d: emu.click(
                user=d["user"],
                action_id=d["action_id"],
                channel=d.get("channel"),
                message_ts=d.get("message_ts"),
                view_id=d.get("view_id"),
                block_id=d.get("block_id"),
                value=d.get("value"),
                values=d.get("values"),
            )
        ),
    )
    app.router.add_post(
        "/_sandbox/submit",
        person(lambda d: emu.submit_view(user=d["user"], view_id=d.get("view_id"), values=d.get("values"))),
    )
    app.router.add_post(
        "/_sandbox/close", person(lambda d: emu.close_view(user=d["user"], view_id=d.get("view_id")))
    )
    app.router.add_post(
        "/_sandbox/home", person(lambda d: emu.app_home_opened(user=d["user"], tab=d.get("tab", "home")))
    )
