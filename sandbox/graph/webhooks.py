"""Webhooks: subscriptions, Meta-format payloads, X-Hub-Signature-256, retries (graph-api.md §6)."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import aiohttp

from .errors import GraphError, invalid_param, missing_param
from .state import FACEBOOK, INSTAGRAM, Account, AppSubscription

if TYPE_CHECKING:
    from collections.abc import Iterator

    from .call import Call
    from .server import GraphEmulator

# Meta: "we will retry immediately, then try a few more times with decreasing frequency over the next
# 36 hours"
RETRY_DELAYS = (0.0, 60.0, 300.0, 1800.0, 7200.0, 6 * 3600.0, 12 * 3600.0)
GIVE_UP_AFTER = 36 * 3600.0
INSTAGRAM_FIELDS = (
    "comments",
    "live_comments",
    "mentions",
    "story_insights",
    "messages",
    "message_reactions",
    "messaging_postbacks",
    "messaging_referral",
    "messaging_seen",
    "messaging_optins",
    "messaging_handover",
    "standby",
    "message_edit",
)
IG_SUBSCRIBED_FIELDS = (
    "comment_poll_response",
    "comments",
    "creator_marketplace_invited_creator_onboarding",
    "creator_marketplace_projects",
    "delta",
    "follow",
    "live_comments",
    "mentions",
    "message_edit",
    "message_reactions",
    "messages",
    "messaging_handover",
    "messaging_optins",
    "messaging_postbacks",
    "messaging_referral",
    "messaging_seen",
    "onboarding_welcome_message_series",
    "share_to_story",
    "standby",
    "story_insights",
    "story_poll_response",
    "story_reactions",
)
PAGE_SUBSCRIBED_FIELDS = (
    "feed",
    "messages",
    "messaging_postbacks",
    "message_reactions",
    "messaging_optins",
    "mention",
    "name",
    "picture",
    "leadgen",
    "ratings",
)


@dataclass
class Event:
    """One change for one account: ``entry.id`` (IG account id), field and value."""

    account_id: str
    field: str
    value: dict[str, Any]
    secret: str
    flat: bool = False  # Instagram Login's published sample: field/value on the entry, no changes[]


@dataclass
class Delivery:
    """One POST to the callback URL and its attempts."""

    id: int
    url: str
    body: bytes
    secret: str
    first_at: float
    next_at: float
    events: list[Event]
    attempts: list[tuple[float, int | str]] = field(default_factory=list)
    done: bool = False
    dropped: bool = False

    @property
    def payload(self) -> dict[str, Any]:
        """Return the decoded JSON body."""
        return json.loads(self.body)

    @property
    def delivered(self) -> bool:
        """Say whether an attempt got a 200."""
        return any(status == 200 for _, status in self.attempts)


def sign(secret: str, body: bytes) -> dict[str, str]:
    """Return the X-Hub-Signature(-256) headers for a body."""
    sha256 = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    sha1 = hmac.new(secret.encode(), body, hashlib.sha1).hexdigest()
    return {"X-Hub-Signature-256": f"sha256={sha256}", "X-Hub-Signature": f"sha1={sha1}"}


def is_loopback(url: str) -> bool:
    """Say whether a callback URL is on loopback (the only place the sandbox delivers)."""
    return urlsplit(url).hostname in ("127.0.0.1", "localhost", "::1")


class WebhookDispatcher:
    """Queue events, batch them into payloads, POST them signed, retry on failure."""

    def __init__(self, emu: GraphEmulator) -> None:
        self.emu = emu
        self.deliveries: list[Delivery] = []
        self._batch: list[Event] | None = None
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._session: aiohttp.ClientSession | None = None
        self._inflight = 0
        self.poll_seconds = 0.02

    async def start(self) -> None:
        """Start the background delivery loop."""
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10))
        self._task = asyncio.create_task(self._loop())

    async def stop(self) -> None:
        """Stop delivering and close the HTTP session."""
        if self._task:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        if self._session:
            await self._session.close()

    def callback(self) -> AppSubscription | None:
        """Return the app's ``instagram`` subscription, if any."""
        return self.emu.state.subscriptions.get("instagram")

    def wants(self, acct: Account, field_name: str) -> bool:
        """Say whether an event for this account and field will be delivered."""
        sub = self.callback()
        if sub is None or field_name not in sub.fields:
            return False
        if acct.login == FACEBOOK:
            page = self.emu.state.pages.get(acct.page_id or "")
            return bool(page and self.emu.app_id in page.subscribed_apps)
        return field_name in acct.subscribed_fields

    def emit(self, acct: Account, field_name: str, value: dict[str, Any]) -> bool:
        """Queue one change; returns whether it will be delivered."""
        if not self.wants(acct, field_name):
            return False
        secret = self.emu.app_secret
        if acct.login == INSTAGRAM and self.emu.instagram_webhooks_secret == "instagram":
            secret = self.emu.instagram_app_secret
        secret = self.emu.webhook_secret_override or secret
        flat = acct.login == INSTAGRAM and self.emu.instagram_webhook_shape == "flat"
        event = Event(acct.ig_user_id, field_name, value, secret, flat)
        if self._batch is not None:
            self._batch.append(event)
        else:
            self._enqueue([event])
        return True

    @contextmanager
    def batched(self) -> Iterator[None]:
        """Collect events and send them as one POST (entries per account, changes per field) on exit."""
        self._batch = []
        try:
            yield
        finally:
            events, self._batch = self._batch, None
            by_secret: dict[str, list[Event]] = {}
            for e in events:
                by_secret.setdefault(e.secret, []).append(e)
            for group in by_secret.values():
                self._enqueue(group)

    def _enqueue(self, events: list[Event]) -> None:
        sub = self.callback()
        if sub is None or not events:
            return
        now = self.emu.now()
        entries: dict[str, dict[str, Any]] = {}
        flat: list[dict[str, Any]] = []
        for e in events:
            if e.flat:
                flat.append({"id": e.account_id, "time": int(now), "field": e.field, "value": e.value})
                continue
            entry = entries.setdefault(e.account_id, {"id": e.account_id, "time": int(now), "changes": []})
            entry["changes"].append({"field": e.field, "value": e.value})
        body = json.dumps({"object": "instagram", "entry": list(entries.values()) + flat}).encode()
        self.deliveries.append(
            Delivery(len(self.deliveries) + 1, sub.callback_url, body, events[0].secret, now, now, events)
        )
        self._wake.set()

    def pending(self) -> list[Delivery]:
        """Return deliveries not yet acknowledged or dropped."""
        return [d for d in self.deliveries if not d.done]

    async def _loop(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.poll_seconds)
            self._wake.clear()
            await self.deliver_due()

    async def deliver_due(self) -> None:
        """Attempt every delivery whose time has come (retrying at once after a first failure)."""
        due = [d for d in self.deliveries if not d.done and d.next_at <= self.emu.now()]
        for d in due:
            d.next_at = float("inf")  # claimed
        if due:
            self._inflight += 1
            try:
                await asyncio.gather(*(self._attempt(d) for d in due))
            finally:
                self._inflight -= 1

    async def _attempt(self, d: Delivery) -> None:
        while True:
            status = await self._post(d)
            now = self.emu.now()
            d.attempts.append((now, status))
            if status == 200:
                d.done = True
                return
            n = len(d.attempts)
            if n >= len(RETRY_DELAYS) + 1 or now - d.first_at >= GIVE_UP_AFTER:
                d.done = d.dropped = True
                return
            delay = RETRY_DELAYS[n - 1]
            if delay > 0:
                d.next_at = now + delay
                return

    async def _post(self, d: Delivery) -> int | str:
        if not is_loopback(d.url) or self._session is None:
            return "refused: the sandbox only delivers to loopback URLs"
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "facebookexternalua",
            **sign(d.secret, d.body),
        }
        try:
            async with self._session.post(d.url, data=d.body, headers=headers) as resp:
                await resp.read()
                return resp.status
        except (aiohttp.ClientError, TimeoutError) as exc:
            return f"error: {exc.__class__.__name__}"

    async def flush(self, timeout: float = 5.0) -> None:
        """Deliver everything due now and wait until no attempt is in flight."""
        async with asyncio.timeout(timeout):
            while True:
                await self.deliver_due()
                if self._inflight == 0 and not any(d.next_at <= self.emu.now() for d in self.pending()):
                    return
                await asyncio.sleep(0.005)

    async def verify(self, url: str, verify_token: str) -> None:
        """Do Meta's GET verification of a callback URL, or raise 2200."""
        if not is_loopback(url) or self._session is None:
            raise GraphError(
                2200, "(#2200) callback verification failed: the sandbox only calls loopback URLs"
            )
        challenge = str(self.emu.rng.randint(10**8, 10**9))
        params = {"hub.mode": "subscribe", "hub.challenge": challenge, "hub.verify_token": verify_token}
        try:
            async with self._session.get(url, params=params) as resp:
                text = await resp.text()
                ok = resp.status == 200 and text.strip() == challenge
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise GraphError(2200, f"(#2200) callback verification failed: {exc.__class__.__name__}") from exc
        if not ok:
            raise GraphError(
                2200,
                "(#2200) callback verification failed: Callback verification failed with "
                f"the following errors: HTTP Status Code = {resp.status}; "
                "HTTP Message = the response did not echo hub.challenge",
            )


# -- endpoints -------------------------------------------------------------------------------------


async def get_app_subscriptions(emu: GraphEmulator, call: Call) -> dict[str, Any]:
    """GET /{app-id}/subscriptions (app token)."""
    data = [
        {
            "object": s.object,
            "callback_url": s.callback_url,
            "active": True,
            "fields": [{"name": f, "version": emu.default_version} for f in s.fields],
        }
        for s in emu.state.subscriptions.values()
    ]
    return {"data": data}


async def post_app_subscription(emu: GraphEmulator, call: Call) -> dict[str, Any]:
    """POST /{app-id}/subscriptions: verify the callback, then (re)subscribe the object's fields."""
    obj = call.require("object")
    if obj not in ("instagram", "page", "user", "permissions", "application"):
        raise invalid_param(f"Invalid object {obj}")
    url = call.param("callback_url")
    fields = call.list_param("fields")
    existing = emu.state.subscriptions.get(str(obj))
    if not url and existing is None:
        raise missing_param("callback_url")
    if obj == "instagram":
        bad = [f for f in fields if f not in INSTAGRAM_FIELDS]
        if bad:
            raise invalid_param(f"Invalid field(s) for object instagram: {', '.join(bad)}")
    verify_token = str(call.param("verify_token") or "")
    if url:
        await emu.webhooks.verify(str(url), verify_token)
    include = call.bool_param("include_values", True)
    if existing and not url:
        existing.fields = sorted(set(existing.fields) | set(fields))
    else:
        merged = sorted(set(existing.fields if existing else []) | set(fields))
        emu.state.subscriptions[str(obj)] = AppSubscription(
            str(obj), str(url), merged, verify_token, bool(include)
        )
    return {"success": True}


async def delete_app_subscription(emu: GraphEmulator, call: Call) -> dict[str, Any]:
    """DELETE /{app-id}/subscriptions[?object=…&fields=…]."""
    obj = call.param("object")
    fields = call.list_param("fields")
    for key in [k for k in emu.state.subscriptions if obj in (None, k)]:
        sub = emu.state.subscriptions[key]
        sub.fields = [f for f in sub.fields if fields and f not in fields]
        if not sub.fields:
            del emu.state.subscriptions[key]
    return {"success": True}


async def post_page_subscribed_apps(emu: GraphEmulator, call: Call) -> dict[str, Any]:
    """POST /{page-id}/subscribed_apps?subscribed_fields=… (Page token)."""
    if call.token is None or call.token.kind != "PAGE":
        raise GraphError(210, "(#210) A page access token is required to request this resource.")
    fields = call.list_param("subscribed_fields")
    if not fields:
        raise missing_param("subscribed_fields")
    bad = [f for f in fields if f not in PAGE_SUBSCRIBED_FIELDS]
    if bad:
        raise invalid_param(
            f"subscribed_fields[0] must be one of the following values: {', '.join(PAGE_SUBSCRIBED_FIELDS)}"
        )
    call.target.subscribed_apps[emu.app_id] = fields
    return {"success": True}


async def get_page_subscribed_apps(emu: GraphEmulator, call: Call) -> dict[str, Any]:
    """GET /{page-id}/subscribed_apps."""
    if call.token is None or call.token.kind != "PAGE":
        raise GraphError(210, "(#210) A page access token is required to request this resource.")
    return {
        "data": [
            {
                "category": "Business",
                "link": "https://sandbox.example/",
                "name": emu.app_name,
                "id": app_id,
                "subscribed_fields": fields,
            }
            for app_id, fields in call.target.subscribed_apps.items()
        ]
    }


async def get_linked_page_subscribed_apps(emu: GraphEmulator, call: Call) -> dict[str, Any]:
    """GET graph.facebook.com /{ig-user-id}/subscribed_apps: the apps installed on the account's linked Page.

    With Facebook Login, the Page's installation is what lets the account's webhooks reach an app.
    """
    page = emu.state.pages.get(call.account.page_id or "")
    apps = page.subscribed_apps if page else {}
    return {
        "data": [
            {"id": app_id, "name": emu.app_name, "subscribed_fields": fields} for app_id, fields in apps.items()
        ]
    }


async def delete_page_subscribed_apps(emu: GraphEmulator, call: Call) -> dict[str, Any]:
    """DELETE /{page-id}/subscribed_apps."""
    if call.token is None or call.token.kind != "PAGE":
        raise GraphError(210, "(#210) A page access token is required to request this resource.")
    call.target.subscribed_apps.pop(emu.app_id, None)
    return {"success": True}


async def post_ig_subscribed_apps(emu: GraphEmulator, call: Call) -> dict[str, Any]:
    """POST graph.instagram.com /{ig-user-id}/subscribed_apps?subscribed_fields=comments,…"""
    fields = call.list_param("subscribed_fields")
    if not fields:
        raise missing_param("subscribed_fields")
    bad = [f for f in fields if f not in IG_SUBSCRIBED_FIELDS]
    if bad:
        raise invalid_param(
            f"subscribed_fields[0] must be one of the following values: {', '.join(IG_SUBSCRIBED_FIELDS)}"
        )
    if "story_insights" in fields or "mentions" in fields:
        raise invalid_param(
            "story_insights and mentions are not available with Instagram Login "
            "(mentions arrive inside comments)"
        )
    call.account.subscribed_fields = fields
    return {"success": True}


async def get_ig_subscribed_apps(emu: GraphEmulator, call: Call) -> dict[str, Any]:
    """GET graph.instagram.com /{ig-user-id}/subscribed_apps."""
    acct = call.account
    if not acct.subscribed_fields:
        return {"data": []}
    return {"data": [{"app_id": emu.instagram_app_id, "subscribed_fields": list(acct.subscribed_fields)}]}


async def delete_ig_subscribed_apps(emu: GraphEmulator, call: Call) -> dict[str, Any]:
    """DELETE graph.instagram.com /{ig-user-id}/subscribed_apps."""
    call.account.subscribed_fields = []
    return {"success": True}
