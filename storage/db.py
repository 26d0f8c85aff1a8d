"""The Store: one SQLite connection owned by one worker thread, so the event loop never blocks."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import ParamSpec, TypeVar

from sqlite_utils import Database

from storage.migrations import migrations

P = ParamSpec("P")
T = TypeVar("T")


class StorageError(Exception):
    """The database cannot be opened or used; the message says why and what to do."""


class WriteDatabase(Database):
    """A Database whose transactions take the write lock when they begin (BEGIN IMMEDIATE).

    With a plain BEGIN, a transaction that reads first and writes later fails at once with "database is
    locked" when another process (a second igbot, the CLI) wrote in between; taken up front, the lock is
    waited for (busy_timeout) instead.
    """

    @contextmanager
    def atomic(self) -> Iterator[Database]:
        """Run the block in one transaction (a savepoint when nested)."""
        if self.conn.in_transaction:
            with super().atomic():
                yield self
            return
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self
        except BaseException:
            self.rollback()
            raise
        try:
            self.conn.execute("COMMIT")
        except BaseException:
            self.rollback()
            raise


def open_database(path: str) -> Database:
    """Open (creating if needed) the database at path, set pragmas and apply pending migrations."""
    if path != ":memory:":
        folder = Path(path).expanduser().resolve().parent
        if not folder.is_dir():
            raise StorageError(f"Cannot open the database {path}: the folder {folder} does not exist. "
                               "Create it or point IGBOT_DB elsewhere.")
    try:
        conn = sqlite3.connect(path, timeout=10, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA busy_timeout = 10000")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA foreign_keys = ON")
        db = WriteDatabase(conn, execute_plugins=False)
        migrations.apply(db)
    except sqlite3.Error as exc:
        raise StorageError(f"Cannot open the database {path}: {exc}. Check that the file and its folder "
                           "are writable by this user, or point IGBOT_DB elsewhere.") from exc
    return db


class Store:
    """Run storage functions `fn(db, ...)` on the single database thread.

    Example::

        store = Store.open("igbot.db")
        account = await store.run(accounts.get_account_by_username, "shop")
    """

    def __init__(self, db: Database, executor: ThreadPoolExecutor):
        self._db = db
        self._executor = executor

    @classmethod
    def open(cls, path: str) -> Store:
        """Open the database on a fresh worker thread."""
        executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="igbot-db")
        try:
            db = executor.submit(open_database, path).result()
        except BaseException:
            executor.shutdown(wait=False)
            raise
        return cls(db, executor)

    async def run(self, fn: Callable[..., T], *args: object, **kwargs: object) -> T:
        """Run fn(db, *args, **kwargs) on the database thread and return its result."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, partial(fn, self._db, *args, **kwargs))

    def run_sync(self, fn: Callable[..., T], *args: object, **kwargs: object) -> T:
        """Run fn(db, …) on the database thread from synchronous code (the CLI)."""
        return self._executor.submit(fn, self._db, *args, **kwargs).result()

    def close(self) -> None:
        """Close the connection and stop the thread."""
        self._executor.submit(self._db.close).result()
        self._executor.shutdown(wait=True)
