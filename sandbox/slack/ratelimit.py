"""Slack's rate limits as token buckets: per method tier, per channel for posts, per workspace for updates."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

TIER_PER_MINUTE = {1: 1, 2: 20, 3: 50, 4: 100}

METHOD_TIERS = {
    "auth.test": 4,
    "chat.update": 3,
    "chat.postEphemeral": 4,
    "chat.delete": 3,
    "chat.getPermalink": 4,
    "conversations.info": 3,
    "conversations.join": 3,
    "conversations.history": 3,
    "conversations.replies": 3,
    "views.open": 4,
    "views.update": 4,
    "views.push": 4,
    "views.publish": 4,
    "users.info": 4,
    "users.list": 2,
    "files.getUploadURLExternal": 4,
    "files.completeUploadExternal": 4,
    "files.info": 4,
}


@dataclass
class Bucket:
    """A token bucket: ``capacity`` requests at once, refilled at ``rate`` per second."""

    rate: float
    capacity: float
    tokens: float = -1.0
    at: float = 0.0

    def take(self, now: float) -> float:
        """Take one token; return 0 on success, else the seconds until one is available."""
        if self.tokens < 0:
            self.tokens, self.at = self.capacity, now
        self.tokens = min(self.capacity, self.tokens + (now - self.at) * self.rate)
        self.at = now
        if self.tokens >= 1:
            self.tokens -= 1
            return 0.0
        return (1 - self.tokens) / self.rate


@dataclass
class RateLimits:
    """Limits the emulator enforces; tests may lower them.

    :param post_per_second: sustained ``chat.postMessage`` rate per channel (Slack: about 1/s)
    :param post_burst: how many posts to one channel may arrive at once
    :param post_workspace_per_minute: workspace-wide ``chat.postMessage`` limit
    :param tiers: requests per minute for each tier; a method's bucket holds one minute's worth
    :param enabled: False turns every limit off
    """

    post_per_second: float = 1.0
    post_burst: float = 2.0
    post_workspace_per_minute: float = 600.0
    tiers: dict[int, float] = field(default_factory=lambda: dict(TIER_PER_MINUTE))
    enabled: bool = True


class RateLimiter:
    """Decide whether a call is over its limit and for how long to back off (``Retry-After``)."""

    def __init__(self, limits: RateLimits) -> None:
        self.limits = limits
        self.buckets: dict[tuple, Bucket] = {}

    def _bucket(self, key: tuple, rate: float, capacity: float) -> Bucket:
        b = self.buckets.get(key)
        if b is None:
            b = self.buckets[key] = Bucket(rate=rate, capacity=capacity)
        return b

    def check(self, method: str, now: float, *, channel: str | None = None) -> int:
        """Count one call; return 0 if allowed, else the whole seconds for ``Retry-After``."""
        if not self.limits.enabled:
            return 0
        lim = self.limits
        waits = []
        if method == "chat.postMessage":
            ws = lim.post_workspace_per_minute
            waits.append(self._bucket(("ws", method), ws / 60, ws).take(now))
            if channel:
                waits.append(
                    self._bucket(("channel", channel), lim.post_per_second, lim.post_burst).take(now)
                )
        elif method in METHOD_TIERS:
            per_min = lim.tiers[METHOD_TIERS[method]]
            waits.append(self._bucket(("tier", method), per_min / 60, per_min).take(now))
        wait = max(waits, default=0.0)
        return max(1, math.ceil(wait)) if wait > 0 else 0
