"""Fault injection: latency, a rate of transient errors, one-shot errors for matching calls."""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field

from .errors import GraphError, transient
from .hosts import host_matches


@dataclass
class InjectedError:
    """An error answered for the next ``times`` calls that match."""

    code: int
    subcode: int | None = None
    message: str | None = None
    http_status: int = 400
    times: int | None = 1  # None: every matching call
    method: str | None = None
    path: str | re.Pattern[str] | None = None  # concrete path, endpoint template or regex
    host: str | None = None
    after_effect: bool = False  # perform the call's effect, then answer the error (lost response)
    is_transient: bool | None = None
    type: str = "OAuthException"
    hang: float = 0.0  # real seconds to wait before answering (a client timeout); code 0: no error

    def matches(self, host: str, method: str, path: str, template: str | None) -> bool:
        """Say whether a call matches this injection."""
        if self.host and not host_matches(self.host, host):
            return False
        if self.method and self.method.upper() != method:
            return False
        if self.path is None:
            return True
        if isinstance(self.path, re.Pattern):
            return bool(self.path.search(path))
        return self.path in (path, template)

    def error(self) -> GraphError:
        """Build the GraphError to answer."""
        return GraphError(
            self.code,
            self.message or f"(#{self.code}) Injected error",
            subcode=self.subcode,
            http_status=self.http_status,
            is_transient=self.is_transient,
            type=self.type,
        )


@dataclass
class Faults:
    """All configured faults."""

    seed: int = 0
    latency: float = 0.0
    transient_rate: float = 0.0
    injected: list[InjectedError] = field(default_factory=list)
    rng: random.Random = field(init=False)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)

    def take(
        self, host: str, method: str, path: str, template: str | None, *, after_effect: bool
    ) -> InjectedError | None:
        """Return (and use up) the first injection matching this call and phase."""
        for inj in self.injected:
            if inj.after_effect == after_effect and inj.matches(host, method, path, template):
                if inj.times is not None:
                    inj.times -= 1
                    if inj.times <= 0:
                        self.injected.remove(inj)
                return inj
        return None

    def maybe_transient(self) -> GraphError | None:
        """Return a transient error with the configured probability."""
        if self.transient_rate and self.rng.random() < self.transient_rate:
            return transient(self.rng.choice((1, 2)))
        return None
