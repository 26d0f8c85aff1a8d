"""The chart in Slack: files v2 upload (URL, bytes, complete), processing check, thread fallback."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from slack_sdk.web.async_client import AsyncWebClient


class ChartUploadError(Exception):
    """Slack did not take the chart's bytes."""


async def upload(slack: AsyncWebClient, http: aiohttp.ClientSession, png: bytes, *, filename: str, title: str,
                 alt: str, channel_id: str | None = None, thread_ts: str | None = None) -> str:
    """Upload a PNG with Slack's v2 flow and return its file id (shared only when a channel is given)."""
    reserved = await slack.files_getUploadURLExternal(filename=filename, length=len(png), alt_txt=alt)
    async with http.post(reserved["upload_url"], data=png,
                         headers={"Content-Type": "application/octet-stream"}) as resp:
        if resp.status != 200:
            raise ChartUploadError(f"Slack answered {resp.status} to the chart upload")
    extra: dict[str, Any] = {}
    if channel_id:
        extra["channel_id"] = channel_id
        if thread_ts:
            extra["thread_ts"] = thread_ts
    await slack.files_completeUploadExternal(files=[{"id": reserved["file_id"], "title": title}], **extra)
    return reserved["file_id"]


async def processed(slack: AsyncWebClient, file_id: str) -> bool:
    """Return True once Slack has finished processing an image (files.info shows its thumbnails)."""
    info = await slack.files_info(file=file_id)
    file = info.get("file") or {}
    return "original_w" in file or any(key.startswith("thumb_") for key in file)


async def wait_processed(slack: AsyncWebClient, file_id: str, *, sleep: Callable[[float], Awaitable[Any]],
                         delay: float) -> bool:
    """Check whether a file can be shown; if not, wait once and check again."""
    if await processed(slack, file_id):
        return True
    await sleep(delay)
    return await processed(slack, file_id)
