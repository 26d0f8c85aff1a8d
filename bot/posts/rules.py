"""Instagram's limits, checked before anything is stored or any container created; each failure names its problem."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlsplit

CAPTION_CHARS, CAPTION_HASHTAGS, CAPTION_MENTIONS = 2200, 30, 20
CAROUSEL_MIN, CAROUSEL_MAX = 2, 10
MAX_COLLABORATORS = 3
IMAGE_EXT = (".jpg", ".jpeg")
VIDEO_EXT = (".mp4", ".mov")
HASHTAG = re.compile(r"(?<!\w)#\w+")
MENTION = re.compile(r"(?<![\w@])@[\w.]+")
MODAL_HINT = "For other files, open the compose modal with `/ig post` and upload a JPEG or MP4."


class PostInputError(ValueError):
    """A post request breaks a rule; the message names the field or URL and the rule."""


@dataclass
class Draft:
    """A validated post, ready to store."""

    kind: str  # image | carousel | reel | story
    items: list[dict]  # {"url", "media": image|video, "options": {...}, "upload_token"?}
    caption: str | None = None
    when: datetime | None = None  # None: now
    options: dict = field(default_factory=dict)
    first_comment: str | None = None
    needs_approval: bool = False

    @property
    def has_video(self) -> bool:
        """Whether any item is a video (containers are then made earlier)."""
        return any(i["media"] == "video" for i in self.items)


def unwrap_url(token: str) -> str:
    """Accept a URL raw or as Slack wraps it (`<url>`, `<url|label>`); undo Slack's &amp; &lt; &gt;."""
    if token.startswith("<") and token.endswith(">"):
        token = token[1:-1].split("|", 1)[0]
    return token.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def looks_like_url(token: str) -> bool:
    """Whether a word is meant as a URL (any scheme, raw or wrapped by Slack)."""
    return re.match(r"^<?[A-Za-z][A-Za-z0-9+.-]*://", token) is not None or token.startswith("<www.")


def media_of(url: str) -> str | None:
    """Return "image" or "video" from the URL path's extension (query and fragment ignored), else None."""
    path = urlsplit(url).path.lower()
    if path.endswith(IMAGE_EXT):
        return "image"
    if path.endswith(VIDEO_EXT):
        return "video"
    return None


def host_problem(host: str) -> str | None:
    """Return why Meta could not fetch from this host (loopback, private, link-local), or None."""
    name = host.strip("[]").lower()
    if not name:
        return "has no host"
    if name == "localhost" or name.endswith(".localhost"):
        return "points at localhost, which Instagram cannot reach; use a public URL"
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        return None
    if address.is_loopback:
        return "points at a loopback address, which Instagram cannot reach; use a public URL"
    if address.is_link_local:
        return "points at a link-local address, which Instagram cannot reach; use a public URL"
    if address.is_private or address.is_unspecified or address.is_reserved or address.is_multicast:
        return "points at a private address, which Instagram cannot reach; use a public URL"
    return None


def url_problem(url: str) -> str | None:
    """Return what is wrong with a media URL (scheme, host), or None."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
    except ValueError:
        return "is not a valid URL"
    if parts.scheme.lower() not in ("http", "https"):
        return "must start with http:// or https://"
    return host_problem(host)


def caption_problem(caption: str | None) -> str | None:
    """Return which caption limit is broken (2,200 characters, 30 hashtags, 20 @mentions), or None."""
    if not caption:
        return None
    if len(caption) > CAPTION_CHARS:
        return f"The caption has {len(caption):,} characters; Instagram allows at most {CAPTION_CHARS:,}."
    tags = len(HASHTAG.findall(caption))
    if tags > CAPTION_HASHTAGS:
        return f"The caption has {tags} hashtags; Instagram allows at most {CAPTION_HASHTAGS}."
    mentions = len(MENTION.findall(caption))
    if mentions > CAPTION_MENTIONS:
        return f"The caption has {mentions} @mentions; Instagram allows at most {CAPTION_MENTIONS}."
    return None


UNKNOWN = "unknown"  # media whose kind the fetched Content-Type will decide (IGBOT_CHECK_MEDIA_URLS=1)


def check_item_url(url: str, *, allowed: tuple[str, ...] = ("image", "video"), what: str = "Media",
                   fetched: dict[str, str] | None = None, defer: bool = False) -> str:
    """Check one media URL; return its kind (image or video) or raise naming the URL and the rule.

    :param fetched: kinds read from the servers' Content-Types; they decide over the extension.
    :param defer: return UNKNOWN instead of refusing a URL whose extension does not say (it will be fetched).
    """
    problem = url_problem(url)
    if problem:
        raise PostInputError(f"The URL `{url}` {problem}.")
    kind = (fetched or {}).get(url) or media_of(url)
    if kind is None and defer:
        return UNKNOWN
    if kind is None:
        raise PostInputError(f"The URL `{url}` does not end in .jpg, .jpeg, .mp4 or .mov, so I cannot tell what it is "
                             f"(feed images must be JPEG). {MODAL_HINT}")
    if kind not in allowed:
        words = {"image": "a JPEG image (.jpg)", "video": "an MP4/MOV video"}
        need = " or ".join(words[a] for a in allowed if a in words)
        raise PostInputError(f"{what} `{url}` is {'an image' if kind == 'image' else 'a video'}; this needs {need}.")
    return kind


def build_draft(verb: str, urls: list[str], caption: str | None, *, when: datetime | None,
                uploads: list[dict] | None = None, fetched: dict[str, str] | None = None,
                defer: bool = False) -> Draft:
    """Decide the post type from the verb and media and apply every limit; raise PostInputError naming the problem.

    `uploads` are files igbot keeps itself ({"url", "media", "upload_token"}); they follow the URLs in order.
    `fetched` and `defer` are as in check_item_url: with `defer`, the type is provisional until the URLs are
    fetched and the draft is built again with `fetched`.
    """
    seen = {"fetched": fetched, "defer": defer}
    uploads = list(uploads or [])
    count = len(urls) + len(uploads)
    if not count:
        raise PostInputError("No media URL given.")
    caption = caption or None
    if verb == "story":
        if count != 1:
            raise PostInputError(f"A story is a single image or video; {count} were given.")
        if caption:
            raise PostInputError("Stories have no caption on Instagram; leave the text out.")
        item = uploads[0] if uploads else {"url": urls[0], "media": check_item_url(urls[0], what="The story", **seen)}
        return Draft("story", [item], None, when)
    if verb == "reel":
        if count != 1:
            raise PostInputError(f"A reel is a single video; {count} were given.")
        item = uploads[0] if uploads else {"url": urls[0], "media": check_item_url(
            urls[0], allowed=("video", UNKNOWN), what="The reel", **seen)}
        if item["media"] == "image":
            raise PostInputError("The reel upload is an image; a reel needs an MP4/MOV video.")
        _caption(caption)
        return Draft("reel", [item], caption, when)
    if count > CAROUSEL_MAX:
        raise PostInputError(f"A carousel holds {CAROUSEL_MIN}–{CAROUSEL_MAX} items; {count} were given.")
    items = [{"url": u, "media": check_item_url(u, **seen)} for u in urls] + uploads
    _caption(caption)
    if len(items) == 1:
        return Draft("reel" if items[0]["media"] == "video" else "image", items, caption, when)
    return Draft("carousel", items, caption, when)


def _caption(caption: str | None) -> None:
    problem = caption_problem(caption)
    if problem:
        raise PostInputError(problem)


def check_time(when: datetime | None, now: datetime) -> None:
    """Refuse a time in the past (`now` is always fine)."""
    if when is not None and when <= now:
        raise PostInputError(f"The time {when.isoformat(timespec='minutes')} is in the past; "
                             "give a future time or `now`.")


def check_collaborators(names: list[str]) -> None:
    """At most three collaborators."""
    if len(names) > MAX_COLLABORATORS:
        raise PostInputError(f"{len(names)} collaborators were given; Instagram allows at most {MAX_COLLABORATORS}.")
