"""Named wake-up signals: a producer (a webhook, a click) tells a worker loop that work is waiting."""

from __future__ import annotations

import asyncio
import contextlib
from collections import defaultdict


class Wakeups:
    """One asyncio.Event per worker name.

    Example::

        deps.wakeups.wake("inbox")                    # after storing work
        await deps.wakeups.wait("inbox", timeout=1)   # in the worker loop
    """

    def __init__(self) -> None:
        self._events: defaultdict[str, asyncio.Event] = defaultdict(asyncio.Event)

    def wake(self, name: str) -> None:
        """Wake the worker called name (no effect if it is busy; it will look again)."""
        self._events[name].set()

    async def wait(self, name: str, timeout: float) -> None:
        """Sleep until woken or until timeout passes, then re-arm."""
        event = self._events[name]
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(event.wait(), timeout=timeout)
        event.clear()
