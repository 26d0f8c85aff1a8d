"""GraphClient: every Graph API call goes through here (hosts, tokens, retries, throttle, errors)."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from yarl import URL

from . import errors as E
from .account import GraphAccount, Priority
from .batch import run_batch, run_many
from .call import Call, GraphSettings
from .counters import CallCounters, CallRecord
from .paging import follow
from .redact import redact_text
from .state import GraphStateStore
from .throttle import APP_KEY, Throttle, account_key, parse_usage, platform_limited

log = logging.getLogger("bot.graph")

class GraphClient:
    """Async client for the Graph API on both hosts (Facebook Login and Instagram Login accounts)."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        settings: GraphSettings,
        *,
        state: GraphStateStore,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
        rng: random.Random | None = None,
        counters: CallCounters | None = None,
    ) -> None:
        self.session = session
        self.settings = settings
        self.state = state
        self.clock = clock
        self.sleep = sleep
        self.rng = rng or random.Random()
        self.counters = counters or CallCounters()
        self.throttle = Throttle(
            state,
            clock=clock,
            threshold=settings.throttle_threshold,
            cooldown=settings.background_cooldown,
            rng=self.rng,
        )
        self._reconnect: dict[str, tuple[str, str | None]] = {}  # account id -> (token fingerprint, reason)

    # -- addresses -------------------------------------------------------------------------------

    def host(self, account: GraphAccount | None) -> str:
        """Return the Graph host for an account's login flavor (the Facebook host when there is none)."""
        if account is not None and account.login == "instagram":
            return self.settings.instagram_graph_url
        return self.settings.graph_url

    def url(self, path: str, *, host: str | None = None, versioned: bool = True) -> str:
        """Build an absolute URL; node and edge paths carry the API version."""
        path = path.lstrip("/")
        base = host or self.settings.graph_url
        return f"{base}/{self.settings.version}/{path}" if versioned else f"{base}/{path}"

    # -- the generic call ------------------------------------------------------------------------

    async def request(
        self,
        method: str,
        path: str,
        account: GraphAccount,
        *,
        params: Mapping[str, Any] | None = None,
        form: Mapping[str, Any] | None = None,
        priority: Priority = Priority.BACKGROUND,
        idempotent: bool | None = None,
        context: Mapping[str, Any] | None = None,
    ) -> Any:
        """Call a node or edge with the account's token; GETs (and idempotent writes) are retried."""
        method = method.upper()
        safe = method == "GET" if idempotent is None else idempotent
        call = Call(
            method=method,
            url=self.url(path, host=self.host(account)),
            params=dict(params or {}),
            form=dict(form) if form is not None else None,
            token=account.token,
            account=account,
            priority=priority,
            retry=safe,
            write=not safe,
            context=dict(context or {}),
        )
        return await self.send(call)

    async def get(self, path: str, account: GraphAccount, **kw: Any) -> Any:
        """GET a node or edge for an account."""
        return await self.request("GET", path, account, **kw)

    async def post(self, path: str, account: GraphAccount, **kw: Any) -> Any:
        """POST to a node or edge for an account."""
        return await self.request("POST", path, account, **kw)

    async def delete(self, path: str, account: GraphAccount, **kw: Any) -> Any:
        """DELETE a node for an account."""
        return await self.request("DELETE", path, account, **kw)

    def app_token(self) -> str:
        """Return the app access token (``{app-id}|{app-secret}``) or raise AppConfigError."""
        app_id, secret = self.settings.meta_app_id, self.settings.meta_app_secret
        if not (app_id and secret):
            raise E.AppConfigError(
                "META_APP_ID and META_APP_SECRET must be set for this call; set both and restart"
            )
        return f"{app_id}|{secret}"

    async def app_request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        token_in_query: bool = False,
        priority: Priority = Priority.PERSON,
        context: Mapping[str, Any] | None = None,
    ) -> Any:
        """Call the Facebook host with the app token (a 190 here is an app configuration problem); it counts
        against the app's platform limit, whose background pause holds back BACKGROUND calls."""
        method = method.upper()
        call = Call(
            method=method,
            url=self.url(path),
            params=dict(params or {}),
            token=self.app_token(),
            token_in_query=token_in_query,
            app_call=True,
            priority=priority,
            retry=method == "GET",
            context=dict(context or {}),
        )
        return await self.send(call)

    async def send(self, call: Call) -> Any:
        """Send a call, retrying transient failures of retryable calls with capped, fully jittered backoff."""
        attempt = 1
        while True:
            try:
                return await self._attempt(call, attempt)
            except E.TransientError as exc:
                if not call.retry or attempt >= self.settings.retry.attempts:
                    raise
                delay = self.settings.retry.delay(attempt, self.rng)
                self.counters.retries += 1
                log.debug(
                    "graph retry %s %s after %s (try %d of %d, waiting %.2fs)",
                    call.method,
                    urlsplit(call.url).path,
                    exc.codes or type(exc).__name__,
                    attempt,
                    self.settings.retry.attempts,
                    delay,
                )
                await self.sleep(delay)
                attempt += 1

    # -- one HTTP request ------------------------------------------------------------------------

    def _secrets(self, call: Call) -> list[str | None]:
        return [call.token, self.settings.meta_app_secret, self.settings.instagram_app_secret, *_form_secrets(call)]

    def _keys(self, call: Call) -> list[str]:
        """Return the budget a call counts against: its account's BUC, or the app's platform limit."""
        if call.account is None or call.app_call or platform_limited(urlsplit(call.url).path, call.params):
            return [APP_KEY]
        return [account_key(call.account.id)]

    async def _admit(self, call: Call) -> None:
        account = call.account
        if account is not None and not call.app_call:
            reason = await self._reconnect_reason(account)
            if reason is not None:
                self.counters.refused += 1
                raise E.AccountNeedsReconnect(
                    f"{account.label} needs to be reconnected ({reason}); its work is paused until someone "
                    "reconnects it with /ig connect"
                )
        try:
            label = account.label if account is not None else "this account"
            await self.throttle.admit(self._keys(call), call.priority, label=label)
        except E.Throttled:
            self.counters.refused += 1
            raise

    async def _reconnect_reason(self, account: GraphAccount) -> str | None:
        fingerprint = hashlib.sha256(account.token.encode()).hexdigest()
        cached = self._reconnect.get(account.id)
        if cached is None or cached[0] != fingerprint:
            cached = (fingerprint, await self.state.needs_reconnect(account.id))
            self._reconnect[account.id] = cached
        return cached[1]

    def forget(self, account_id: str) -> None:
        """Drop what the client caches about an account (call after reconnecting it)."""
        self._reconnect.pop(account_id, None)
        self.throttle.forget(account_key(account_id))

    def _prepare(self, call: Call) -> tuple[URL, dict[str, str]]:
        params = dict(call.params)
        headers: dict[str, str] = {}
        if call.token:
            if call.token_in_query:
                params["access_token"] = call.token
            else:
                headers["Authorization"] = f"Bearer {call.token}"
            secret = self.settings.meta_app_secret
            if secret and not call.app_call and call.url.startswith(self.settings.graph_url + "/"):
                params["appsecret_proof"] = appsecret_proof(call.token, secret)
        url = URL(call.url)
        if params:
            url = url.update_query({k: _param(v) for k, v in params.items()})
        return url, headers

    async def _attempt(self, call: Call, attempt: int) -> Any:
        await self._admit(call)
        url, headers = self._prepare(call)
        path = url.path
        form = {k: _param(v) for k, v in call.form.items()} if call.form is not None else None
        timeouts = self.settings.timeouts
        timeout = aiohttp.ClientTimeout(total=None, sock_connect=timeouts.connect, sock_read=timeouts.read)
        started = time.perf_counter()
        status: int | None = None
        text = ""
        resp_headers: Mapping[str, str] = {}
        failure: E.GraphError | None = None
        sent = True  # False only when the request surely never reached Meta
        ctx = {
            "path": path,
            "object": _node(path, self.settings.version),
            "account": call.account.label if call.account else None,
            **call.context,
        }
        try:
            async with self.session.request(
                call.method, url, headers=headers, data=form, timeout=timeout, allow_redirects=False
            ) as resp:
                status, resp_headers = resp.status, resp.headers
                text = await resp.text()
        except TimeoutError:
            failure = E.TransientError(
                E.render("Instagram did not answer {path} in time; try again in a moment", ctx), path=path
            )
        except aiohttp.ClientConnectorError:
            failure = E.TransientError(
                E.render("igbot could not connect to Instagram for {path}; try again in a moment", ctx),
                path=path,
            )
            sent = False
        except aiohttp.ClientError as exc:
            failure = E.TransientError(
                E.render(
                    f"The connection to Instagram broke during {{path}} ({type(exc).__name__}); try again",
                    ctx,
                ),
                path=path,
            )
        elapsed_ms = (time.perf_counter() - started) * 1000.0
        usage, regain = await self._observe(call, resp_headers)

        body: Any = None
        if failure is None:
            readable = True
            try:
                body = json.loads(text) if text else None
            except ValueError:
                readable = False
            ok = status is not None and status < 400
            if ok and readable and not _has_error(body):
                self._log(call, path, status, elapsed_ms, usage, attempt, None)
                for key in self._keys(call):
                    await self.throttle.succeeded(key)
                return body
            if ok and not readable:
                failure = E.TransientError(
                    E.render("Instagram sent an unreadable answer to {path}; try again", ctx)
                )
            else:
                failure = E.from_payload(body, status=status, context=ctx, method=call.method, path=path)
        failure.status, failure.method, failure.path = status, call.method, path
        self._log(call, path, status, elapsed_ms, usage, attempt, failure)
        raise await self.classify(call, failure, body, ctx, regain=regain, sent=sent)

    async def _observe(self, call: Call, headers: Mapping[str, str]) -> tuple[str, float]:
        """Record the usage of the budget the call counts against (the other header, if any, is only logged)."""
        reading = parse_usage(headers) if headers else None
        if reading is None:
            return "-", 0.0
        [key] = self._keys(call)
        parts = []
        if reading.app_pct is not None:
            if key == APP_KEY:
                await self.throttle.observe(APP_KEY, reading.app_pct, {"app": reading.app}, 0.0)
            parts.append(f"app {reading.app_pct:.0f}%")
        if reading.buc_pct is not None:
            if key != APP_KEY:
                await self.throttle.observe(key, reading.buc_pct, {"buc": reading.buc}, reading.regain_minutes)
            parts.append(f"account {reading.buc_pct:.0f}%")
        elif (reading.app_pct is not None and key != APP_KEY
              and self.host(call.account) == self.settings.instagram_graph_url):
            # graph.instagram.com may report an account's usage in X-App-Usage alone: every
            # call there is one account's, so it is that account's budget
            await self.throttle.observe(key, reading.app_pct, {"app": reading.app}, 0.0)
        if reading.regain_minutes:
            parts.append(f"regain {reading.regain_minutes:g} min")
        return ", ".join(parts) or "-", reading.regain_minutes

    def _log(
        self,
        call: Call,
        path: str,
        status: int | None,
        ms: float,
        usage: str,
        attempt: int,
        failure: E.GraphError | None,
    ) -> None:
        error = None if failure is None else (failure.codes or type(failure).__name__)
        self.counters.record(
            CallRecord(
                method=call.method,
                host=urlsplit(call.url).netloc,
                path=path,
                status=status,
                ms=round(ms, 1),
                calls=call.calls,
                account=call.account.id if call.account else None,
                priority=call.priority.value,
                attempt=attempt,
                error=error,
            )
        )
        batch = f" batch={call.calls}" if call.calls > 1 else ""
        log.debug(
            "graph %s %s status=%s %.0fms%s usage=%s%s",
            call.method,
            path,
            status if status is not None else "-",
            ms,
            batch,
            usage,
            f" error={error}" if error else "",
        )

    async def classify(
        self, call: Call, exc: E.GraphError, body: Any, ctx: dict[str, Any], *, regain: float, sent: bool
    ) -> E.GraphError:
        """Turn a failed attempt into the exception to raise; record reconnect marks and throttle windows.

        Also for the failed sub-requests of a batch (``sent``: the request reached Meta).
        """
        secrets = self._secrets(call)
        _scrub(exc, secrets)
        account = call.account
        if isinstance(exc, E.TokenInvalid):
            if call.app_call:
                return _scrub(_copy(exc, E.AppConfigError, _app_sentence(exc)), secrets)
            if account is not None:
                reason = redact_text(exc.user_title or exc.codes or "token refused", secrets)
                newly = await self.state.mark_needs_reconnect(account.id, reason)
                self._reconnect[account.id] = (hashlib.sha256(account.token.encode()).hexdigest(), reason)
                if newly:
                    log.warning("graph account %s needs reconnect (%s)", account.id, exc.codes)
                out = _copy(exc, E.AccountNeedsReconnect, exc.sentence)
                out.newly_marked = newly  # type: ignore[attr-defined]
                return out
            return exc
        if exc.code == 100 and "appsecret_proof" in (exc.message or ""):
            sentence = E.render(
                "Meta refused the appsecret_proof sent with {path}; META_APP_SECRET must be set and be the "
                "secret of the app that issued the token",
                {"path": exc.path},
                exc.codes,
            )
            return _scrub(_copy(exc, E.AppConfigError, sentence), secrets)
        if isinstance(exc, E.RateLimited):
            keys = self._keys(call) + ([APP_KEY] if exc.scope == "app" and account is not None else [])
            retry_at = max([await self.throttle.limited(key, regain) for key in dict.fromkeys(keys)])
            wait = E.wait_words(retry_at - self.clock())
            fresh = E.from_payload(
                body, status=exc.status, context={**ctx, "wait": wait}, method=call.method, path=exc.path
            )
            fresh.retry_at = retry_at
            return _scrub(fresh, secrets)
        ambiguous = isinstance(exc, E.TransientError) or (
            type(exc) is E.GraphError and (exc.status or 0) >= 500
        )
        if call.write and sent and ambiguous:
            action = call.context.get("action") or f"{call.method} {exc.path}"
            sentence = (
                f"Instagram did not confirm whether {action} went through ({exc.codes or 'no answer'}); "
                "check before trying again"
            )
            out = _scrub(_copy(exc, E.OutcomeUnknown, sentence), secrets)
            out.__cause__ = exc
            return out
        return exc

    # -- reading in bulk -------------------------------------------------------------------------

    async def pages(
        self,
        path: str,
        account: GraphAccount,
        *,
        params: Mapping[str, Any] | None = None,
        priority: Priority = Priority.BACKGROUND,
        max_pages: int = 100,
        context: Mapping[str, Any] | None = None,
    ) -> AsyncIterator[dict[str, Any]]:
        """Yield result pages, following ``paging.next`` (without its access_token) up to max_pages."""
        first = Call(
            method="GET",
            url=self.url(path, host=self.host(account)),
            params=dict(params or {}),
            token=account.token,
            account=account,
            priority=priority,
            context=dict(context or {}),
        )
        async for page in follow(self, first, max_pages=max_pages):
            yield page

    async def items(
        self,
        path: str,
        account: GraphAccount,
        *,
        params: Mapping[str, Any] | None = None,
        priority: Priority = Priority.BACKGROUND,
        max_pages: int = 100,
        max_items: int | None = None,
        context: Mapping[str, Any] | None = None,
    ) -> AsyncIterator[dict[str, Any]]:
        """Yield the items of every page's ``data``, stopping after max_items."""
        count = 0
        async for page in self.pages(
            path, account, params=params, priority=priority, max_pages=max_pages, context=context
        ):
            for item in page.get("data") or []:
                if max_items is not None and count >= max_items:
                    return
                count += 1
                yield item
            if max_items is not None and count >= max_items:
                return

    async def batch(
        self,
        account: GraphAccount,
        requests: Sequence[Any],
        *,
        priority: Priority = Priority.BACKGROUND,
    ) -> list[Any]:
        """Send requests as batches (≤ 50 each, Facebook host only); one result or GraphError per request."""
        return await run_batch(self, account, requests, priority=priority)

    async def get_many(
        self,
        account: GraphAccount,
        requests: Sequence[Any],
        *,
        priority: Priority = Priority.BACKGROUND,
    ) -> list[Any]:
        """Run GET requests as batches on the Facebook host, one by one on the Instagram host."""
        return await run_many(self, account, requests, priority=priority)

    async def usage(self, account: GraphAccount | str | None = None) -> dict[str, Any]:
        """Return stored usage for an account (or the app): percentages, regain time, throttle windows."""
        if account is None:
            return await self.throttle.report(APP_KEY)
        account_id = account if isinstance(account, str) else account.id
        return {
            "account": await self.throttle.report(account_key(account_id)),
            "app": await self.throttle.report(APP_KEY),
        }

    async def ready_at(
        self, account: GraphAccount | None, priority: Priority = Priority.BACKGROUND
    ) -> float | None:
        """Return when an Instagram call for the account (None: an app-token call) may be made (None: now),
        from its own budget alone; never calls Meta."""
        try:
            await self.throttle.admit([APP_KEY if account is None else account_key(account.id)], priority)
        except E.Throttled as exc:
            return exc.retry_at
        return None


def appsecret_proof(token: str, secret: str) -> str:
    """Return HMAC-SHA256(key=app secret, msg=token) as hex."""
    return hmac.new(secret.encode(), token.encode(), hashlib.sha256).hexdigest()


def _param(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


def _node(path: str, version: str) -> str | None:
    parts = [p for p in path.split("/") if p]
    if version in parts:
        parts = parts[parts.index(version) + 1 :]
    return f"item {parts[0]}" if parts else None


def _has_error(body: Any) -> bool:
    return isinstance(body, dict) and isinstance(body.get("error"), dict)


def _form_secrets(call: Call) -> list[str]:
    fields = {**call.params, **(call.form or {})}
    keys = ("access_token", "input_token", "client_secret", "fb_exchange_token", "code")
    return [str(fields[k]) for k in keys if fields.get(k)]


def _scrub(exc: E.GraphError, secrets: list[str | None]) -> E.GraphError:
    exc.sentence = redact_text(exc.sentence, secrets)
    exc.message = redact_text(exc.message or "", secrets)
    if exc.user_msg:
        exc.user_msg = redact_text(exc.user_msg, secrets)
    exc.args = (exc.sentence,)
    return exc


def _copy(exc: E.GraphError, cls: type[E.GraphError], sentence: str) -> E.GraphError:
    out = cls(sentence)
    for name in (
        "code",
        "subcode",
        "type",
        "message",
        "is_transient",
        "fbtrace_id",
        "user_title",
        "user_msg",
        "status",
        "method",
        "path",
        "retry_at",
    ):
        setattr(out, name, getattr(exc, name))
    return out


def _app_sentence(exc: E.GraphError) -> str:
    return E.render(
        "Meta refused igbot's app credentials for {path}; check META_APP_ID and META_APP_SECRET "
        "against the app dashboard",
        {"path": exc.path},
        exc.codes,
    )
