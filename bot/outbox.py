"""The outbox worker: sends stored Slack writes in order, paced, retried, never lost or repeated."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
import time
from collections.abc import Callable
from datetime import UTC, datetime

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.instance import LEASE_SECONDS, Instance
from storage import outbox as rows
from storage.clock import parse
from storage.db import Store
from storage.meta import get_meta, set_meta

log = logging.getLogger(__name__)
METADATA_EVENT = "igbot_outbox"
PERMANENT_ERRORS = frozenset({"not_in_channel", "channel_not_found", "is_archived", "invalid_auth",
                              "account_inactive", "token_revoked", "missing_scope", "restricted_action",
                              "message_not_found", "cant_update_message", "edit_window_closed", "not_authed"})
FALLBACK_ERRORS = frozenset({"invalid_blocks", "msg_blocks_too_long", "invalid_blocks_format"})
TRANSIENT_ERRORS = frozenset({"internal_error", "fatal_error", "service_unavailable", "request_timeout",
                              "ratelimited"})
MAX_BACKOFF = 300.0


class Outbox:
    """Queue Slack writes durably and send them from one worker loop.

    Example::

        item = await outbox.post(channel_id="C0SOCIAL1", payload={"text": "hi", "blocks": [...]})
        await outbox.update(target_id=item, payload={"text": "hidden by @ana", "blocks": [...]})
    """

    def __init__(self, store: Store, slack: AsyncWebClient, *, worker_id: str | None = None,
                 admins: tuple[str, ...] = (),
                 post_interval: float = 1.0, update_interval: float = 1.2, lease_seconds: float = LEASE_SECONDS,
                 clock: Callable[[], float] = time.monotonic,
                 wall: Callable[[], datetime] = lambda: datetime.now(UTC)):
        self._store = store
        self._slack = slack
        self._worker_id = worker_id
        self._admins = admins
        self.post_interval = post_interval
        self.update_interval = update_interval
        self._lease_seconds = lease_seconds
        self._clock = clock
        self._wall = wall
        self._wake = asyncio.Event()
        self._channel_ready: dict[str, float] = {}
        self._method_ready: dict[str, float] = {}

    async def post(self, *, channel_id: str, payload: dict, account_id: int | None = None,
                   dedupe_key: str | None = None, thread_parent_id: int | None = None,
                   thread_ts: str | None = None) -> int:
        """Store a channel post or thread reply; return its outbox id."""
        item_id = await self._store.run(rows.enqueue_post, channel_id=channel_id, payload=payload,
                                        account_id=account_id, dedupe_key=dedupe_key,
                                        thread_parent_id=thread_parent_id, thread_ts=thread_ts)
        self._wake.set()
        return item_id

    async def update(self, *, payload: dict, target_id: int | None = None, channel_id: str | None = None,
                     target_ts: str | None = None, account_id: int | None = None) -> int:
        """Store an update of a message (an outbox post, or a channel + ts); return its outbox id."""
        item_id = await self._store.run(rows.enqueue_update, payload=payload, target_id=target_id,
                                        channel_id=channel_id, target_ts=target_ts, account_id=account_id)
        self._wake.set()
        return item_id

    def wake(self) -> None:
        """Tell the worker that items were stored directly (e.g. with their owner's row, in one transaction)."""
        self._wake.set()

    async def get(self, item_id: int) -> dict | None:
        """Return an outbox row (its ts once sent)."""
        return await self._store.run(rows.get_item, item_id)

    async def run(self, instance: Instance | None = None) -> None:
        """Send forever: drain what is due, then sleep until woken or the next send may go.

        With an instance, each run claims under a worker id of its own that the heartbeat renews.
        """
        if instance is None:
            return await self._loop()
        async with instance.working("outbox") as worker:
            self._worker_id = worker
            await self._loop()

    async def _loop(self) -> None:
        while True:
            sent = await self.drain_once()
            if sent:
                continue
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self._idle_wait())

    def _idle_wait(self) -> float:
        now = self._clock()
        waits = [t - now for t in (*self._channel_ready.values(), *self._method_ready.values()) if t > now]
        return max(0.02, min([1.0, *waits]))

    async def drain_once(self) -> int:
        """Send every item that may go now; return how many were attempted."""
        attempted = 0
        paced_channels: set[str] = set()
        for item in await self._store.run(rows.candidates, now=self._wall()):
            if not self._may_send(item, paced_channels):
                continue
            claimed = await self._store.run(rows.claim_item, item["id"], worker=self._worker_id,
                                            lease_seconds=self._lease_seconds, now=self._wall())
            if not claimed:
                continue
            attempted += 1
            try:
                await self._send({**item, "payload": claimed})
            except Exception as exc:  # an item that breaks sending is set aside with the reason; the rest go on
                log.exception("outbox %s: sending raised; marked failed", item["id"])
                await self._store.run(rows.mark_failed, item["id"], error=f"{type(exc).__name__}: {exc}"[:300])
            if item["kind"] == "post":
                paced_channels.add(item["channel_id"])
        return attempted

    def _may_send(self, item: dict, paced_channels: set[str]) -> bool:
        now = self._clock()
        if item["kind"] == "update":
            return self._method_ready.get("chat.update", 0) <= now and bool(self._target_ts(item))
        if item["channel_id"] in paced_channels or self._channel_ready.get(item["channel_id"], 0) > now:
            paced_channels.add(item["channel_id"])
            return False
        if self._method_ready.get("chat.postMessage", 0) > now:
            return False
        waiting_for_parent = item["thread_parent_id"] and not item["parent_ts"] and \
            item["parent_state"] not in ("parked", "failed")
        return not waiting_for_parent

    @staticmethod
    def _target_ts(item: dict) -> str | None:
        return item["target_ts"] or item["resolved_target_ts"]

    async def _send(self, item: dict) -> None:
        payload = json.loads(item["payload"])
        method = "chat.postMessage" if item["kind"] == "post" else "chat.update"
        try:
            if item["kind"] == "post":
                ts = await self._already_posted(item) if item["state"] == "sending" else None
                ts = ts or await self._post_message(item, payload)
                self._channel_ready[item["channel_id"]] = self._clock() + self.post_interval
            else:
                await self._slack.chat_update(channel=item["channel_id"], ts=self._target_ts(item),
                                              **_message_args(payload))
                ts = None
                self._method_ready["chat.update"] = self._clock() + self.update_interval
        except SlackApiError as exc:
            await self._on_slack_error(item, payload, method, exc)
        except (aiohttp.ClientError, TimeoutError) as exc:
            delay = _backoff(item["attempts"])
            log.warning("outbox %s: %s failed (%s); retrying in %.0f s", item["id"], method,
                        type(exc).__name__, delay)
            await self._store.run(rows.mark_retry, item["id"], error=type(exc).__name__, delay_seconds=delay,
                                  maybe_sent=item["kind"] == "post", now=self._wall())
        else:
            await self._store.run(rows.mark_sent, item["id"], ts=ts)

    async def _post_message(self, item: dict, payload: dict) -> str:
        thread_ts = item["thread_ts"] or item["parent_ts"]
        response = await self._slack.chat_postMessage(
            channel=item["channel_id"], thread_ts=thread_ts,
            metadata={"event_type": METADATA_EVENT, "event_payload": {"outbox_id": item["id"]}},
            unfurl_links=payload.get("unfurl_links", False), unfurl_media=payload.get("unfurl_media", False),
            **_message_args(payload))
        return response["ts"]

    async def _already_posted(self, item: dict) -> str | None:
        """Find a post that an earlier attempt may have delivered, by its metadata (None if absent or unknowable)."""
        try:
            return await self._find_by_metadata(item)
        except SlackApiError as exc:
            if exc.response.status_code == 429:
                raise
            log.warning("outbox %s: cannot read the channel to check for an earlier attempt (%s); sending",
                        item["id"], exc.response.get("error"))
            return None

    async def _find_by_metadata(self, item: dict) -> str | None:
        oldest = f"{parse(item['created_at']).timestamp() - 5:.6f}"
        thread_ts = item["thread_ts"] or item["parent_ts"]
        if thread_ts:
            response = await self._slack.conversations_replies(channel=item["channel_id"], ts=thread_ts,
                                                               oldest=oldest, include_all_metadata=True, limit=200)
        else:
            response = await self._slack.conversations_history(channel=item["channel_id"], oldest=oldest,
                                                               include_all_metadata=True, limit=200)
        for message in response.get("messages", []):
            metadata = message.get("metadata") or {}
            if metadata.get("event_type") == METADATA_EVENT and \
                    metadata.get("event_payload", {}).get("outbox_id") == item["id"]:
                log.info("outbox %s was already in Slack (ts %s); not sending it again", item["id"], message["ts"])
                return message["ts"]
        return None

    async def _on_slack_error(self, item: dict, payload: dict, method: str, exc: SlackApiError) -> None:
        error = exc.response.get("error") or f"http_{exc.response.status_code}"
        status = exc.response.status_code
        if status == 429 or error == "ratelimited":
            retry_after = float(exc.response.headers.get("Retry-After", exc.response.headers.get("retry-after", 1)))
            self._method_ready[method] = self._clock() + retry_after
            log.warning("outbox: Slack rate-limited %s for %.0f s", method, retry_after)
            await self._store.run(rows.mark_retry, item["id"], error=error, delay_seconds=retry_after,
                                  count_attempt=False, now=self._wall())
        elif error in FALLBACK_ERRORS and not item["fallback_used"] and payload.get("blocks"):
            log.warning("outbox %s: Slack refused the blocks (%s); sending plain text instead", item["id"], error)
            await self._store.run(rows.use_fallback, item["id"], _plain(payload))
        elif status >= 500 or error in TRANSIENT_ERRORS:
            # a post that failed with a server error may still have reached the channel: look before resending
            await self._store.run(rows.mark_retry, item["id"], error=error, delay_seconds=_backoff(item["attempts"]),
                                  maybe_sent=item["kind"] == "post", now=self._wall())
        else:
            log.error("outbox %s: Slack refused %s with %s; parked", item["id"], method, error)
            await self._store.run(rows.mark_parked, item["id"], error=error)
            await self._tell_admins_once(item["channel_id"], error)

    async def _tell_admins_once(self, channel_id: str, error: str) -> None:
        key = f"parked_notice:{channel_id}:{error}"
        if await self._store.run(get_meta, key):
            return
        await self._store.run(set_meta, key, datetime.now(UTC).isoformat())
        hint = {"not_in_channel": f"invite me with `/invite @igbot` in <#{channel_id}>",
                "channel_not_found": "bind the account to an existing channel with `/ig connect <account>`",
                "is_archived": "unarchive the channel or bind the account to another one"}.get(
                    error, "check the Slack app's installation and scopes")
        text = (f":warning: I cannot post in <#{channel_id}> (Slack says `{error}`): {hint}. "
                "Messages for it are kept and listed in /healthz.")
        for admin in self._admins:
            try:
                await self._slack.chat_postMessage(channel=admin, text=text)
            except (SlackApiError, aiohttp.ClientError, TimeoutError) as exc:
                log.warning("could not tell admin %s about a parked channel: %s", admin, type(exc).__name__)


def _message_args(payload: dict) -> dict:
    """Return the chat.* arguments a payload carries (text always; blocks when present)."""
    args = {"text": payload["text"]}
    if payload.get("blocks"):
        args["blocks"] = payload["blocks"]
    return args


def _plain(payload: dict) -> dict:
    """Return the plain-text fallback of a payload."""
    return {k: v for k, v in payload.items() if k != "blocks"}


def _backoff(attempts: int) -> float:
    """Exponential backoff with full jitter, capped."""
    return random.uniform(0, min(MAX_BACKOFF, 2.0 ** (attempts + 1)))
