"""Fault injection: make a method (or ``upload`` / ``response_url`` / ``deliver``) fail the next N times."""

from __future__ import annotations

from dataclasses import dataclass

from .errors import SlackError


@dataclass
class Fault:
    """One injected failure and how many more times it fires."""

    method: str
    error: str
    status: int
    retry_after: int | None
    times: int


class Faults:
    """The pending injected failures, consumed in the order they were added."""

    def __init__(self) -> None:
        self.pending: list[Fault] = []

    def add(
        self,
        method: str,
        *,
        error: str = "internal_error",
        status: int | None = None,
        retry_after: int | None = None,
        times: int = 1,
    ) -> None:
        """Make the next ``times`` calls of ``method`` fail.

        ``error="ratelimited"`` defaults to HTTP 429 with ``Retry-After: 1``; other errors to HTTP 200
        (Slack's ``ok: false``), unless ``status`` says otherwise (e.g. 500 or 503).
        """
        if error == "ratelimited":
            status = status or 429
            retry_after = 1 if retry_after is None else retry_after
        self.pending.append(Fault(method, error, status or 200, retry_after, times))

    def take(self, method: str) -> SlackError | None:
        """Consume one failure for this method and return it as a SlackError, or None."""
        for f in self.pending:
            if f.method == method and f.times > 0:
                f.times -= 1
                if f.times == 0:
                    self.pending.remove(f)
                headers = {"Retry-After": str(f.retry_after)} if f.retry_after is not None else {}
                return SlackError(f.error, status=f.status, headers=headers)
        return None

    def clear(self) -> None:
        """Drop every pending failure."""
        self.pending.clear()
