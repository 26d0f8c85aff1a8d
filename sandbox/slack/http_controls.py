"""HTTP control routes under ``/_sandbox/``: act as a person and read the workspace with curl."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from aiohttp import web

from ..control_body import read_fields
from .errors import PersonError

if TYPE_CHECKING:
    from .server import SlackEmulator

HELP = """Slack emulator control routes: act as a person, read the workspace
Bodies are form fields (curl -d name=value) or a JSON object; nested values (values=…) are JSON text in a form.
Web API for real clients: {api_url} (bot token: {bot_token})

GET  /_sandbox/                          this list
GET  /_sandbox/users                     people
POST /_sandbox/users                     name, is_admin?                 add a person
GET  /_sandbox/channels                  channels
POST /_sandbox/channels                  name, members? (a,b), bot_member?, private?
GET  /_sandbox/channels/{{channel}}        messages of a channel (id or name), with threads
GET  /_sandbox/ephemerals?user=alice     ephemeral messages
GET  /_sandbox/views?user=alice          modal stack and Home tab of a person
GET  /_sandbox/calls?method=chat.update  recorded Web API calls
POST /_sandbox/slash                     user, channel, text, command? (/ig)   type a slash command
POST /_sandbox/click                     user, action_id, channel?, message_ts?, view_id?, block_id?, value?
POST /_sandbox/submit                    user, values ({{"block": {{"action": "text"}}}}), view_id?
POST /_sandbox/close                     user, view_id?                  close a modal
POST /_sandbox/home                      user                            open the App Home tab
POST /_sandbox/faults                    method, error?, status?, retry_after?, times?
"""
FLAGS = ("is_admin", "private", "bot_member")
LISTS = ("members",)
NESTED = ("values",)


def form_fields(fields: dict[str, str]) -> dict:
    """Turn form fields into what the JSON body would hold: flags, comma lists and JSON-encoded nested values."""
    data: dict = dict(fields)
    for name in FLAGS:
        if name in data:
            data[name] = str(data[name]).strip().lower() in ("1", "true", "yes", "on")
    for name in LISTS:
        if name in data:
            data[name] = [p.strip() for p in str(data[name]).split(",") if p.strip()]
    for name in NESTED:
        if name in data:
            try:
                data[name] = json.loads(data[name])
            except ValueError:
                raise web.HTTPBadRequest(text=f'{name} must be JSON, e.g. {{"block": {{"action": "text"}}}}') from None
    return data


def add_routes(app: web.Application, emu: SlackEmulator) -> None:
    """Register the control routes on the emulator's aiohttp app."""

    async def body(request: web.Request) -> dict:
        return await read_fields(request, from_form=form_fields)

    def answer(value) -> web.Response:
        # indented, with the text as written (no \u escapes): people read these with curl
        return web.json_response(value, dumps=lambda v: json.dumps(v, default=repr, indent=2, ensure_ascii=False))

    def refused(error: Exception) -> web.Response:
        return web.json_response({"ok": False, "error": f"missing or wrong field: {error}"}, status=400)

    def person(action):
        async def handler(request: web.Request) -> web.Response:
            data = await body(request)
            try:
                result = await action(data)
            except PersonError as e:
                return web.json_response({"ok": False, "error": str(e)}, status=400)
            except (KeyError, TypeError) as e:
                return refused(e)
            return answer({"ok": True, "delivery": result.to_dict() if result is not None else None})

        return handler

    async def index(request: web.Request) -> web.Response:
        return web.Response(text=HELP.format(api_url=emu.api_url, bot_token=emu.bot_token))

    async def users(request: web.Request) -> web.Response:
        if request.method == "POST":
            data = await body(request)
            if not data.get("name"):
                return refused(KeyError("name"))
            uid = emu.add_user(str(data["name"]), is_admin=bool(data.get("is_admin")))
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
            except (KeyError, TypeError) as e:
                return refused(e)
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
        try:
            emu.inject_error(
                str(data["method"]),
                error=str(data.get("error", "internal_error")),
                status=int(data["status"]) if data.get("status") else None,
                retry_after=int(data["retry_after"]) if data.get("retry_after") not in (None, "") else None,
                times=int(data.get("times", 1)),
            )
        except (KeyError, TypeError, ValueError) as e:
            return refused(e)
        return answer({"ok": True})

    app.router.add_get("/_sandbox/", index)
    app.router.add_get("/_sandbox", index)
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
