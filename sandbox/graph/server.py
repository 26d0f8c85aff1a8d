"""GraphEmulator: one listener per Meta host, the request pipeline, and the control API for tests."""

from __future__ import annotations

import asyncio
import json
import logging
import random
import re
import string
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from typing import Any

from aiohttp import web

from . import control
from .auth import SCOPES, authenticate, can_see, header_token, owner_account, require_scope
from .call import Call
from .calllog import CallLog, CallRecord, redact
from .clock import Clock, system_clock
from .endpoints import GENERIC_PARAMS, Endpoint, for_host
from .errors import (
    GraphError,
    missing_param,
    nonexisting_field,
    transient,
    unknown_param,
    unknown_path,
    unsupported_request,
)
from .faults import Faults, InjectedError
from .fixtures import MediaFetcher, MediaFixture
from .hosts import (
    API_INSTAGRAM,
    FLAVOR_OF_HOST,
    GRAPH_FACEBOOK,
    GRAPH_INSTAGRAM,
    WWW_FACEBOOK,
    WWW_INSTAGRAM,
)
from .publishing import container_error, container_status, rupload
from .ratelimit import RateLimiter
from .state import (
    DAY,
    FACEBOOK,
    INSTAGRAM,
    Account,
    Comment,
    Container,
    FacebookUser,
    Media,
    Page,
    State,
    Token,
)
from .versions import LATEST, is_known, is_version, version_violation
from .webhooks import Delivery, WebhookDispatcher

log = logging.getLogger(__name__)

LONG_LIVED = 60 * DAY
RUPLOAD_FACEBOOK = "rupload.facebook.com"
IG_HOST_KINDS = frozenset({"ig-user-id", "ig-media-id", "ig-comment-id", "ig-container-id"})
NODE_NAMES = {
    "ig-user-id": "IGUser",
    "ig-media-id": "IGMedia",
    "ig-comment-id": "IGComment",
    "ig-container-id": "ShadowIGMediaBuilder",
    "page-id": "Page",
    "user-id": "User",
    "app-id": "Application",
}


@dataclass
class Urls:
    """Base URLs (``http://127.0.0.1:PORT``) of every emulated host, known after ``start()``."""

    graph_facebook: str = ""
    graph_instagram: str = ""
    api_instagram: str = ""
    www_facebook: str = ""
    www_instagram: str = ""
    rupload_facebook: str = ""

    def of(self, host: str) -> str:
        """Return the base URL serving a Meta host name."""
        return getattr(self, host.split(".com")[0].replace(".", "_"))


@dataclass
class App:
    """The Meta app itself, as a node (``/{app-id}``)."""

    id: str


class GraphEmulator:
    """A faithful offline stand-in for Meta's Instagram Graph API (see the package docstring)."""

    def __init__(
        self,
        *,
        app_id: str = "1234",
        app_secret: str = "s3cret",
        instagram_app_id: str = "5678",
        instagram_app_secret: str = "igs3cret",
        clock: Clock | None = None,
        seed: int = 0,
        app_name: str = "igbot sandbox",
        video_processing_seconds: float = 30.0,
        image_processing_seconds: float = 0.0,
        usage_headers_after: int = 3,
        buc_key: str = "ig_user_id",
        require_appsecret_proof: bool = False,
        instagram_hidden_media_fields: tuple[str, ...] = (),
        ig_code_exchange_shape: str = "data",
        instagram_webhooks_secret: str = "app",
        webhook_own_comments: bool = True,
        fb_comment_id_key: str = "id",
        host: str = "127.0.0.1",
    ) -> None:
        self.app_id, self.app_secret = app_id, app_secret
        self.instagram_app_id, self.instagram_app_secret = instagram_app_id, instagram_app_secret
        self.app_name = app_name
        self.clock: Clock = clock or system_clock
        self.rng = random.Random(seed)
        self.video_processing_seconds = video_processing_seconds
        self.image_processing_seconds = image_processing_seconds
        self.internal_errors: list[str] = []
        self.require_appsecret_proof = require_appsecret_proof
        self.instagram_hidden_media_fields = tuple(instagram_hidden_media_fields)
        self.ig_code_exchange_shape = ig_code_exchange_shape
        self.instagram_webhooks_secret = instagram_webhooks_secret
        self.webhook_own_comments = webhook_own_comments
        self.fb_comment_id_key = fb_comment_id_key
        self.default_version = LATEST
        self.dialog_outcome = "approve"
        self.dialog_fb_user_id: str | None = None
        self.dialog_ig_user_id: str | None = None
        self.state = State()
        self.log = CallLog()
        self.faults = Faults(seed=seed)
        self.limiter = RateLimiter(headers_after=usage_headers_after, buc_key=buc_key)
        self.fetcher = MediaFetcher()
        self.webhooks = WebhookDispatcher(self)
        self.urls = Urls()
        self._host = host
        self._runners: list[web.AppRunner] = []
        self._tables = {
            h: for_host(h)
            for h in (GRAPH_FACEBOOK, GRAPH_INSTAGRAM, API_INSTAGRAM, WWW_FACEBOOK, WWW_INSTAGRAM)
        }

    # -- lifecycle ---------------------------------------------------------------------------------

    async def start(self) -> GraphEmulator:
        """Start every listener on loopback (random ports) and the webhook sender."""
        for host in (
            GRAPH_FACEBOOK,
            GRAPH_INSTAGRAM,
            API_INSTAGRAM,
            WWW_FACEBOOK,
            WWW_INSTAGRAM,
            RUPLOAD_FACEBOOK,
        ):
            app = web.Application(client_max_size=64 * 1024 * 1024)
            if host == GRAPH_FACEBOOK:
                control.register(app, self)
            if host == RUPLOAD_FACEBOOK:
                app.router.add_post("/ig-api-upload/{version}/{container_id}", self._on_rupload)
            else:
                app.router.add_route("*", "/{tail:.*}", partial(self._on_request, host))
            runner = web.AppRunner(app, access_log=None)
            await runner.setup()
            site = web.TCPSite(runner, self._host, 0)
            await site.start()
            port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
            self._runners.append(runner)
            setattr(self.urls, host.split(".com")[0].replace(".", "_"), f"http://{self._host}:{port}")
        await self.webhooks.start()
        return self

    async def stop(self) -> None:
        """Stop the webhook sender and every listener."""
        await self.webhooks.stop()
        for runner in reversed(self._runners):
            await runner.cleanup()
        self._runners.clear()

    async def __aenter__(self) -> GraphEmulator:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # -- small helpers used by handlers ------------------------------------------------------------

    def now(self) -> float:
        """Return the emulator's current time (epoch seconds)."""
        return float(self.clock())

    def flavor_of(self, host: str) -> str:
        """Return the login flavor a Graph host serves."""
        return FLAVOR_OF_HOST.get(host, FACEBOOK)

    def trace_id(self) -> str:
        """Return a fresh fbtrace_id."""
        return "".join(self.rng.choices(string.ascii_letters + string.digits + "-_", k=11))

    def shortcode(self) -> str:
        """Return a fresh media shortcode."""
        return "".join(self.rng.choices(string.ascii_letters + string.digits + "_-", k=11))

    def container_status(self, ct: Container) -> str:
        """Return a container's ``status_code`` now."""
        return container_status(self, ct)

    def container_error(self, ct: Container) -> tuple[int, int] | None:
        """Return a failed container's (code, subcode)."""
        return container_error(self, ct)

    def issue_token(
        self,
        flavor: str,
        kind: str,
        subject: str,
        ttl: float | None,
        scopes: tuple[str, ...],
        *,
        long_lived: bool = False,
        value: str | None = None,
    ) -> Token:
        """Create and store a token."""
        prefix = "EAA" if flavor == FACEBOOK else "IGAA"
        value = value or prefix + "".join(self.rng.choices(string.ascii_letters + string.digits, k=40))
        now = self.now()
        tok = Token(
            value,
            flavor,
            kind,
            subject,
            now,
            None if ttl is None else now + ttl,
            tuple(scopes),
            long_lived=long_lived,
            data_access_expires_at=now + 90 * DAY,
        )
        self.state.tokens[value] = tok
        return tok

    def new_code(self, flavor: str, redirect_uri: str, subject: str, scopes: list[str]) -> str:
        """Create a single-use OAuth code."""
        code = "AQ" + "".join(self.rng.choices(string.ascii_letters + string.digits, k=30))
        self.state.oauth_codes[code] = {
            "flavor": flavor,
            "redirect_uri": redirect_uri,
            "subject": subject,
            "scopes": scopes,
            "created_at": self.now(),
            "used": False,
        }
        return code

    # -- request pipeline --------------------------------------------------------------------------

    async def _read_params(self, request: web.Request) -> dict[str, Any]:
        params: dict[str, Any] = dict(request.query)
        if request.method in ("POST", "DELETE", "PUT") and request.can_read_body:
            if request.content_type == "application/json":
                try:
                    body = await request.json()
                except ValueError:
                    raise GraphError(100, "(#100) The request body is not valid JSON") from None
                if isinstance(body, dict):
                    params.update(body)
            elif request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
                form = await request.post()
                params.update({k: v for k, v in form.items() if isinstance(v, str)})
        return params

    async def _on_request(self, host: str, request: web.Request) -> web.StreamResponse:
        segs = [s for s in request.path.split("/") if s]
        version = segs.pop(0) if segs and is_version(segs[0]) else None
        try:
            params = await self._read_params(request)
        except GraphError as err:
            return web.json_response(err.body(self.trace_id()), status=err.http_status)
        call = Call(
            host,
            request.method,
            "/" + "/".join(segs),
            version,
            params,
            self.urls.of(host),
            header_token=header_token(request.headers.get("Authorization")),
        )
        if self.faults.latency:
            await asyncio.sleep(self.faults.latency)
        status, body, headers = await self.execute(call)
        if isinstance(body, web.StreamResponse):
            return body
        return web.json_response(body, status=status, headers=headers)

    async def _on_rupload(self, request: web.Request) -> web.StreamResponse:
        token = header_token(request.headers.get("Authorization"))
        status, body = await rupload(
            self,
            request.match_info["container_id"],
            token,
            {k.lower(): v for k, v in request.headers.items()},
            await request.read(),
        )
        return web.json_response(body, status=status)

    async def execute(self, call: Call) -> tuple[int, Any, dict[str, str]]:
        """Run one call (HTTP request or batch sub-request) and log it; return status, body, headers."""
        rec = self.log.add(
            CallRecord(
                len(self.log.records) + 1,
                self.now(),
                call.host,
                call.method,
                call.path,
                None,
                call.version,
                redact(call.params),
                is_batch_sub=call.is_batch_sub,
            )
        )
        headers: dict[str, str] = {}
        trace = self.trace_id()
        try:
            ep = self._route(call)
            rec.template = ep.path
            rec.is_batch = ep.auth == "batch"
            if ep.versioned and call.host in FLAVOR_OF_HOST:
                if call.version and not is_known(call.version):
                    raise unknown_path(f"/{call.version}{call.path}")
                problem = version_violation(call.version, self.now())
                if problem:
                    call.violations.append(problem)
            self._check_params(call, ep)
            if call.account is not None:
                self.limiter.count(call.account, self.now())
                self.limiter.check(call.account, self.now())
            injected = self.faults.take(call.host, call.method, call.path, ep.path, after_effect=False)
            if injected is None and not rec.is_batch and call.host in FLAVOR_OF_HOST:
                injected = self.faults.maybe_transient()
            if injected:
                raise injected
            result = await ep.handler(self, call)
            after = self.faults.take(call.host, call.method, call.path, ep.path, after_effect=True)
            if after:
                raise after
            status = result.status if isinstance(result, web.StreamResponse) else 200
        except GraphError as err:
            status, result = err.http_status, err.body(trace)
            headers.update(err.headers)
            rec.error_code, rec.error_subcode = err.code, err.subcode
        except Exception as exc:  # an emulator bug: answer like Meta's code 1, but keep it visible
            log.exception("graph emulator failed on %s %s", call.method, call.path)
            self.internal_errors.append(f"{call.method} {call.host}{call.path}: {exc!r}")
            status, result = 500, transient(1).body(trace)
            rec.error_code = 1
        if call.account is not None:
            headers.update(self.limiter.headers(call.account, self.now()))
        if call.host in FLAVOR_OF_HOST:
            headers.update(
                {"x-fb-trace-id": trace, "facebook-api-version": call.version or self.default_version}
            )
        rec.status = status
        rec.account_id = call.account.ig_user_id if call.account else None
        rec.token_kind = call.token.kind if call.token else None
        rec.violations = call.violations
        return status, result, headers

    def _route(self, call: Call) -> Endpoint:
        table = self._tables[call.host]
        segs = [s for s in call.path.split("/") if s]
        literal = [e for e in table if e.kind is None and e.segments == segs]
        if literal:
            ep = next((e for e in literal if e.method == call.method), None)
            if ep is None:
                raise unsupported_request(call.method, call.path)
            call.endpoint = ep
            if ep.auth == "app":
                authenticate(self, call, allow_app=True)
            return ep
        if call.host not in FLAVOR_OF_HOST:
            raise GraphError(2500, f"Unknown path components: {call.path}", http_status=404)
        if not segs:
            raise unsupported_request(call.method, "")
        if len(segs) > 2:
            raise unknown_path("/" + "/".join(segs[2:]))
        obj_id, edge = segs[0], (segs[1] if len(segs) == 2 else None)
        tok = authenticate(self, call, allow_app=True)
        kind, obj = self._resolve(call, obj_id, tok)
        if obj is None or (call.host == GRAPH_INSTAGRAM and kind not in IG_HOST_KINDS):
            raise unsupported_request(call.method, obj_id)
        candidates = [e for e in table if e.kind == kind and e.edge == edge]
        if not candidates:
            if edge:
                raise nonexisting_field(edge, NODE_NAMES.get(kind or "", "Node"))
            raise unsupported_request(call.method, obj_id)
        ep = next((e for e in candidates if e.method == call.method), None)
        if ep is None:
            raise unsupported_request(call.method, obj_id)
        call.endpoint = ep
        if ep.auth == "app":
            if tok.kind != "APP":
                raise GraphError(15, "(#15) This method must be called with an app access_token.")
        elif tok.kind == "APP" or not can_see(self, tok, obj):
            raise unsupported_request(call.method, obj_id)
        call.target, call.target_id = obj, obj_id
        call.account = owner_account(self, obj)
        require_scope(call, ep.scope)
        return ep

    def _resolve(self, call: Call, obj_id: str, tok: Token) -> tuple[str | None, Any]:
        st = self.state
        if obj_id == "me":
            if tok.kind == "APP":
                raise GraphError(
                    2500, "An active access token must be used to query information about the current user."
                )
            if tok.flavor == INSTAGRAM:
                return "ig-user-id", st.accounts.get(tok.subject)
            if tok.kind == "PAGE":
                return "page-id", st.pages.get(tok.subject)
            return "user-id", st.fb_users.get(tok.subject)
        if obj_id == self.app_id and call.host == GRAPH_FACEBOOK:
            return "app-id", App(self.app_id)
        kind = st.kind_of(obj_id)
        table = {
            "ig-user-id": st.accounts,
            "ig-media-id": st.media,
            "ig-comment-id": st.comments,
            "ig-container-id": st.containers,
            "page-id": st.pages,
            "user-id": st.fb_users,
        }.get(kind or "")
        obj = table.get(obj_id) if table is not None else None
        if obj is None or getattr(obj, "deleted", False) or getattr(obj, "is_external", False):
            return kind, None
        return kind, obj

    def _check_params(self, call: Call, ep: Endpoint) -> None:
        allowed = GENERIC_PARAMS | set(ep.params)
        for name in call.params:
            if name not in allowed:
                raise unknown_param(name)
        for name in ep.required:
            if call.params.get(name) in (None, ""):
                raise missing_param(name)

    # -- seeding: accounts, media, comments, mentions ----------------------------------------------

    def add_facebook_user(self, name: str = "Sandbox Admin", *, token: str | None = None) -> FacebookUser:
        """Create a Facebook person with a long-lived User token (``EAASBXUSER<id>`` unless given)."""
        user = FacebookUser(self.state.ids.next("fb_user"), name)
        self.state.fb_users[user.id] = user
        scopes = tuple(fb for fb, _ in SCOPES.values() if fb) + (
            "pages_read_engagement",
            "pages_manage_metadata",
        )
        self.issue_token(
            FACEBOOK,
            "USER",
            user.id,
            LONG_LIVED,
            scopes,
            long_lived=True,
            value=token or f"EAASBXUSER{user.id}",
        )
        if self.dialog_fb_user_id is None:
            self.dialog_fb_user_id = user.id
        return user

    def user_token(self, user: FacebookUser) -> str:
        """Return the first valid User token of a Facebook person."""
        return next(
            t.value
            for t in self.state.tokens.values()
            if t.kind == "USER" and t.subject == user.id and t.flavor == FACEBOOK
        )

    def add_account(
        self,
        username: str,
        *,
        login: str = FACEBOOK,
        followers_count: int = 1200,
        follows_count: int = 150,
        name: str | None = None,
        biography: str = "",
        website: str = "",
        account_type: str = "BUSINESS",
        token: str | None = None,
        fb_user: FacebookUser | None = None,
        page_name: str | None = None,
        call_budget: int = 4800,
        quota_total: int = 50,
        insights: dict[str, Any] | None = None,
        webhooks_subscribed: bool = True,
        scopes: tuple[str, ...] | None = None,
    ) -> Account:
        """Create an Instagram professional account (Facebook or Instagram Login) and its tokens.

        Facebook Login: a Page (token ``EAASBXPAGE<page-id>``, never expires) linked to the account, owned
        by ``fb_user`` (default: one shared "Sandbox Admin" whose User token is ``EAASBXUSER<user-id>``).
        Instagram Login: an Instagram User token ``IGAASBX<ig-user-id>`` (long-lived) and an app-scoped id.
        ``Account.token`` is the token the bot should use.
        """
        if login not in (FACEBOOK, INSTAGRAM):
            raise ValueError("login must be 'facebook' or 'instagram'")
        st = self.state
        acct = Account(
            st.ids.next("ig_user"),
            username,
            login,
            "",
            name=name or username.replace("_", " ").title(),
            biography=biography,
            website=website,
            followers_count=followers_count,
            follows_count=follows_count,
            account_type=account_type,
            call_budget=call_budget,
            quota_total=quota_total,
            insights=dict(insights or {}),
            profile_picture_url=f"https://scontent.cdninstagram.example/p/{username}.jpg",
        )
        if login == FACEBOOK:
            if fb_user is None:
                fb_user = next(iter(st.fb_users.values()), None) or self.add_facebook_user()
            page = Page(
                st.ids.next("page"), page_name or f"{acct.name} Page", fb_user.id, "", acct.ig_user_id
            )
            page.access_token = self.issue_token(
                FACEBOOK,
                "PAGE",
                page.id,
                None,
                tuple(st.tokens[self.user_token(fb_user)].scopes),
                long_lived=True,
                value=f"EAASBXPAGE{page.id}",
            ).value
            if webhooks_subscribed:
                page.subscribed_apps[self.app_id] = ["feed"]
            st.pages[page.id] = page
            fb_user.page_ids.append(page.id)
            acct.page_id, acct.page_token, acct.fb_user_id = page.id, page.access_token, fb_user.id
            if token:
                all_scopes = scopes or st.tokens[self.user_token(fb_user)].scopes
                self.issue_token(
                    FACEBOOK, "USER", fb_user.id, LONG_LIVED, all_scopes, long_lived=True, value=token
                )
            acct.token = token or self.user_token(fb_user)
        else:
            acct.app_scoped_id = st.ids.next("scoped")
            ig_scopes = scopes or tuple(ig for _, ig in SCOPES.values() if ig)
            acct.token = self.issue_token(
                INSTAGRAM,
                "USER",
                acct.ig_user_id,
                LONG_LIVED,
                ig_scopes,
                long_lived=True,
                value=token or f"IGAASBX{acct.ig_user_id}",
            ).value
            if webhooks_subscribed:
                acct.subscribed_fields = ["comments"]
            self.dialog_ig_user_id = acct.ig_user_id
        st.accounts[acct.ig_user_id] = acct
        return acct

    def _account(self, acct: Account | str) -> Account:
        return acct if isinstance(acct, Account) else self.state.accounts[acct]

    def add_media(
        self,
        acct: Account | str,
        *,
        media_type: str = "IMAGE",
        caption: str = "",
        timestamp: float | None = None,
        like_count: int = 0,
        insights: dict[str, Any] | None = None,
        media_product_type: str | None = None,
        children: int = 2,
        shared_to_facebook: bool = False,
        insights_unavailable: bool = False,
        copyrighted: bool = False,
        comments_enabled: bool = True,
        alt_text: str | None = None,
    ) -> Media:
        """Add a published media: IMAGE, VIDEO or CAROUSEL_ALBUM (``media_product_type="STORY"``: a story)."""
        acct = self._account(acct)
        st = self.state
        product = media_product_type or ("REELS" if media_type == "VIDEO" else "FEED")
        mid = st.ids.next("media")
        ext = "mp4" if media_type == "VIDEO" else "jpg"
        media = Media(
            mid,
            acct.ig_user_id,
            media_type,
            product,
            self.now() if timestamp is None else timestamp,
            self.shortcode(),
            caption=caption,
            media_url=""
            if media_type == "CAROUSEL_ALBUM"
            else f"https://scontent.cdninstagram.example/v/{mid}.{ext}",
            thumbnail_url=f"https://scontent.cdninstagram.example/v/{mid}_thumb.jpg"
            if media_type == "VIDEO"
            else None,
            like_count=like_count,
            insights=dict(insights or {}),
            shared_to_facebook=shared_to_facebook,
            insights_unavailable=insights_unavailable,
            copyrighted=copyrighted,
            is_comment_enabled=comments_enabled,
            alt_text=alt_text,
            is_shared_to_feed=True if product == "REELS" else None,
        )
        st.media[mid] = media
        if media_type == "CAROUSEL_ALBUM":
            for _ in range(children):
                kid = Media(
                    st.ids.next("media"),
                    acct.ig_user_id,
                    "IMAGE",
                    "FEED",
                    media.timestamp,
                    self.shortcode(),
                    parent_id=mid,
                )
                kid.media_url = f"https://scontent.cdninstagram.example/v/{kid.id}.jpg"
                st.media[kid.id] = kid
                media.children.append(kid.id)
        return media

    def _igsid(self, username: str) -> str:
        return self.state.igsids.setdefault(username, self.state.ids.next("igsid"))

    def _comment_value(self, acct: Account, c: Comment, media: Media) -> dict[str, Any]:
        key = self.fb_comment_id_key if acct.login == FACEBOOK else "id"
        value: dict[str, Any] = {
            "from": {"id": c.from_id, "username": c.username},
            "media": {"id": media.id, "media_product_type": media.media_product_type},
            key: c.id,
            "text": c.text,
        }
        if c.parent_id:
            value["parent_id"] = c.parent_id
        return value

    def new_comment(
        self,
        media_id: str,
        text: str,
        username: str,
        *,
        parent_id: str | None = None,
        by_owner: bool = False,
        deliver: bool = True,
        timestamp: float | None = None,
        like_count: int = 0,
        mentions: Account | None = None,
    ) -> Comment:
        """Store a comment and, when ``deliver``, send the ``comments`` webhook to the media's owner."""
        st = self.state
        media = st.media[media_id]
        c = Comment(
            st.ids.next("comment"),
            media_id,
            text,
            username,
            self._igsid(username),
            self.now() if timestamp is None else timestamp,
            parent_id=parent_id,
            by_owner=by_owner,
            like_count=like_count,
            mentioned_ig_user_id=mentions.ig_user_id if mentions else None,
        )
        st.comments[c.id] = c
        owner = st.accounts.get(media.owner_id)
        if deliver and owner and not owner.is_external and (not by_owner or self.webhook_own_comments):
            self.webhooks.emit(owner, "comments", self._comment_value(owner, c, media))
        return c

    def add_comment(
        self,
        media: Media | str,
        text: str,
        *,
        username: str = "happy_customer",
        parent_id: str | None = None,
        deliver: bool = True,
        timestamp: float | None = None,
        like_count: int = 0,
    ) -> Comment:
        """Add a follower's comment (or reply, with ``parent_id``) and deliver its webhook."""
        media_id = media.id if isinstance(media, Media) else media
        if parent_id and self.state.comments[parent_id].parent_id:
            raise ValueError("replies attach to top-level comments only")
        return self.new_comment(
            media_id,
            text,
            username,
            parent_id=parent_id,
            deliver=deliver,
            timestamp=timestamp,
            like_count=like_count,
        )

    def _external(self, username: str) -> Account:
        existing = self.state.account_by_username(username)
        if existing:
            return existing
        acct = Account(self.state.ids.next("ig_user"), username, "external", "", is_external=True)
        self.state.accounts[acct.ig_user_id] = acct
        return acct

    def add_mention(
        self,
        acct: Account | str,
        *,
        username: str = "brand_fan",
        text: str | None = None,
        in_caption: bool = False,
        media: Media | None = None,
        deliver: bool = True,
    ) -> Comment | Media:
        """Mention ``acct`` on someone else's media, in a comment (default) or in the caption.

        Facebook Login gets a ``mentions`` webhook (``comment_id`` + ``media_id``, or ``media_id`` alone);
        Instagram Login gets the comment inside a ``comments`` webhook (caption mentions send nothing).
        Returns the mentioning comment, or the media for a caption mention.
        """
        acct = self._account(acct)
        author = self._external(username)
        handle = f"@{acct.username}"
        if media is None:
            caption = (text or f"Loving my new things from {handle}!") if in_caption else "Weekend vibes"
            media = self.add_media(author, caption=caption, like_count=12)
        if in_caption:
            if deliver and acct.login == FACEBOOK:
                self.webhooks.emit(acct, "mentions", {"media_id": media.id})
            return media
        c = self.new_comment(
            media.id, text or f"{handle} you have to see this!", username, deliver=False, mentions=acct
        )
        if deliver:
            if acct.login == FACEBOOK:
                self.webhooks.emit(acct, "mentions", {"comment_id": c.id, "media_id": media.id})
            else:
                self.webhooks.emit(acct, "comments", self._comment_value(acct, c, media))
        return c

    # -- webhooks ----------------------------------------------------------------------------------

    def set_webhook_callback(
        self,
        url: str,
        *,
        fields: tuple[str, ...] = ("comments", "mentions", "live_comments", "story_insights"),
        verify_token: str = "",
    ) -> None:
        """Subscribe the app's ``instagram`` object to a callback URL directly (no verification GET)."""
        from .state import AppSubscription

        self.state.subscriptions["instagram"] = AppSubscription("instagram", url, list(fields), verify_token)

    @contextmanager
    def webhook_batch(self) -> Iterator[None]:
        """Send every event emitted inside the block as one POST (several entries and changes)."""
        with self.webhooks.batched():
            yield

    async def flush_webhooks(self, timeout: float = 5.0) -> None:
        """Deliver every webhook that is due now and wait for the attempts to finish."""
        await self.webhooks.flush(timeout)

    @property
    def deliveries(self) -> list[Delivery]:
        """Return every webhook POST (with attempts) so far."""
        return self.webhooks.deliveries

    # -- media fixtures, faults --------------------------------------------------------------------

    def add_media_fixture(
        self,
        url: str,
        *,
        content_type: str = "image/jpeg",
        size: int = 300_000,
        width: int | None = 1080,
        height: int | None = 1080,
        duration: float | None = None,
        fail_code: tuple[int, int] | None = None,
        processing_error: int | None = None,
        processing_seconds: float | None = None,
    ) -> MediaFixture:
        """Make a URL "downloadable" by Meta (or fail with ``fail_code`` = (code, subcode))."""
        return self.fetcher.add(
            MediaFixture(
                url,
                content_type,
                size,
                width,
                height,
                duration,
                fail_code,
                processing_error,
                processing_seconds,
            )
        )

    def inject_error(
        self,
        *,
        code: int,
        subcode: int | None = None,
        message: str | None = None,
        http_status: int = 400,
        method: str | None = None,
        path: str | re.Pattern[str] | None = None,
        host: str | None = None,
        times: int | None = 1,
        after_effect: bool = False,
        is_transient: bool | None = None,
    ) -> InjectedError:
        """Answer an error for the next ``times`` matching calls (``after_effect``: after doing the work)."""
        inj = InjectedError(
            code, subcode, message, http_status, times, method, path, host, after_effect, is_transient
        )
        self.faults.injected.append(inj)
        return inj

    def set_latency(self, seconds: float) -> None:
        """Delay every HTTP request by this many (real) seconds."""
        self.faults.latency = seconds

    def set_transient_error_rate(self, rate: float) -> None:
        """Answer code 1/2 transient errors for this fraction of Graph calls (seeded)."""
        self.faults.transient_rate = rate

    # -- tokens and throttling ---------------------------------------------------------------------

    def _tokens_of(self, what: Account | str) -> list[Token]:
        if isinstance(what, str):
            return [self.state.tokens[what]]
        subjects = {what.ig_user_id, what.fb_user_id, what.page_id} - {None}
        return [t for t in self.state.tokens.values() if t.subject in subjects and t.kind != "APP"]

    def revoke_token(self, what: Account | str) -> None:
        """Invalidate a token (or every token of an account) as if the app were deauthorized (190/458)."""
        for tok in self._tokens_of(what):
            tok.revoked = (
                458,
                f"Error validating access token: The user has not authorized application {self.app_id}.",
            )

    def expire_token(self, what: Account | str) -> None:
        """Make a token (or every token of an account) expire now (190/463)."""
        for tok in self._tokens_of(what):
            tok.expires_at = self.now()

    def change_password(self, acct: Account) -> None:
        """Invalidate every token of the account's person (190/460)."""
        for tok in self._tokens_of(acct):
            tok.revoked = (
                460,
                "Error validating access token: The session has been invalidated because the user "
                "changed their password or Facebook has changed the session for security reasons.",
            )

    def throttle(self, acct: Account, minutes: float = 60.0) -> None:
        """Make an account answer 80002 for the next ``minutes`` (on the emulator clock)."""
        acct.throttled_until = self.now() + minutes * 60

    def login_as(self, acct: Account) -> None:
        """Choose who approves the next login dialog (its Facebook person, or the IG account)."""
        if acct.login == FACEBOOK:
            self.dialog_fb_user_id = acct.fb_user_id
        else:
            self.dialog_ig_user_id = acct.ig_user_id

    # -- call log ----------------------------------------------------------------------------------

    @property
    def calls(self) -> list[CallRecord]:
        """Return every call record (HTTP requests and batch sub-requests)."""
        return self.log.records

    def find_calls(self, **filters: Any) -> list[CallRecord]:
        """Return call records matching filters (see ``CallLog.find``)."""
        return self.log.find(**filters)

    def count_calls(self, **filters: Any) -> int:
        """Count Graph calls the way Meta does: a batch counts as its sub-requests."""
        return self.log.count_calls(**filters)

    def count_http_requests(self, **filters: Any) -> int:
        """Count HTTP requests: a batch counts once."""
        return self.log.count_http_requests(**filters)

    @property
    def violations(self) -> list[str]:
        """Return protocol violations seen so far (unversioned or expired-version calls)."""
        return self.log.violations()

    def state_summary(self) -> dict[str, Any]:
        """Describe the accounts (ids and tokens) for humans and the control API."""
        return {
            "accounts": [
                {
                    "username": a.username,
                    "login": a.login,
                    "ig_user_id": a.ig_user_id,
                    "token": a.token,
                    "page_id": a.page_id,
                    "page_token": a.page_token,
                    "app_scoped_id": a.app_scoped_id,
                }
                for a in self.state.accounts.values()
                if not a.is_external
            ],
            "urls": vars(self.urls),
            "app_id": self.app_id,
            "instagram_app_id": self.instagram_app_id,
        }


def dumps(obj: Any) -> str:
    """Serialize for the control API."""
    return json.dumps(obj, default=str)
