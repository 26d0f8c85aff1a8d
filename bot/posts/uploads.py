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


IMAGE_LIMIT, VIDEO_LIMIT, STORY_VIDEO_LIMIT = 8 * 1024 * 1024, 300 * 1024 * 1024, 100 * 1024 * 1024
MEDIA_OF = {"image/jpeg": "image", "video/mp4": "video", "video/quicktime": "video"}


class UploadError(ValueError):
    """An uploaded file cannot be used; the message names the file and why."""


def kind_of(file: dict) -> str:
    """Return image or video for a Slack file object's type, or raise naming the file."""
    media = MEDIA_OF.get(file.get("mimetype") or "")
    if media is None:
        raise UploadError(f"`{file.get('name') or file.get('id')}` is not a JPEG image or MP4 video.")
    return media


def size_problem(file: dict, *, story: bool) -> str | None:
    """Say why an uploaded file is too big for Instagram (JPEG 8 MB, videos 300 MB, story videos 100 MB), or None."""
    media = kind_of(file)
    limit = IMAGE_LIMIT if media == "image" else STORY_VIDEO_LIMIT if story else VIDEO_LIMIT
    size = int(file.get("size") or 0)
    if size > limit:
        name = file.get("name") or file.get("id")
        return f"`{name}` is {size / 2**20:.0f} MB; Instagram accepts at most {limit // 2**20} MB here."
    return None


def unavailable_reason(deps: Deps) -> str | None:
    """Why uploads cannot be offered (igbot needs a public URL Meta can fetch from), or None."""
    if not deps.config.public_url:
        return ("uploading needs IGBOT_PUBLIC_URL, the address Instagram fetches files from; "
                "paste public media URLs instead.")
    return None


QUICKTIME_ATOMS = (b"ftyp", b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot")
CHUNK = 256 * 1024


def _looks_right(head: bytes, content_type: str) -> bool:
    """Whether the first bytes are what the type claims (JPEG SOI; an MP4/MOV top-level atom)."""
    if content_type == "image/jpeg":
        return head[:3] == b"\xff\xd8\xff"
    if content_type == "video/quicktime":
        return head[4:8] in QUICKTIME_ATOMS
    return head[4:8] == b"ftyp"


def _discard(path: Path) -> None:
    path.unlink(missing_ok=True)


async def fetch_from_slack(deps: Deps, file_id: str, *, now: datetime) -> tuple[str, str]:
    """Download a file the person uploaded (files.info, then url_private_download with the bot token) to disk.

    The bytes are streamed into the media folder (never held whole in memory) and kept under a new unguessable
    token. Return (token, content type); raise UploadError naming the file when it cannot be used.
    """
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
    token = secrets.token_urlsafe(32)
    folder = folder_of(deps)
    await asyncio.to_thread(folder.mkdir, parents=True, exist_ok=True, mode=0o700)
    final = folder / f"{token}{CONTENT_TYPES.get(content_type, '')}"
    partial = folder / f"{token}.part"
    try:
        size = await _download(deps, info, partial, name=name, content_type=content_type, limit=limit)
        await asyncio.to_thread(partial.rename, final)
    except BaseException:
        await asyncio.to_thread(_discard, partial)
        raise
    await deps.store.run(rows.add_upload, token=token, path=str(final), content_type=content_type, size=size,
                         now=now)
    return token, content_type


async def _download(deps: Deps, info: dict, path: Path, *, name: str, content_type: str, limit: int) -> int:
    """Stream url_private_download into path, checking the first bytes and the size; return the size."""
    import aiohttp

    size, head = 0, b""
    try:
        async with deps.http.get(info["url_private_download"], allow_redirects=False,
                                 headers={"Authorization": f"Bearer {deps.config.slack_bot_token}"},
                                 timeout=aiohttp.ClientTimeout(total=600, sock_read=60)) as resp:
            if resp.status != 200:
                raise UploadError(f"Slack answered {resp.status} when I downloaded `{name}`; upload it again.")
            out = await asyncio.to_thread(path.open, "wb")
            try:
                async for chunk in resp.content.iter_chunked(CHUNK):
                    size += len(chunk)
                    if size > limit:
                        raise UploadError(f"`{name}` is larger than {limit // 2**20} MB.")
                    if len(head) < 16:
                        head = (head + chunk)[:16]
                    await asyncio.to_thread(out.write, chunk)
            finally:
                await asyncio.to_thread(out.close)
    except (aiohttp.ClientError, TimeoutError, KeyError):
        raise UploadError(f"I could not download `{name}` from Slack; upload it again.") from None
    if size == 0 or not _looks_right(head, content_type):
        raise UploadError(f"`{name}` is not really a {'JPEG' if content_type == 'image/jpeg' else 'MP4/MOV'} file.")
    return size


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
