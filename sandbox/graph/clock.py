"""Injectable clocks: the emulator reads time only through one of these."""

from __future__ import annotations

import time
from collections.abc import Callable

Clock = Callable[[], float]


class FakeClock:
    """A manual clock for tests (starts 2026-11-18): call it for epoch seconds, move it with ``advance``."""

    def __init__(self, start: float = 1_795_000_000.0) -> None:
        self.now = float(start)

    def __call__(self) -> float:
        """Return the current fake time in epoch seconds."""
        return self.now

    def advance(self, seconds: float) -> float:
        """Move the clock forward and return the new time."""
        if seconds < 0:
            raise ValueError("a clock does not go backwards")
        self.now += seconds
        return self.now

    def set(self, epoch: float) -> None:
        """Jump to an absolute time (forward only)."""
        self.advance(epoch - self.now)


def system_clock() -> float:
    """Return real epoch seconds."""
    return time.time()
