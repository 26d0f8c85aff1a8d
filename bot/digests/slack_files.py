"""The chart in Slack: files v2 upload (URL, bytes, complete), processing check, thread fallback.

Each Slack call that answers 429 is tried again after its Retry-After (an async wait: other digests go on), so
a morning of many digests is paced by Slack's per-method limits instead of losing its charts to the thread.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

Sleep = Callable[[float], Awaitable[Any]]
RATE_LIMIT_WAIT = 180.0  # a call still limited after this many seconds of waits fails (the chart goes to the thread)


class ChartUploadError(Exception):
    """Slack did not take the chart's bytes."""


async def paced(call: Callable[[], Awaitable[Any]], sleep: Sleep) -> Any:
    """Make a Slack Web API call, waiting out each 429 (Retry-After) for up to RATE_LIMIT_WAIT seconds in all."""
    waited = 0.0
    while True:
        try:
            return await call()
        except SlackApiError as exc:
            if exc.response.status_code != 429 or waited >= RATE_LIMIT_WAIT:
                raise
            wait = float(exc.response.headers.get("Retry-After", 1))
            waited += wait
            await sleep(wait)


async def upload(slack: AsyncWebClient, http: aiohttp.ClientSession, png: bytes, *, filename: str, title: str,
                 alt: str, channel_id: str | None = None, thread_ts: str | None = None,
                 sleep: Sleep = asyncio.sleep) -> str:
    """Upload a PNG with Slack's v2 flow and return its file id (shared only when a channel is given)."""
    reserved = await paced(lambda: slack.files_getUploadURLExternal(filename=filename, length=len(png),
                                                                     alt_txt=alt), sleep)
    async with http.post(reserved["upload_url"], data=png,
                         headers={"Content-Type": "application/octet-stream"}) as resp:
        if resp.status != 200:
            raise ChartUploadError(f"Slack answered {resp.status} to the chart upload")
    extra: dict[str, Any] = {}
    if channel_id:
        extra["channel_id"] = channel_id
        if thread_ts:
            extra["thread_ts"] = thread_ts
    await paced(lambda: slack.files_completeUploadExternal(files=[{"id": reserved["file_id"], "title": title}],
                                                           **extra), sleep)
    return reserved["file_id"]


async def processed(slack: AsyncWebClient, file_id: str, *, sleep: Sleep = asyncio.sleep) -> bool:
    """Return True once Slack has finished processing an image (files.info shows its thumbnails)."""
    info = await paced(lambda: slack.files_info(file=file_id), sleep)
    file = info.get("file") or {}
    return "original_w" in file or any(key.startswith("thumb_") for key in file)


async def wait_processed(slack: AsyncWebClient, file_id: str, *, sleep: Sleep, delay: float) -> bool:
    """Give Slack `delay` seconds to process a file (an async wait), then check once whether it can be shown."""
    await sleep(delay)
    return await processed(slack, file_id, sleep=sleep)
