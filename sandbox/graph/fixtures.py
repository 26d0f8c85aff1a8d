"""Media URLs Meta "downloads": a fixture table, any ``https`` URL by its extension, real loopback fetches.

Lookup order: the fixture table (``default_fixtures`` plus ``add_media_fixture``); a URL on loopback whose path
has ``/media/`` is fetched for real; a URL with a path segment ``fail`` (``https://cdn.example/fail/a.jpg``)
cannot be downloaded (9004/2207052); any other ``https`` URL is served by its extension: ``.jpg``/``.jpeg`` a
1080×1350 JPEG, ``.mp4``/``.mov`` a 20-second 1080×1920 video, other image or video types (``.png``,
``.avi`` …) with their own type, which Meta then refuses as it would. Anything else cannot be downloaded.
"""

from __future__ import annotations

import mimetypes
import struct
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import aiohttp

from .errors import GraphError

MB = 1024 * 1024


@dataclass
class MediaFixture:
    """What fetching one URL yields (or how it fails)."""

    url: str
    content_type: str = "image/jpeg"
    size: int = 300_000
    width: int | None = 1080
    height: int | None = 1080
    duration: float | None = None  # seconds, videos only
    fail_code: tuple[int, int] | None = None  # (code, subcode) answered at container creation
    processing_error: int | None = None  # subcode of an ERROR status after processing (videos)
    processing_seconds: float | None = None  # overrides the emulator's video processing delay


def _img(path: str, w: int, h: int, size: int = 350_000, ctype: str = "image/jpeg", **kw) -> MediaFixture:
    return MediaFixture(f"https://cdn.example/img/{path}", ctype, size, w, h, **kw)


def _vid(path: str, seconds: float, size: int = 12 * MB, ctype: str = "video/mp4", **kw) -> MediaFixture:
    return MediaFixture(f"https://cdn.example/video/{path}", ctype, size, 1080, 1920, seconds, **kw)


def default_fixtures() -> list[MediaFixture]:
    """Return the built-in fixture table (documented in the package docstring)."""
    return [
        _img("square.jpg", 1080, 1080),
        _img("portrait.jpg", 1080, 1350),
        _img("landscape.jpg", 1080, 566),
        _img("story.jpg", 1080, 1920),
        _img("cover.jpg", 1080, 1920, 200_000),
        _img("photo1.jpg", 1080, 1080),
        _img("photo2.jpg", 1080, 1080),
        _img("photo3.jpg", 1080, 1080),
        _img("panorama.jpg", 3000, 1000),  # aspect ratio 3:1 -> 36003 on the feed
        _img("too-big.jpg", 4000, 4000, 9 * MB),  # > 8 MiB -> 36000
        _img("photo.png", 1080, 1080, ctype="image/png"),  # not JPEG -> 36001
        _img("forbidden.jpg", 1080, 1080, fail_code=(9004, 2207052)),  # host answers 403
        MediaFixture("https://slow.example/img/photo.jpg", fail_code=(-2, 2207003)),  # download timeout
        _vid("reel.mp4", 30),
        _vid("clip.mov", 12, ctype="video/quicktime"),
        _vid("story.mp4", 15, 6 * MB),
        _vid("long.mp4", 20 * 60, 250 * MB),  # > 15 min reel / > 60 s story -> ERROR 2207026
        _vid("short.mp4", 2, 1 * MB),  # < 3 s -> ERROR 2207026
        _vid("broken.mp4", 30, processing_error=2207026),  # bad codec, found while processing
        _vid("slow.mp4", 45, processing_seconds=600),  # takes 10 minutes to process
        _vid("movie.avi", 30, ctype="video/x-msvideo", fail_code=(352, 2207026)),
    ]


def _strip_query(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


FAIL_MARKER = "fail"  # a path segment that makes a media URL undownloadable


def by_extension(url: str) -> MediaFixture | None:
    """Return what an ``https`` URL serves judging by its extension (None: not media, or marked to fail)."""
    parts = urlsplit(url)
    if parts.scheme != "https" or FAIL_MARKER in parts.path.lower().split("/"):
        return None
    ctype, _ = mimetypes.guess_type(parts.path.lower())
    if ctype is None or not ctype.startswith(("image/", "video/")):
        return None
    if ctype.startswith("video/"):
        return MediaFixture(url, ctype, 12 * MB, 1080, 1920, duration=20)
    return MediaFixture(url, ctype, 350_000, 1080, 1350)


def is_loopback_media(url: str) -> bool:
    """Say whether the URL points at the bot's own ``/media/`` route on loopback."""
    parts = urlsplit(url)
    return parts.hostname in ("127.0.0.1", "localhost", "::1") and "/media/" in parts.path


def fetch_error(url: str) -> GraphError:
    """Answer 9004/2207052: Meta could not fetch the URL."""
    return GraphError(
        9004,
        f"The media could not be fetched from this uri: {url}",
        subcode=2207052,
        user_title="Media download has failed.",
        user_msg=f"The media could not be fetched from this uri: {url}",
    )


def coded_error(code: int, subcode: int, url: str) -> GraphError:
    """Build the error Meta answers for a known (code, subcode) of media processing."""
    messages = {
        2207003: ("It takes too long to download the media.", True),
        2207004: ("The image size is too large.", False),
        2207005: ("The image format is not supported.", False),
        2207009: (
            "The submitted image with aspect ratio cannot be published. "
            "Please submit an image with a valid aspect ratio.",
            False,
        ),
        2207026: ("The video format is not supported. Please check spec for supported video format.", False),
    }
    if subcode == 2207052:
        return fetch_error(url)
    msg, transient_ = messages.get(subcode, ("The media could not be processed.", False))
    return GraphError(code, msg, subcode=subcode, is_transient=transient_ or None, user_msg=f"{msg} ({url})")


def jpeg_size(data: bytes) -> tuple[int, int] | None:
    """Read width and height from a JPEG's SOF marker."""
    i = 2
    while i + 9 < len(data):
        if data[i] != 0xFF:
            return None
        marker = data[i + 1]
        length = struct.unpack(">H", data[i + 2 : i + 4])[0]
        if marker in (0xC0, 0xC1, 0xC2):
            h, w = struct.unpack(">HH", data[i + 5 : i + 9])
            return w, h
        i += 2 + length
    return None


class MediaFetcher:
    """Resolve media URLs to fixtures, fetching loopback ``/media/`` URLs for real."""

    def __init__(self) -> None:
        self.fixtures: dict[str, MediaFixture] = {f.url: f for f in default_fixtures()}

    def add(self, fixture: MediaFixture) -> MediaFixture:
        """Add or replace one fixture."""
        self.fixtures[fixture.url] = fixture
        return fixture

    async def fetch(self, url: str) -> MediaFixture:
        """Return what fetching ``url`` yields, or raise the error Meta answers."""
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise fetch_error(str(url))
        fixture = self.fixtures.get(url) or self.fixtures.get(_strip_query(url))
        if fixture is None and is_loopback_media(url):
            fixture = await self._fetch_loopback(url)
        fixture = fixture or by_extension(url)
        if fixture is None:
            raise fetch_error(url)
        if fixture.fail_code:
            raise coded_error(fixture.fail_code[0], fixture.fail_code[1], url)
        return fixture

    async def _fetch_loopback(self, url: str) -> MediaFixture:
        try:
            timeout = aiohttp.ClientTimeout(total=10)
            async with (
                aiohttp.ClientSession(timeout=timeout) as session,
                session.get(url, allow_redirects=False) as resp,
            ):
                if resp.status != 200:
                    raise fetch_error(url)
                data = await resp.read()
                ctype = resp.content_type
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise fetch_error(url) from exc
        dims = jpeg_size(data) if ctype == "image/jpeg" else None
        width, height = dims if dims else (None, None)
        return MediaFixture(url, ctype, len(data), width, height, duration=None)
