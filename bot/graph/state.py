"""What the client persists (reconnect flags, usage and throttle windows), behind a small protocol."""

from __future__ import annotations

import copy
from typing import Any, Protocol


class GraphStateStore(Protocol):
    """Persistence the client needs; igbot implements it over SQLite, tests use MemoryStateStore.

    Usage keys are ``"app"`` and ``"account:<account id>"``; usage values are JSON-able dicts the client
    owns (see ``throttle.UsageState.to_dict``).
    """

    async def load_usage(self, key: str) -> dict[str, Any] | None:
        """Return the usage dict last saved under key, or None."""
        ...

    async def save_usage(self, key: str, usage: dict[str, Any]) -> None:
        """Replace the usage dict saved under key."""
        ...

    async def needs_reconnect(self, account_id: str) -> str | None:
        """Return the reason the account was marked as needing a reconnect, or None."""
        ...

    async def mark_needs_reconnect(self, account_id: str, reason: str) -> bool:
        """Mark the account (keeping an existing mark); return True only if it was not marked before."""
        ...


class MemoryStateStore:
    """In-memory GraphStateStore for tests, the sandbox and benchmarks."""

    def __init__(self) -> None:
        self.usage: dict[str, dict[str, Any]] = {}
        self.reconnect: dict[str, str] = {}

    async def load_usage(self, key: str) -> dict[str, Any] | None:
        """Return the usage dict last saved under key, or None."""
        value = self.usage.get(key)
        return copy.deepcopy(value) if value is not None else None

    async def save_usage(self, key: str, usage: dict[str, Any]) -> None:
        """Replace the usage dict saved under key."""
        self.usage[key] = copy.deepcopy(usage)

    async def needs_reconnect(self, account_id: str) -> str | None:
        """Return the reason the account was marked as needing a reconnect, or None."""
        return self.reconnect.get(account_id)

    async def mark_needs_reconnect(self, account_id: str, reason: str) -> bool:
        """Mark the account; return True only if it was not marked before."""
        if account_id in self.reconnect:
            return False
        self.reconnect[account_id] = reason
        return True

    def clear_needs_reconnect(self, account_id: str) -> None:
        """Forget the mark (what reconnecting an account does in igbot's store)."""
        self.reconnect.pop(account_id, None)
