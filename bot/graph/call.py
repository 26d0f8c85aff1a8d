"""The description of one request, and the timeout and retry policies."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from .account import GraphAccount, Priority


@dataclass(frozen=True)
class Timeouts:
    """Seconds to wait for a connection and for each read from Meta."""

    connect: float = 10.0
    read: float = 30.0


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with full jitter for retried reads: attempts include the first try."""

    attempts: int = 4
    base: float = 0.5
    cap: float = 20.0

    def delay(self, attempt: int, rng: random.Random) -> float:
        """Return the wait before try number attempt + 1."""
        return rng.uniform(0.0, min(self.cap, self.base * 2 ** (attempt - 1)))


@dataclass
class Call:
    """One request as the client sends it."""

    method: str
    url: str
    params: dict[str, Any] = field(default_factory=dict)
    form: dict[str, Any] | None = None
    token: str | None = field(default=None, repr=False)
    token_in_query: bool = False
    account: GraphAccount | None = None
    app_call: bool = False
    priority: Priority = Priority.BACKGROUND
    retry: bool = True  # transient failures may be retried (reads, idempotent writes)
    write: bool = False  # a non-idempotent write: ambiguous failures become OutcomeUnknown
    context: dict[str, Any] = field(default_factory=dict)
    calls: int = 1  # Graph calls this request counts as
