"""GraphEmulator: one listener per Meta host and the request pipeline (route, auth, limits, faults, log)."""

from __future__ import annotations

import asyncio
import logging
import random
import string
from dataclasses import dataclass
from functools import partial
from typing import Any

from aiohttp import web

from . import http_controls
from .auth import authenticate, can_see, header_token, owner_account, require_scope
from .call import Call
from .calllog import CallLog, CallRecord, redact
from .clock import Clock, system_clock
from .controls import Controls
from .endpoints import Endpoint, for_host
from .errors import (
    GraphError,
    missing_param,
    nonexisting_field,
    transient,
    unknown_param,
    unknown_path,
    unsupported_request,
)
from .faults import Faults
from .fixtures import MediaFetcher
from .generic import GENERIC_PARAMS, http_method, legacy_uses, respond
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
from .seeding import Seeding
from .state import (
    DAY,
    FACEBOOK,
    INSTAGRAM,
    Container,
    State,
    Token,
)
from .versions import LATEST, is_known, is_version, version_violation
from .webhooks import WebhookDispatcher

log = logging.getLogger(__name__)

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


class GraphEmulator(Seeding, Controls):
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
        instagram_webhook_shape: str = "changes",
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
        self.instagram_webhook_shape = instagram_webhook_shape
        self.webhook_secret_override: str | None = None
        self.webhook_own_comments = webhook_own_comments
        self.fb_comment_id_key = fb_comment_id_key
        self.default_version = LATEST
        self.dialog_outcome = "approve"
        self.dialog_declined_scopes: set[str] = set()  # permissions the person unticks in the next dialogs
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
                http_controls.register(app, self)
            if host == RUPLOAD_FACEBOOK:
                app.router.add_post("/ig-api-upload/{version}/{container_id}", self._on_rupload)
            else:
                app.router.add_route("*", "/{tail:.*}", partial(self._on_request, host))
            runner = web.AppRunner(app, access_log=None)
            await runner.setup()
            site = web.TCPSite(runner, self._host, 0)
            await site.start()
            port = runner.addresses[-1][1]
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

    def app_users(self) -> int:
        """Return how many people use the app (its accounts), which sets the app's platform budget."""
        return sum(1 for account in self.state.accounts.values() if not account.is_external)

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
            method = http_method(request.method, params)
        except GraphError as err:
            return web.json_response(err.body(self.trace_id()), status=err.http_status)
        call = Call(
            host,
            method,
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
        return respond(params, status, body, headers, call.violations)

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
        metered = False
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
                call.violations.extend(legacy_uses(call.params))
            self._check_params(call, ep)
            metered = call.account is not None or (call.token is not None and call.token.kind == "APP")
            if metered:
                self.limiter.count(call.account, self.now())
                self.limiter.check(call.account, self.now(), users=self.app_users())
            await self._inject(call, ep, after_effect=False)
            if not rec.is_batch and call.host in FLAVOR_OF_HOST:
                err = self.faults.maybe_transient()
                if err:
                    raise err
            result = await ep.handler(self, call)
            await self._inject(call, ep, after_effect=True)
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
        if metered:
            headers.update(self.limiter.usage_headers(call.account, self.now(), users=self.app_users()))
        headers.update(call.response_headers)
        if call.host in FLAVOR_OF_HOST:
            headers.update(
                {"x-fb-trace-id": trace, "facebook-api-version": call.version or self.default_version}
            )
        rec.status = status
        rec.account_id = call.account.ig_user_id if call.account else None
        rec.token_kind = call.token.kind if call.token else None
        rec.violations = call.violations
        return status, result, headers

    async def _inject(self, call: Call, ep: Endpoint, *, after_effect: bool) -> None:
        inj = self.faults.take(call.host, call.method, call.path, ep.path, after_effect=after_effect)
        if inj is None:
            return
        if inj.hang:
            await asyncio.sleep(inj.hang)
        if inj.code:
            raise inj.error()

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
