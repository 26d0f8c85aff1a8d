"""Long-running background tasks, supervised: a crashed worker is logged and restarted."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)


class Workers:
    """Start, watch and stop the process's background loops."""

    def __init__(self, restart_delay: float = 1.0):
        self._tasks: dict[str, asyncio.Task] = {}
        self._restart_delay = restart_delay

    def spawn(self, name: str, loop_fn: Callable[[], Awaitable[None]]) -> None:
        """Run loop_fn forever under supervision."""
        self._tasks[name] = asyncio.create_task(self._supervise(name, loop_fn), name=f"igbot-{name}")

    async def _supervise(self, name: str, loop_fn: Callable[[], Awaitable[None]]) -> None:
        while True:
            try:
                await loop_fn()
                return
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("worker %s crashed; restarting in %.0f s", name, self._restart_delay)
                await asyncio.sleep(self._restart_delay)

    def alive(self) -> dict[str, bool]:
        """Return each worker's name and whether it is still running."""
        return {name: not task.done() for name, task in self._tasks.items()}

    async def stop(self) -> None:
        """Cancel every worker and wait for them to finish."""
        for task in self._tasks.values():
            task.cancel()
        await asyncio.gather(*self._tasks.values(), return_exceptions=True)
        self._tasks.clear()
