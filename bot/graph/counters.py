"""Counts of Graph calls (batch sub-requests one by one) and HTTP requests, with recent call records."""

from __future__ import annotations

import re
from collections import Counter, deque
from dataclasses import dataclass
from typing import Any

_ID_RE = re.compile(r"/\d+(?=/|$)")


def endpoint(path: str) -> str:
    """Turn a path with ids into a label ("/v25.0/{id}/media")."""
    return _ID_RE.sub("/{id}", path)


@dataclass(frozen=True)
class CallRecord:
    """One HTTP request to Meta, as kept for tests, metrics and benchmarks (never a secret)."""

    method: str
    host: str
    path: str
    status: int | None
    ms: float
    calls: int  # Graph calls it counts as (sub-requests of a batch)
    account: str | None
    priority: str
    attempt: int
    error: str | None = None


class CallCounters:
    """Totals for /metrics, tests and benchmarks; a batch of n counts as n calls and 1 HTTP request."""

    def __init__(self, keep: int = 1000) -> None:
        self.records: deque[CallRecord] = deque(maxlen=keep)
        self.reset()

    def reset(self) -> None:
        """Start counting from zero."""
        self.calls = 0
        self.http_requests = 0
        self.retries = 0
        self.refused = 0
        self.per_account: Counter[str] = Counter()
        self.per_endpoint: Counter[str] = Counter()
        self.errors: Counter[str] = Counter()
        self.records.clear()

    def record(self, rec: CallRecord) -> None:
        """Count one HTTP request."""
        self.records.append(rec)
        self.http_requests += 1
        self.calls += rec.calls
        self.per_account[rec.account or "-"] += rec.calls
        self.per_endpoint[f"{rec.method} {endpoint(rec.path)}"] += rec.calls
        if rec.error:
            self.errors[rec.error] += 1

    def snapshot(self) -> dict[str, Any]:
        """Return the totals as plain values."""
        return {
            "calls": self.calls,
            "http_requests": self.http_requests,
            "retries": self.retries,
            "refused": self.refused,
            "per_account": dict(self.per_account),
            "per_endpoint": dict(self.per_endpoint),
            "errors": dict(self.errors),
        }
