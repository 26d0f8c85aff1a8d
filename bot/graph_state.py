"""The Graph client's persistence (usage windows, reconnect marks) over igbot's SQLite store."""

from __future__ import annotations

from storage import graph_state as rows
from storage.db import Store


class SqliteGraphState:
    """GraphStateStore backed by the graph_usage table and the accounts' status."""

    def __init__(self, store: Store):
        self._store = store

    async def load_usage(self, key: str) -> dict | None:
        """Return the usage dict last saved under key, or None."""
        return await self._store.run(rows.load_usage, key)

    async def save_usage(self, key: str, usage: dict) -> None:
        """Replace the usage dict saved under key."""
        await self._store.run(rows.save_usage, key, usage)

    async def needs_reconnect(self, account_id: str) -> str | None:
        """Return why the account needs reconnecting, or None."""
        return await self._store.run(rows.reconnect_reason, account_id)

    async def mark_needs_reconnect(self, account_id: str, reason: str) -> bool:
        """Mark the account; True only the first time."""
        return await self._store.run(rows.mark_needs_reconnect, account_id, reason)
