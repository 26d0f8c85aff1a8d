"""Opening the database for a command: key check and the sandbox/production boundary."""

from __future__ import annotations

import errno
import socket
from pathlib import Path

from bot.cipher import KeyMismatch, SecretKeyError, TokenCipher, key_file_for, load_or_create_key
from bot.config import Config
from storage import accounts as account_rows
from storage import tokens as token_rows
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
    return account_rows.count_accounts(db) == 0 and get_meta(db, "key_check") is None


def mark_sandbox(db) -> None:
    """Mark the database as the sandbox's, so `serve` refuses it."""
    set_meta(db, "sandbox", "1")


def open_store(config: Config, *, sandbox: bool = False, create: bool = True) -> tuple[Store, TokenCipher]:
    """Open the database and its key; refuse to mix sandbox and production databases.

    Without create, nothing is made: no database, no key file, no key bound to the database.
    """
    if not create and config.db_path != ":memory:" and not Path(config.db_path).exists():
        raise StartupError(f"the database {config.db_path} does not exist yet. `igbot serve` creates it (so does "
                           "`igbot accounts add`); if igbot already ran elsewhere, set IGBOT_DB to that "
                           "database's absolute path.")
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
        cipher = TokenCipher(load_or_create_key(config.secret_key, config.db_path, create=create,
                                                announce=not sandbox))
        store.run_sync(cipher.check_database, bind=create)
    except KeyMismatch:
        message = mismatch_message(config, store.run_sync(token_rows.count_tokens))
        store.close()
        raise StartupError(message) from None
    except (StartupError, SecretKeyError) as exc:
        store.close()
        raise StartupError(str(exc)) from None
    return store, cipher


def mismatch_message(config: Config, tokens: int) -> str:
    """Explain a key that does not open the database: which key, which files, and the way out."""
    key_file = key_file_for(config.db_path)
    which = "IGBOT_SECRET_KEY" if config.secret_key else f"the key in {key_file}"
    said = f"{which} is not the key the database {config.db_path} was created with"
    if tokens:
        return (f"{said}, so its {tokens} stored token(s) cannot be read. Set IGBOT_SECRET_KEY to the original "
                f"key (or restore the key file {key_file}).")
    extra = f", and the key file {key_file}" if key_file.exists() else ""
    return (f"{said}. It holds no tokens yet, so nothing is lost by starting again: remove {config.db_path} (with "
            f"its -wal and -shm files{extra}) and run the command again; or set the original key.")
