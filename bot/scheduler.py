"""The APScheduler 3.x AsyncIOScheduler that runs the tick and the periodic jobs."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC

from apscheduler.schedulers.asyncio import AsyncIOScheduler

TickTask = Callable[[], Awaitable[None]]


@dataclass
class Heartbeat:
    """When the scheduler last fired its heartbeat job, so /healthz can tell a stalled scheduler.

    The job does nothing but beat: a tick that runs long (many posts due) does not make the scheduler look dead.
    """

    last_tick: float = field(default_factory=time.monotonic)

    def beat(self) -> None:
        """Record that the scheduler fired a job now."""
        self.last_tick = time.monotonic()

    async def job(self) -> None:
        """The scheduler's heartbeat job (a coroutine, so APScheduler runs it on the event loop)."""
        self.beat()

    def stale(self, tick_seconds: int) -> bool:
        """Return True when the scheduler has not fired the heartbeat for three tick periods."""
        return time.monotonic() - self.last_tick > 3 * tick_seconds + 5


def build_scheduler(*, tick_seconds: int, tick: TickTask, jobs: list[tuple[str, int, TickTask]],
                    heartbeat: Heartbeat) -> AsyncIOScheduler:
    """Create the scheduler with the heartbeat, the tick and the periodic jobs (call start() inside the running
    loop)."""
    scheduler = AsyncIOScheduler(timezone=UTC)
    scheduler.add_job(heartbeat.job, "interval", seconds=tick_seconds, id="heartbeat", name="heartbeat",
                      replace_existing=True, coalesce=True, max_instances=1, misfire_grace_time=tick_seconds)
    scheduler.add_job(tick, "interval", seconds=tick_seconds, id="tick", name="tick", replace_existing=True,
                      coalesce=True, max_instances=1, misfire_grace_time=tick_seconds)
    for job_id, seconds, fn in jobs:
        scheduler.add_job(fn, "interval", seconds=seconds, id=job_id, name=job_id, replace_existing=True,
                          coalesce=True, max_instances=1, misfire_grace_time=seconds)
    return scheduler


async def stop_scheduler(scheduler: AsyncIOScheduler) -> None:
    """Shut the scheduler down and let running jobs finish their current await."""
    if scheduler.running:
        scheduler.shutdown(wait=False)
        await asyncio.sleep(0.01)
