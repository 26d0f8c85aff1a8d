"""The client's settings, the timeout and retry policies, and the description of one request."""

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


@dataclass(frozen=True)
class GraphSettings:
    """Where Meta is and who igbot is to it, and how patiently to call it (hosts and version come from Config)."""

    graph_url: str  # Facebook Login accounts and app calls
    instagram_graph_url: str  # Instagram Login accounts
    instagram_api_url: str  # Instagram Login's code exchange
    version: str
    meta_app_id: str | None = None
    meta_app_secret: str | None = field(default=None, repr=False)
    instagram_app_id: str | None = None
    instagram_app_secret: str | None = field(default=None, repr=False)
    throttle_threshold: float = 80.0  # usage percent above which background calls wait
    background_cooldown: float = 600.0
    timeouts: Timeouts = Timeouts()
    retry: RetryPolicy = RetryPolicy()
    concurrency: int = 4  # requests in flight at once for one bulk read

    def __post_init__(self) -> None:
        for name in ("graph_url", "instagram_graph_url", "instagram_api_url"):
            object.__setattr__(self, name, getattr(self, name).rstrip("/"))
        object.__setattr__(self, "version", self.version.strip("/"))


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
