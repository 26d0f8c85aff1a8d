"""This process's identity in the database, its heartbeat, and the rescue of work that dead processes leased.

Every process registers itself at start-up (id, host, pid) and beats every few seconds; each beat extends the
leases its workers hold, so a lease can stay short. At start-up and on every beat, the work of an instance that
is dead is released at once: one whose heartbeat is stale, or one on this host whose process is gone (a
restart after `kill -9` finds its predecessor's pid dead and takes over in well under a second).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from storage import instances as rows
from storage.clock import parse
from storage.db import Store

log = logging.getLogger(__name__)
HEARTBEAT_SECONDS = 2.0
STALE_AFTER = timedelta(seconds=15)  # no heartbeat for this long: the instance is dead
LEASE_SECONDS = 30.0  # every worker lease; the heartbeat renews it while its holder works


def pid_alive(pid: int) -> bool:
    """Return whether a process with this pid runs on this host."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class Instance:
    """One igbot process as the database knows it.

    Example::

        instance = Instance.create()
        await instance.start(store)            # register, release what dead instances held
        async with instance.working("posts") as worker:  # the id it claims leases with
            ...
        deps.workers.spawn("heartbeat", partial(instance.run, store))
    """

    id: str
    host: str
    pid: int
    clock: Callable[[], datetime] = _utcnow
    alive: Callable[[int], bool] = pid_alive
    rescued: dict[str, int] = field(default_factory=dict)
    last_beat: datetime | None = None
    active: set[str] = field(default_factory=set)  # the workers at work now: their leases are renewed

    @classmethod
    def create(cls, *, clock: Callable[[], datetime] = _utcnow) -> Instance:
        """Make this process's identity (call once, at start-up)."""
        return cls(id=uuid.uuid4().hex[:12], host=socket.gethostname(), pid=os.getpid(), clock=clock)

    @contextlib.asynccontextmanager
    async def working(self, role: str) -> AsyncIterator[str]:
        """Give a piece of work (a worker loop's life, one tick step) its worker id, renewed while it runs.

        When it ends, however it ends, the heartbeat stops renewing its leases: what it still holds comes free
        within LEASE_SECONDS, even while this process lives on.
        """
        worker = f"{self.id}/{role}/{uuid.uuid4().hex[:6]}"
        self.active.add(worker)
        try:
            yield worker
        finally:
            self.active.discard(worker)

    def is_dead(self, other: dict) -> bool:
        """Whether another registered instance is dead: stale heartbeat, or a gone process on this host."""
        if parse(other["heartbeat_at"]) < self.clock() - STALE_AFTER:
            return True
        return other["host"] == self.host and other["pid"] != self.pid and not self.alive(other["pid"])

    async def start(self, store: Store) -> None:
        """Register, then release the work of instances that are dead."""
        self.last_beat = self.clock()
        await store.run(rows.register, instance_id=self.id, host=self.host, pid=self.pid, now=self.last_beat)
        await self.rescue(store)

    async def beat(self, store: Store) -> None:
        """Heartbeat: move the leases of the workers at work on by the time since the last beat, then release
        the work of dead instances."""
        now = self.clock()
        extend_by, self.last_beat = now - (self.last_beat or now), now
        if not await store.run(rows.beat, self.id, now=now, extend_by=extend_by, workers=sorted(self.active)):
            log.warning("instance %s was taken for dead (no heartbeat for %s s); registering again",
                        self.id, STALE_AFTER.total_seconds())
            await store.run(rows.register, instance_id=self.id, host=self.host, pid=self.pid, now=now)
        await self.rescue(store)

    async def rescue(self, store: Store) -> dict[str, int]:
        """Release everything dead instances leased; return how many rows per table."""
        dead = [other for other in await store.run(rows.others, self.id) if self.is_dead(other)]
        if not dead:
            return {}
        released = await store.run(rows.rescue, [other["id"] for other in dead])
        for table, count in released.items():
            self.rescued[table] = self.rescued.get(table, 0) + count
        log.info("released the work of %d stopped instance(s) (%s): %s", len(dead),
                 ", ".join(f"{o['host']}:{o['pid']}" for o in dead),
                 ", ".join(f"{n} {t}" for t, n in released.items()) or "nothing was leased")
        return released

    async def run(self, store: Store, *, every: float = HEARTBEAT_SECONDS) -> None:
        """Beat forever."""
        while True:
            await asyncio.sleep(every)
            await self.beat(store)

    async def stop(self, store: Store) -> None:
        """A clean stop: release what this instance holds and remove it (if the database fails now, the next
        process to start rescues the work as from a dead instance)."""
        try:
            await store.run(rows.retire, self.id)
        except Exception as exc:  # stopping must go on; nothing is lost
            log.warning("instance %s could not release its work on stopping: %s", self.id, exc)
