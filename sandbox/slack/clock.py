"""Clocks for the emulator: the real one and a manual one for fast tests."""

from __future__ import annotations

import time


class ManualClock:
    """A clock that moves only when told to; call it to read the time.

    :param start: the starting time in epoch seconds; defaults to the real time now, so request
        signatures made with it are still accepted by a receiver that checks them with the real clock.
    """

    def __init__(self, start: float | None = None) -> None:
        self.now = time.time() if start is None else float(start)

    def __call__(self) -> float:
        """Return the current time in epoch seconds."""
        return self.now

    def advance(self, seconds: float) -> float:
        """Move the clock forward and return the new time."""
        self.now += seconds
        return self.now


def real_clock() -> float:
    """Return the real time in epoch seconds."""
    return time.time()
