"""SandboxPage: a small aiohttp app on loopback that shows both emulators and acts in them as a person.

Slack actions go through the Slack emulator's person simulation (the same signed requests a real client
causes); Instagram actions go through the Graph emulator's control routes. The page only reads state and
forwards actions: it keeps no world of its own, except Slack's client-side form errors of the last submit.
"""

from __future__ import annotations

import base64
import binascii
import json
import mimetypes
from importlib import resources
from typing import TYPE_CHECKING, Any

import aiohttp
from aiohttp import web

from ..slack import PersonError
from .mrkdwn import esc
from .render import InstagramView, SlackView, Where

if TYPE_CHECKING:
    from sandbox.graph import GraphEmulator
    from sandbox.slack import SlackEmulator

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "[::1]")
ASSETS = {"page.js": "application/javascript", "page.css": "text/css"}
SHOWN_FILES = ("image/png", "image/jpeg", "image/gif")


def asset(name: str) -> str:
    """Read one of the page's assets from the package."""
    return resources.files("sandbox.web").joinpath("assets", name).read_text(encoding="utf-8")


class SandboxPage:
    """The sandbox's web page: ``await SandboxPage(slack, graph, people=[...]).start()``, then open ``url``.

    :param people: the names a visitor can be (the first is the default)
    :param channel: the channel shown first (name or id)
    """

    def __init__(self, slack: SlackEmulator, graph: GraphEmulator, *, people: list[str], channel: str = "",
                 host: str = "127.0.0.1", port: int = 0) -> None:
        self.slack, self.graph = slack, graph
        self.people = list(people)
        self.channel = channel
        self.host, self.port = host, port
        self.url = ""
        self.client_errors: dict[tuple[str, str], dict] = {}
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None

    # lifecycle

    def make_app(self) -> web.Application:
        """Build the aiohttp application of the page."""
        app = web.Application(client_max_size=64 * 1024 * 1024, middlewares=[self.guard])
        app.router.add_get("/", self.index)
        app.router.add_get("/ui/regions", self.regions)
        app.router.add_get("/ui/assets/{name}", self.assets)
        app.router.add_get("/ui/files/{file_id}", self.file)
        for name, handler in (("slash", self.slash), ("click", self.click), ("submit", self.submit),
                              ("close", self.close), ("home", self.home), ("suggest", self.suggest),
                              ("comment", self.comment), ("mention", self.mention)):
            app.router.add_post(f"/ui/{name}", handler)
        return app

    async def start(self) -> SandboxPage:
        """Serve on loopback (a random port unless one was given)."""
        self._session = aiohttp.ClientSession()
        self._runner = web.AppRunner(self.make_app(), access_log=None, handle_signals=False)
        await self._runner.setup()
        await web.TCPSite(self._runner, self.host, self.port).start()
        self.url = f"http://{self.host}:{self._runner.addresses[0][1]}/"
        return self

    async def stop(self) -> None:
        """Stop serving."""
        if self._runner is not None:
            await self._runner.cleanup()
        if self._session is not None:
            await self._session.close()

    @web.middleware
    async def guard(self, request: web.Request, handler) -> web.StreamResponse:
        """Answer only requests addressed to loopback; actions only as JSON (no cross-site form posts)."""
        host = request.host.rsplit(":", 1)[0] if not request.host.endswith("]") else request.host
        if host not in LOOPBACK_HOSTS:
            return web.Response(status=403, text="the sandbox page answers on loopback only")
        if request.method == "POST" and request.content_type != "application/json":
            return web.json_response({"ok": False, "error": "send JSON (Content-Type: application/json)"},
                                     status=415)
        response = await handler(request)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Content-Security-Policy"] = (
            "default-src 'self'; img-src 'self' data: http://127.0.0.1:*; style-src 'self'; "
            "script-src 'self'; connect-src 'self'; frame-ancestors 'none'")
        return response

    # reading

    def where(self, query) -> Where:
        """Who the visitor is and what they look at, from the query (unknown people and channels fall back)."""
        person = query.get("as") or ""
        if person not in self.people:
            person = self.people[0]
        channel = query.get("c") or self.channel
        try:
            channel = self.slack.ws.channel_id(channel) if channel else ""
        except KeyError:
            channel = ""
        return Where(person=person, channel=channel, thread=query.get("thread", ""), home=query.get("home") == "1")

    def render(self, where: Where) -> dict[str, str]:
        """Every region's HTML for this visitor."""
        view = SlackView(self.slack, where)
        top = self.slack.views_of(view.uid)
        errors = self.client_errors.get((view.uid, top[-1]["id"])) if top else None
        return {"sidebar": view.sidebar(), "main": view.main(), "thread": view.thread(),
                "modal": view.modal(errors), "instagram": InstagramView(self.graph).panel()}

    async def regions(self, request: web.Request) -> web.Response:
        """GET /ui/regions?as=&c=&thread=&home=: every region's HTML, for the script to swap in."""
        return web.json_response(self.render(self.where(request.query)))

    async def index(self, request: web.Request) -> web.Response:
        """GET /: the whole page, rendered on the server."""
        where = self.where(request.query)
        parts = self.render(where)
        people = "".join(f'<option value="{esc(p)}"{" selected" if p == where.person else ""}>{esc(p)}</option>'
                         for p in self.people)
        channel = SlackView(self.slack, where).channel_id()
        accounts = InstagramView(self.graph).accounts()
        account = accounts[0].username if accounts else ""
        html = PAGE.format(
            people=people, person=esc(where.person), channel=esc(channel), thread_ts=esc(where.thread),
            home="1" if where.home else "", account=esc(account), **parts,
            thread_class="" if parts["thread"] else " closed",
        )
        return web.Response(text=html, content_type="text/html")

    async def assets(self, request: web.Request) -> web.Response:
        """GET /ui/assets/page.js|page.css: the page's script and style (shipped with the package)."""
        name = request.match_info["name"]
        if name not in ASSETS:
            raise web.HTTPNotFound()
        return web.Response(text=asset(name), content_type=ASSETS[name])

    async def file(self, request: web.Request) -> web.Response:
        """GET /ui/files/{id}: an image shared in Slack (what the Slack client would show)."""
        f = self.slack.file(request.match_info["file_id"])
        mime = mimetypes.guess_type(f["name"])[0] if f else None
        if f is None or f["data"] is None or mime not in SHOWN_FILES:
            raise web.HTTPNotFound()
        return web.Response(body=f["data"], content_type=mime)

    # acting in Slack

    async def payload(self, request: web.Request, *, person: bool = True) -> dict[str, Any]:
        """The JSON object of an action; with ``person``, ``as`` must name one of the people."""
        try:
            body = await request.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            raise web.HTTPBadRequest(text='{"ok": false, "error": "expected a JSON object"}',
                                     content_type="application/json")
        if person and body.get("as") not in self.people:
            error = json.dumps({"ok": False, "error": f"'as' must be one of {', '.join(self.people)}"})
            raise web.HTTPBadRequest(text=error, content_type="application/json")
        return body

    async def act(self, request: web.Request, action, *, failed: str = "That action") -> web.Response:
        """Run one person action and answer what the person would be told (Slack's words for a failure)."""
        body = await self.payload(request)
        try:
            d = await action(body)
        except (PersonError, KeyError, ValueError) as e:
            return web.json_response({"ok": False, "error": str(e).strip("'\"")})
        if d is None:
            return web.json_response({"ok": True})
        answer: dict[str, Any] = {"ok": d.error is None, "error": None}
        if d.client_errors:
            answer["client_errors"] = d.client_errors
        elif d.error:
            answer["error"] = f'{failed} failed with the error "{d.error}"'

        if d.options is not None:
            answer["options"] = [{"value": o.get("value"), "text": (o.get("text") or {}).get("text", "")}
                                 for o in d.options if isinstance(o, dict) and "value" in o]
        return web.json_response(answer)

    async def slash(self, request: web.Request) -> web.Response:
        """POST /ui/slash {as, channel, text: "/ig …"}: type a slash command."""

        async def run(b: dict):
            line = str(b.get("text") or "").strip()
            if not line.startswith("/") or len(line) < 2:
                raise ValueError("Type a slash command, e.g. /ig help")
            command, _, text = line.partition(" ")
            return await self.slack.slash_command(user=b["as"], channel=str(b.get("channel") or ""),
                                                  command=command, text=text.strip())

        line = str((await self.payload(request)).get("text") or "").split(" ", 1)[0]
        return await self.act(request, run, failed=line or "The command")

    async def click(self, request: web.Request) -> web.Response:
        """POST /ui/click {as, channel+message_ts | view_id, action_id, block_id, value?, values?}."""

        async def run(b: dict):
            values = await self.values(b)
            return await self.slack.click(user=b["as"], action_id=str(b.get("action_id") or ""),
                                          channel=b.get("channel"), message_ts=b.get("message_ts"),
                                          view_id=b.get("view_id"), block_id=b.get("block_id"),
                                          value=b.get("value"), values=values or None)

        return await self.act(request, run)

    async def submit(self, request: web.Request) -> web.Response:
        """POST /ui/submit {as, view_id, values, uploads?}: submit the open modal."""

        async def run(b: dict):
            d = await self.slack.submit_view(user=b["as"], view_id=b.get("view_id"), values=await self.values(b))
            key = (self.slack.ws.user_id(b["as"]), str(b.get("view_id")))
            self.client_errors.pop(key, None)
            if d.client_errors:
                self.client_errors[key] = d.client_errors
            return d

        return await self.act(request, run)

    async def values(self, b: dict) -> dict:
        """The modal values sent, with uploaded files (base64) turned into Slack file objects."""
        values = b.get("values") or {}
        if not isinstance(values, dict):
            raise ValueError("values must be an object")
        for upload in b.get("uploads") or []:
            try:
                content = base64.b64decode(str(upload["data"]), validate=True)
            except (binascii.Error, KeyError, TypeError):
                raise ValueError("an upload is not valid base64") from None
            f = self.slack.upload_file(user=b["as"], name=str(upload.get("name") or "upload.bin"), data=content)
            entry = values.setdefault(str(upload.get("block_id")), {}).setdefault(
                str(upload.get("action_id")), {"files": []})
            entry["files"].append(f)
        return values

    async def close(self, request: web.Request) -> web.Response:
        """POST /ui/close {as, view_id}: press Cancel on the open modal."""
        return await self.act(request, lambda b: self.slack.close_view(user=b["as"], view_id=b.get("view_id")))

    async def home(self, request: web.Request) -> web.Response:
        """POST /ui/home {as}: open the app's Home tab."""
        return await self.act(request, lambda b: self.slack.app_home_opened(user=b["as"]))

    async def suggest(self, request: web.Request) -> web.Response:
        """POST /ui/suggest {as, view_id, action_id, block_id, value}: what an external select offers."""
        return await self.act(request, lambda b: self.slack.suggest(
            user=b["as"], action_id=str(b.get("action_id") or ""), value=str(b.get("value") or ""),
            view_id=b.get("view_id"), block_id=b.get("block_id")))

    # acting on Instagram

    async def control(self, request: web.Request, route: str, fields: tuple[str, ...]) -> web.Response:
        """Forward a follower's action to the Graph emulator's control route; answer its result."""
        body = await self.payload(request, person=False)
        sent = {k: str(body[k]) for k in fields if body.get(k) not in (None, "")}
        assert self._session is not None
        async with self._session.post(f"{self.graph.urls.graph_facebook}/_sandbox/{route}", json=sent) as r:
            try:
                answer = await r.json(content_type=None)
            except ValueError:
                answer = None
        if r.status != 200 or not isinstance(answer, dict):
            error = answer.get("error") if isinstance(answer, dict) else None
            return web.json_response({"ok": False, "error": error or f"the Graph emulator answered HTTP {r.status}"})
        await self.graph.flush_webhooks()
        return web.json_response({"ok": True, **answer})

    async def comment(self, request: web.Request) -> web.Response:
        """POST /ui/comment {media_id, username, text, parent_id?}: a follower comments or replies."""
        return await self.control(request, "comments", ("media_id", "username", "text", "parent_id"))

    async def mention(self, request: web.Request) -> web.Response:
        """POST /ui/mention {account, username, text}: someone mentions the account in a comment."""
        return await self.control(request, "mentions", ("account", "username", "text"))


PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>igbot sandbox</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/ui/assets/page.css"></head>
<body data-person="{person}" data-channel="{channel}" data-thread="{thread_ts}" data-home="{home}">
<header class="topbar"><b>igbot sandbox</b><span class="muted">Slack and Instagram, emulated on this machine</span>
<label class="who">You are <select id="person">{people}</select></label></header>
<div class="layout">
<nav class="sidebar" id="sidebar" data-region="sidebar">{sidebar}</nav>
<main class="slack">
<section class="main" id="main" data-region="main">{main}</section>
<form class="composer" id="composer" autocomplete="off">
<input id="command" name="command" placeholder="Type /ig help, /ig post, /ig queue …" aria-label="Slash command">
<button type="submit" class="btn primary">Send</button></form>
</main>
<aside class="thread{thread_class}" id="thread" data-region="thread">{thread}</aside>
<aside class="instagram">
<div class="ig-head"><b>Instagram</b><span class="muted">what followers and the account see</span></div>
<div class="ig-panel" id="instagram" data-region="instagram">{instagram}</div>
<form class="ig-form" id="follower" autocomplete="off">
<div class="ig-target" id="ig-target">Pick a post: Comment, or Reply under a comment</div>
<input type="hidden" id="media_id"><input type="hidden" id="parent_id">
<div class="row"><input id="username" value="clayfan" aria-label="Follower username" title="Follower username">
<input id="ig-text" placeholder="Write as the follower…" aria-label="Comment text">
<button type="submit" class="btn primary">Send</button></div>
</form>
<form class="ig-form" id="mention" autocomplete="off" data-account="{account}">
<div class="ig-target">Mention @{account} in a comment on someone else's post</div>
<div class="row"><input id="m-username" value="brand_fan" aria-label="Who mentions">
<input id="m-text" placeholder="@{account} you have to see this!" aria-label="Mention text">
<button type="submit" class="btn">Mention</button></div>
</form>
<div class="ig-dms">DMs arrive with messaging support.</div>
</aside>
</div>
<div id="modal" data-region="modal">{modal}</div>
<dialog id="confirm"><form method="dialog"><h3 id="confirm-title"></h3><div id="confirm-text"></div>
<div class="modal-foot"><button value="deny" class="btn" id="confirm-deny">Cancel</button>
<button value="ok" class="btn primary" id="confirm-ok">OK</button></div></form></dialog>
<div id="toast" role="status"></div>
<script src="/ui/assets/page.js"></script>
</body></html>
"""
