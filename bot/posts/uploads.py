"""Files uploaded through the compose modal: kept beside the database, served at an unguessable URL, then deleted."""

from __future__ import annotations

import asyncio
import logging
import secrets
from datetime import datetime
from pathlib import Path

from bot.deps import Deps
from storage import posts as rows

log = logging.getLogger(__name__)
CONTENT_TYPES = {"image/jpeg": ".jpg", "video/mp4": ".mp4", "video/quicktime": ".mov"}


def folder_of(deps: Deps) -> Path:
    """The folder beside the database that holds uploaded media."""
    db = deps.config.db_path
    base = Path(db).expanduser().resolve().parent if db != ":memory:" else Path.cwd()
    return base / "igbot-media"


def public_url(deps: Deps, token: str) -> str:
    """The URL Meta fetches an upload from."""
    return f"{deps.config.public_url.rstrip('/')}/media/{token}"


async def keep(deps: Deps, data: bytes, content_type: str, *, now: datetime) -> str:
    """Store uploaded bytes under a new unguessable token; return the token."""
    token = secrets.token_urlsafe(32)
    folder = folder_of(deps)
    await asyncio.to_thread(folder.mkdir, parents=True, exist_ok=True, mode=0o700)
    path = folder / f"{token}{CONTENT_TYPES.get(content_type, '')}"
    await asyncio.to_thread(path.write_bytes, data)
    await deps.store.run(rows.add_upload, token=token, path=str(path), content_type=content_type, size=len(data),
                         now=now)
    return token


async def remove_expired(deps: Deps, *, now: datetime) -> int:
    """Delete files whose post was published or cancelled more than 24 h ago; return how many."""
    removed = 0
    for upload in await deps.store.run(rows.expired_uploads, now=now):
        try:
            await asyncio.to_thread(Path(upload["path"]).unlink, missing_ok=True)
        except OSError as exc:
            log.warning("could not delete an uploaded file: %s", exc.strerror)
            continue
        await deps.store.run(rows.remove_upload, upload["token"])
        removed += 1
    return removed
