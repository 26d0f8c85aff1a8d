"""Tokens at rest: Fernet encryption under IGBOT_SECRET_KEY or a key file beside the database."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken
from sqlite_utils import Database

from storage.meta import get_meta, set_meta

log = logging.getLogger(__name__)
KEY_CHECK = b"igbot key check"


class SecretKeyError(Exception):
    """The secret key is missing, unreadable or not the one this database was created with."""


class KeyMismatch(SecretKeyError):
    """The key is not the one the database was created with; the opener names the files and the way out."""


def new_key() -> str:
    """Return a fresh key for IGBOT_SECRET_KEY."""
    return Fernet.generate_key().decode()


def key_file_for(db_path: str) -> Path:
    """Return where the key file for this database lives."""
    return Path(f"{db_path}.key")


def load_or_create_key(secret_key: str, db_path: str, *, create: bool = True, announce: bool = True) -> str:
    """Return the configured key, or the key file's (created with mode 0600 if missing and create is set;
    with announce, a warning says to back it up)."""
    if secret_key:
        return secret_key
    path = key_file_for(db_path)
    if path.exists():
        try:
            key = path.read_text().strip()
            Fernet(key.encode())
        except (OSError, ValueError) as exc:
            raise SecretKeyError(f"The key file {path} cannot be used ({type(exc).__name__}); restore it "
                                 "from a backup or set IGBOT_SECRET_KEY.") from exc
        return key
    if not create:
        raise SecretKeyError(f"IGBOT_SECRET_KEY is not set and there is no key file {path}: set IGBOT_SECRET_KEY "
                             "to the key the database was created with.")
    key = new_key()
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(key + "\n")
    except OSError as exc:
        raise SecretKeyError(f"Cannot create the key file {path}: {exc.strerror}. Set IGBOT_SECRET_KEY "
                             "(generate one with `igbot keygen`).") from exc
    if announce:
        log.warning("IGBOT_SECRET_KEY is not set: created the key file %s (mode 0600). Back it up: without it "
                    "the stored tokens cannot be read.", path)
    return key


class TokenCipher:
    """Encrypt and decrypt access tokens with one Fernet key."""

    def __init__(self, key: str):
        self._fernet = Fernet(key.encode())

    def encrypt(self, token: str) -> str:
        """Return the ciphertext of a token."""
        return self._fernet.encrypt(token.encode()).decode()

    def decrypt(self, ciphertext: str) -> str:
        """Return the token behind a ciphertext; raise SecretKeyError under a wrong key."""
        try:
            return self._fernet.decrypt(ciphertext.encode()).decode()
        except InvalidToken as exc:
            raise SecretKeyError("A stored token cannot be decrypted with the current key: IGBOT_SECRET_KEY "
                                 "(or the key file) is not the one the token was saved with.") from exc

    def check_database(self, db: Database, *, bind: bool = True) -> None:
        """Bind the key to the database on first use (if bind is set); raise KeyMismatch for a different key."""
        stored = get_meta(db, "key_check")
        if stored is None:
            if bind:
                set_meta(db, "key_check", self._fernet.encrypt(KEY_CHECK).decode())
            return
        try:
            ok = self._fernet.decrypt(stored.encode()) == KEY_CHECK
        except InvalidToken:
            ok = False
        if not ok:
            raise KeyMismatch("the key is not the one this database was created with")
