"""When each account's last webhook arrived: noted in memory on every delivery, written to the database in batches."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable

from storage import inbox as inbox_rows
from storage.clock import utcnow
from storage.db import Store

log = logging.getLogger(__name__)
FLUSH_SECONDS = 5.0


class WebhookSeen:
    """Keep the newest delivery moment per account and store them every few seconds and at shutdown.

    A delivery then costs a dict write instead of a database write; the stored moment (shown per account and
    read by the sync) is at most FLUSH_SECONDS old, or lost for that long if the process is killed.

    Example::

        seen.note(["17841400000000001"])    # in the webhook handler
        await seen.run(store)               # the worker that writes them down
    """

    def __init__(self, clock: Callable[[], str] = utcnow):
        self._clock = clock
        self._pending: dict[str, str] = {}

    def note(self, entry_ids: Iterable[str]) -> None:
        """Remember that a webhook for these accounts (entry ids) arrived now."""
        now = self._clock()
        for entry_id in entry_ids:
            self._pending[entry_id] = now

    async def last(self, store: Store, entry_id: str) -> str | None:
        """Return when the account's last webhook arrived: noted here and not yet stored, else as stored."""
        return self._pending.get(entry_id) or await store.run(inbox_rows.webhook_seen, entry_id)

    async def flush(self, store: Store) -> int:
        """Store what was noted since the last flush; return for how many accounts (kept for later on failure)."""
        if not self._pending:
            return 0
        batch, self._pending = self._pending, {}
        try:
            await store.run(inbox_rows.note_webhooks_seen, batch)
        except BaseException:
            self._pending = {**batch, **self._pending}
            raise
        return len(batch)

    async def run(self, store: Store, *, every: float = FLUSH_SECONDS) -> None:
        """Flush every few seconds, forever; flush once more when stopped."""
        try:
            while True:
                await asyncio.sleep(every)
                await self.flush(store)
        finally:
            try:
                await self.flush(store)
            except Exception:
                log.exception("could not store when webhooks last arrived")
