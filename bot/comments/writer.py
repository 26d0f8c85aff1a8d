"""Writing webhook changes to the inbox: deliveries that arrive together share one transaction (group commit)."""

from __future__ import annotations

import asyncio

from storage import inbox as inbox_rows
from storage.db import Store


class InboxWriter:
    """Store deliveries durably, each answered only once the transaction holding its changes has committed.

    While one transaction is being written, deliveries that arrive wait for the next one, so under load many
    deliveries cost one trip to the database thread and one commit instead of one each; alone, a delivery is
    written at once.

    Example::

        new, duplicates = await writer.add(store, changes, source="webhook")
    """

    def __init__(self) -> None:
        self._waiting: list[tuple[list[dict], str, asyncio.Future]] = []
        self._task: asyncio.Task | None = None

    async def add(self, store: Store, changes: list[dict], *, source: str) -> tuple[int, int]:
        """Store changes with the next transaction; return (new, duplicates) once it has committed."""
        future = asyncio.get_running_loop().create_future()
        self._waiting.append((changes, source, future))
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._write(store), name="igbot-inbox-writer")
        return await future

    async def _write(self, store: Store) -> None:
        while self._waiting:
            batch, self._waiting = self._waiting, []
            try:
                results = await store.run(inbox_rows.add_deliveries, [(changes, source) for changes, source, _ in
                                                                      batch])
            except BaseException as exc:  # every delivery of the batch fails (500: Meta sends it again)
                for *_, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                if isinstance(exc, asyncio.CancelledError):
                    raise
                continue
            for (*_, future), result in zip(batch, results, strict=True):
                if not future.done():
                    future.set_result(result)
