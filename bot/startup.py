"""Opening the database for a command: key check and the sandbox/production boundary."""

from __future__ import annotations

import errno
import socket

from bot.config import Config
from bot.secrets import SecretKeyError, TokenCipher, load_or_create_key
from storage.db import StorageError, Store
from storage.meta import get_meta, set_meta


class StartupError(Exception):
    """igbot cannot start; the message says why and what to do."""


class PortInUse(StartupError):
    """The port igbot should listen on is taken by another process."""


def listen_socket(host: str, port: int, *, hint: str) -> socket.socket:
    """Bind and listen on host:port before anything else starts, so a taken port fails in one line.

    hint says how to pick another port (it differs between `serve` and the sandbox commands).
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        return socket.create_server((host, port), family=family, backlog=128)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise PortInUse(f"port {port} on {host} is already in use; {hint}.") from None
        raise StartupError(f"cannot listen on {host}:{port}: {exc.strerror or exc}.") from None


def is_fresh(db) -> bool:
    """Return True when the database holds no accounts and no bound key yet."""
    return db["accounts"].count == 0 and get_meta(db, "key_check") is None


def mark_sandbox(db) -> None:
    """Mark the database as the sandbox's, so `serve` refuses it."""
    set_meta(db, "sandbox", "1")


def open_store(config: Config, *, sandbox: bool = False) -> tuple[Store, TokenCipher]:
    """Open the database and its key; refuse to mix sandbox and production databases."""
    try:
        store = Store.open(config.db_path)
    except StorageError as exc:
        raise StartupError(str(exc)) from None
    try:
        is_sandbox_db = store.run_sync(get_meta, "sandbox") == "1"
        if sandbox and not is_sandbox_db:
            if not store.run_sync(is_fresh):
                raise StartupError(f"{config.db_path} is not a sandbox database; the sandbox will not touch "
                                   "it. Unset IGBOT_DB or point it at a new file.")
            store.run_sync(mark_sandbox)
        if not sandbox and is_sandbox_db:
            raise StartupError(f"{config.db_path} is a sandbox database (made by `igbot demo` or "
                               "`igbot sandbox`); point IGBOT_DB at another file for `igbot serve`.")
        cipher = TokenCipher(load_or_create_key(config.secret_key, config.db_path))
        store.run_sync(cipher.check_database)
    except (StartupError, SecretKeyError) as exc:
        store.close()
        raise StartupError(str(exc)) from None
    return store, cipher
