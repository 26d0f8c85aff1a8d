"""SlackEmulator: the aiohttp server, its settings, the records, and the public methods tests use."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable

import aiohttp
from aiohttp import web

from . import files, http_controls, response_url
from .api import WebApi
from .clock import real_clock
from .delivery import Delivery
from .faults import Faults
from .person import Person
from .ratelimit import RateLimiter, RateLimits
from .requests import Call
from .socket_mode import SocketMode
from .state import DEFAULT_SCOPES, Ephemeral, Message, Workspace


class SlackEmulator:
    """An offline Slack: Web API, response_url and upload endpoints, Socket Mode, and a person to act.

    :param signing_secret: signs every HTTP request sent to the app
    :param scopes: the bot token's scopes (default: the manifest's)
    :param clock: a callable returning epoch seconds (e.g. :class:`ManualClock`); drives ts, limits, expiry
    :param limits: rate limits; ``RateLimits(enabled=False)`` turns them off
    :param file_processing_seconds: how long a completed upload stays "not yet processed"
    :param socket_mode: True = deliver only over Socket Mode, False = only HTTP,
        None = over Socket Mode while the app has a connection open, else HTTP
    :param ack_timeout: how long Slack waits for the app's answer (3 s)
    """

    def __init__(
        self,
        *,
        signing_secret: str = "sandbox-signing-secret",
        bot_token: str = "xoxb-sandbox",
        app_token: str = "xapp-sandbox",
        team_id: str = "T0001",
        team_domain: str = "igbot-sandbox",
        app_id: str = "A0001",
        bot_id: str = "B0001",
        bot_user_id: str = "U0BOT",
        bot_name: str = "igbot",
        scopes: tuple[str, ...] | list[str] = DEFAULT_SCOPES,
        clock: Callable[[], float] | None = None,
        limits: RateLimits | None = None,
        file_processing_seconds: float = 0.5,
        home_tab_enabled: bool = True,
        socket_mode: bool | None = None,
        ack_timeout: float = 3.0,
        verification_token: str = "sandbox-verification-token",
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.signing_secret = signing_secret
        self.bot_token = bot_token
        self.app_token = app_token
        self.verification_token = verification_token
        self.now = clock or real_clock
        self.ws = Workspace(
            team_id=team_id,
            team_domain=team_domain,
            app_id=app_id,
            bot_id=bot_id,
            bot_user_id=bot_user_id,
            bot_name=bot_name,
            scopes=tuple(scopes),
        )
        self.limiter = RateLimiter(limits or RateLimits())
        self.faults = Faults()
        self.file_processing_seconds = file_processing_seconds
        self.home_tab_enabled = home_tab_enabled
        self.socket_mode = socket_mode
        self.ack_timeout = ack_timeout
        self.token_revoked = False
        self.host, self.port = host, port
        self.request_url: str | None = None
        self.base_url = ""
        self.calls: list[Call] = []
        self.deliveries: list[Delivery] = []
        self.socket = SocketMode(self)
        self.person = Person(self)
        self.web_api = WebApi(self)
        self.session: aiohttp.ClientSession | None = None
        self._runner: web.AppRunner | None = None

    # lifecycle

    def make_app(self) -> web.Application:
        """Build the aiohttp application (Web API, upload, response_url, Socket Mode, control routes)."""
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/api/{method}", self.web_api.handle)

        async def upload(request: web.Request) -> web.Response:
            return await files.handle_upload(self, request)

        async def respond(request: web.Request) -> web.Response:
            return await response_url.handle(self, request)

        async def download(request: web.Request) -> web.Response:
            return await files.handle_download(self, request)

        app.router.add_post("/upload/v1/{token}", upload)
        app.router.add_get("/files-pri/{file}/download/{name}", download)
        app.router.add_post("/respond/{team}/{token}", respond)
        app.router.add_get("/link/", self.socket.handle)
        http_controls.add_routes(app, self)
        return app

    async def start(self) -> SlackEmulator:
        """Serve on the loopback address (a random port unless one was given)."""
        self._runner = web.AppRunner(self.make_app(), handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        port = self._runner.addresses[0][1]
        self.base_url = f"http://{self.host}:{port}/"
        self.session = aiohttp.ClientSession()
        return self

    async def stop(self) -> None:
        """Close the app's connections and stop serving."""
        await self.socket.disconnect_all("shutting_down")
        if self.session is not None:
            await self.session.close()
        if self._runner is not None:
            await self._runner.cleanup()

    async def __aenter__(self) -> SlackEmulator:
        return await self.start()

    async def __aexit__(self, *exc) -> None:
        await self.stop()

    @property
    def api_url(self) -> str:
        """The Web API base URL for the app's client, with its trailing slash."""
        return f"{self.base_url}api/"

    def set_request_url(self, url: str) -> None:
        """Set where slash commands, interactivity and events are POSTed (one Request URL)."""
        self.request_url = url

    def uses_socket_mode(self) -> bool:
        """True if the next delivery goes over Socket Mode."""
        return self.socket.connected if self.socket_mode is None else self.socket_mode

    # workspace setup

    def add_user(
        self,
        name: str,
        *,
        real_name: str | None = None,
        is_admin: bool = False,
        is_owner: bool = False,
        tz: str = "Europe/London",
    ) -> str:
        """Add a person; return their user id."""
        return self.ws.add_user(name, real_name=real_name, is_admin=is_admin, is_owner=is_owner, tz=tz)

    def add_channel(
        self,
        name: str,
        *,
        private: bool = False,
        members: list[str] = (),
        bot_member: bool = False,
        archived: bool = False,
    ) -> str:
        """Add a channel with these members (the bot only if ``bot_member``); return its id."""
        return self.ws.add_channel(
            name, private=private, members=members, bot_member=bot_member, archived=archived
        )

    def invite(self, channel: str, *users: str) -> None:
        """Add people (or the bot, by its user id or ``"bot"``) to a channel."""
        ch = self.ws.channels[self.ws.channel_id(channel)]
        for u in users:
            ch.members.add(self.ws.bot_user_id if u == "bot" else self.ws.user_id(u))

    def kick(self, channel: str, *users: str) -> None:
        """Remove people (or ``"bot"``) from a channel."""
        ch = self.ws.channels[self.ws.channel_id(channel)]
        for u in users:
            ch.members.discard(self.ws.bot_user_id if u == "bot" else self.ws.user_id(u))

    def archive(self, channel: str) -> None:
        """Archive a channel."""
        self.ws.channels[self.ws.channel_id(channel)].is_archived = True

    def set_scopes(self, *scopes: str) -> None:
        """Replace the bot token's scopes."""
        self.ws.scopes = set(scopes)

    def revoke_token(self) -> None:
        """Make every call with the bot token fail with ``token_revoked``."""
        self.token_revoked = True

    def post_as(self, user: str, channel: str, text: str, *, thread_ts: str | None = None) -> str:
        """Post a message as a person (no event is sent); return its ts."""
        ch = self.ws.channels[self.ws.channel_id(channel)]
        uid = self.ws.user_id(user)
        msg = Message(ts=self.ws.ids.ts(self.now()), channel=ch.id, user=uid, text=text, thread_ts=thread_ts)
        return self.ws.add_message(ch, msg).ts

    def issue_trigger(self, user: str) -> str:
        """Hand out a trigger_id as if the person had just interacted (for direct views.* tests)."""
        return self.ws.issue_trigger(self.ws.user_id(user), self.now())

    def issue_response_url(self, user: str, channel: str, *, message_ts: str | None = None) -> str:
        """Hand out a response_url as if the person had just interacted (for direct tests)."""
        return self.ws.issue_response_url(
            self.base_url,
            self.ws.user_id(user),
            self.ws.channel_id(channel),
            self.now(),
            source_ts=message_ts,
        )

    def inject_error(
        self,
        method: str,
        *,
        error: str = "internal_error",
        status: int | None = None,
        retry_after: int | None = None,
        times: int = 1,
    ) -> None:
        """Make the next ``times`` calls of a Web API method (or ``upload``/``response_url``) fail."""
        self.faults.add(method, error=error, status=status, retry_after=retry_after, times=times)

    # acting as a person

    async def slash_command(
        self, *, user: str, channel: str, text: str = "", command: str = "/ig"
    ) -> Delivery:
        """Run a slash command as a person; the Delivery holds the ack and what the person saw."""
        return await self.person.slash_command(user=user, channel=channel, text=text, command=command)

    async def click(
        self,
        *,
        user: str,
        action_id: str,
        channel: str | None = None,
        message_ts: str | None = None,
        view_id: str | None = None,
        block_id: str | None = None,
        value=None,
        values: dict | None = None,
    ) -> Delivery:
        """Click a button (or pick ``value`` in an overflow/select) in a message, or in the open view."""
        return await self.person.click(
            user=user,
            action_id=action_id,
            channel=channel,
            message_ts=message_ts,
            view_id=view_id,
            block_id=block_id,
            value=value,
            values=values,
        )

    async def suggest(self, *, user: str, action_id: str, value: str = "", **where) -> Delivery:
        """Type into an external select (``block_suggestion``); ``Delivery.options`` is the answer."""
        return await self.person.suggest(user=user, action_id=action_id, value=value, **where)

    async def submit_view(
        self, *, user: str, view_id: str | None = None, values: dict | None = None
    ) -> Delivery:
        """Fill in ``{block_id: {action_id: value}}`` and submit the person's open modal."""
        return await self.person.submit_view(user=user, view_id=view_id, values=values)

    async def close_view(self, *, user: str, view_id: str | None = None) -> Delivery | None:
        """Cancel the person's open modal (``view_closed`` is sent if the view asked for it)."""
        return await self.person.close_view(user=user, view_id=view_id)

    async def app_home_opened(self, *, user: str, tab: str = "home") -> Delivery:
        """Open the app's Home tab as a person."""
        return await self.person.app_home_opened(user=user, tab=tab)

    async def send_event(self, event: dict) -> Delivery:
        """Send any Events API event in Slack's envelope."""
        return await self.person.event(event)

    async def verify_url(self, challenge: str = "sandbox-challenge") -> bool:
        """Check the Request URL as Slack does (``url_verification``)."""
        return await self.person.verify_url(challenge)

    # reading what happened

    def settle(self) -> None:
        """Bring time-based state up to date (file shares whose processing has finished)."""
        files.settle(self)

    def file_check(self, ref: dict) -> str | None:
        """Return why an image cannot show this ``slack_file`` now, or None."""
        return files.check_slack_file(self, ref)

    def add_ephemeral(self, **fields) -> Ephemeral:
        """Record an ephemeral message shown to one person."""
        eph = Ephemeral(**fields)
        self.ws.ephemerals.append(eph)
        return eph

    def messages(self, channel: str, *, include_metadata: bool = True) -> list[dict]:
        """Top-level messages of a channel, oldest first, as Slack shows them (with thread counts)."""
        self.settle()
        ch = self.ws.channels[self.ws.channel_id(channel)]
        return [m.to_api(include_metadata=include_metadata, channel=ch) for m in ch.top_level()]

    def thread(self, channel: str, ts: str) -> list[dict]:
        """A thread: the parent then its replies, oldest first."""
        self.settle()
        ch = self.ws.channels[self.ws.channel_id(channel)]
        parent = ch.message(ts)
        if parent is None:
            return []
        return [
            m.to_api(include_metadata=True, channel=ch)
            for m in [parent] + [ch.message(r) for r in parent.replies]
            if m is not None
        ]

    def message(self, channel: str, ts: str) -> dict | None:
        """One message (top level or reply), or None."""
        ch = self.ws.channels[self.ws.channel_id(channel)]
        m = ch.message(ts)
        return None if m is None else m.to_api(include_metadata=True, channel=ch)

    def ephemerals(self, *, user: str | None = None, channel: str | None = None) -> list[dict]:
        """Ephemeral messages shown, optionally only to one person or in one channel."""
        uid = self.ws.user_id(user) if user else None
        cid = self.ws.channel_id(channel) if channel else None
        return [
            e.to_dict()
            for e in self.ws.ephemerals
            if (uid is None or e.user == uid) and (cid is None or e.channel == cid)
        ]

    def views_of(self, user: str) -> list[dict]:
        """The person's modal stack, bottom first; each view has ``errors`` if the app set some."""
        out = []
        for v in self.ws.stack(self.ws.user_id(user)):
            d = self.person.view_api(v)
            d["errors"] = v.errors
            out.append(d)
        return out

    def home_of(self, user: str) -> dict | None:
        """The person's published Home tab, or None."""
        vid = self.ws.homes.get(self.ws.user_id(user))
        return None if vid is None else self.person.view_api(self.ws.views[vid])

    def upload_file(self, *, user: str, name: str, data: bytes) -> dict:
        """A person uploads a file (as into a modal's file_input); return Slack's file object for ``values``."""
        return files.add_user_file(self, self.person.user(user)["id"], name, data)

    def file(self, file_id: str) -> dict | None:
        """A file's state: name, size, bytes, completed, processed, shares."""
        f = self.ws.files.get(file_id)
        if f is None:
            return None
        return {
            "id": f.id,
            "name": f.name,
            "title": f.title,
            "size": len(f.data or b""),
            "data": f.data,
            "completed": f.completed,
            "processed": f.is_processed(self.now()),
            "shares": f.shares,
        }

    def calls_of(self, method: str) -> list[Call]:
        """The recorded calls of one method (``upload`` and ``response_url`` included)."""
        return [c for c in self.calls if c.method == method]

    async def wait_for(self, predicate: Callable, timeout: float = 15.0, interval: float = 0.01):
        """Poll until ``predicate()`` (sync or async) is truthy and return its value; TimeoutError if not."""

        async def poll():
            while True:
                value = predicate()
                if inspect.isawaitable(value):
                    value = await value
                if value:
                    return value
                await asyncio.sleep(interval)

        try:
            return await asyncio.wait_for(poll(), timeout)
        except TimeoutError:
            raise TimeoutError(
                f"condition not met within {timeout}s; last calls: {[c.method for c in self.calls[-10:]]}"
            ) from None
