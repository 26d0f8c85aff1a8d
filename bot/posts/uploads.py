"""Files uploaded through the compose modal: kept beside the database, served at an unguessable URL, then deleted."""

from __future__ import annotations

import asyncio
import logging
import re
import secrets
from datetime import datetime
from pathlib import Path

from bot.deps import Deps
from storage import posts as rows
from storage.clock import iso

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


IMAGE_LIMIT, VIDEO_LIMIT = 8 * 1024 * 1024, 300 * 1024 * 1024
MEDIA_OF = {"image/jpeg": "image", "video/mp4": "video", "video/quicktime": "video"}


class UploadError(ValueError):
    """An uploaded file cannot be used; the message names the file and why."""


def kind_of(file: dict) -> str:
    """Return image or video for a Slack file object's type, or raise naming the file."""
    media = MEDIA_OF.get(file.get("mimetype") or "")
    if media is None:
        raise UploadError(f"`{file.get('name') or file.get('id')}` is not a JPEG image or MP4 video.")
    return media


def unavailable_reason(deps: Deps) -> str | None:
    """Why uploads cannot be offered (igbot needs a public URL Meta can fetch from), or None."""
    if not deps.config.public_url:
        return ("uploading needs IGBOT_PUBLIC_URL, the address Instagram fetches files from; "
                "paste public media URLs instead.")
    return None


def _looks_right(data: bytes, content_type: str) -> bool:
    if content_type == "image/jpeg":
        return data[:3] == b"\xff\xd8\xff"
    return data[4:8] == b"ftyp"


async def fetch_from_slack(deps: Deps, file_id: str) -> tuple[bytes, str, str]:
    """Download a file the person uploaded (files.info, then url_private_download with the bot token).

    Return (bytes, content type, name); raise UploadError naming the file when it cannot be used.
    """
    import aiohttp
    from slack_sdk.errors import SlackApiError

    try:
        info = (await deps.slack.files_info(file=file_id))["file"]
    except SlackApiError as exc:
        raise UploadError(f"Slack did not give me the file {file_id} ({exc.response.get('error')}).") from None
    name = info.get("name") or file_id
    content_type = info.get("mimetype") or ""
    media = kind_of(info)
    limit = IMAGE_LIMIT if media == "image" else VIDEO_LIMIT
    if int(info.get("size") or 0) > limit:
        raise UploadError(f"`{name}` is {int(info['size']) / 1e6:.0f} MB; the limit is {limit // 2**20} MB.")
    try:
        async with deps.http.get(info["url_private_download"], allow_redirects=False,
                                 headers={"Authorization": f"Bearer {deps.config.slack_bot_token}"},
                                 timeout=aiohttp.ClientTimeout(total=120)) as resp:
            if resp.status != 200:
                raise UploadError(f"Slack answered {resp.status} when I downloaded `{name}`; upload it again.")
            data = await resp.content.read(limit + 1)
    except (aiohttp.ClientError, TimeoutError, KeyError):
        raise UploadError(f"I could not download `{name}` from Slack; upload it again.") from None
    if len(data) > limit:
        raise UploadError(f"`{name}` is larger than {limit // 2**20} MB.")
    if not _looks_right(data, content_type):
        raise UploadError(f"`{name}` is not really a {'JPEG' if media == 'image' else 'MP4'} file.")
    return data, content_type, name


TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_-]{32,64}$")


async def servable(deps: Deps, token: str, *, now: datetime) -> dict | None:
    """The upload behind a token while it may be served (its post not published/cancelled over 24 h ago)."""
    if not TOKEN_SHAPE.match(token):
        return None
    upload = await deps.store.run(rows.get_upload, token)
    if upload is None or (upload.get("expires_at") and upload["expires_at"] <= iso(now)):
        return None
    if not await asyncio.to_thread(Path(upload["path"]).is_file):
        return None
    return upload
