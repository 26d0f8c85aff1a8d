"""Plain dataclasses holding everything the emulated Meta knows."""

from __future__ import annotations

import hashlib
import itertools
from dataclasses import dataclass, field
from typing import Any

FACEBOOK = "facebook"
INSTAGRAM = "instagram"

DAY = 86_400.0


def legacy_number(node_id: str, digits: int) -> int:
    """Return a node's stable legacy Instagram number of ``digits`` digits (Instagram's own ids, before Graph's)."""
    value = int.from_bytes(hashlib.sha256(node_id.encode()).digest()[:8], "big")
    return 10 ** (digits - 1) + value % (9 * 10 ** (digits - 1))


@dataclass
class Token:
    """An access token and what it grants."""

    value: str
    flavor: str  # FACEBOOK | INSTAGRAM
    kind: str  # USER | PAGE | APP
    subject: str  # FB user id, Page id, IG account id or app id
    issued_at: float
    expires_at: float | None  # None: never expires
    scopes: tuple[str, ...] = ()
    long_lived: bool = False
    revoked: tuple[int, str] | None = None  # (subcode, message) once invalidated
    data_access_expires_at: float | None = None


@dataclass
class FacebookUser:
    """A Facebook person who manages Pages (Facebook Login)."""

    id: str
    name: str
    page_ids: list[str] = field(default_factory=list)


@dataclass
class Page:
    """A Facebook Page, linked to an Instagram professional account."""

    id: str
    name: str
    owner_user_id: str
    access_token: str
    ig_user_id: str | None = None
    category: str = "Shopping & retail"
    subscribed_apps: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class Account:
    """An Instagram professional account served by the emulator."""

    ig_user_id: str
    username: str
    login: str  # FACEBOOK | INSTAGRAM
    token: str  # the token the bot should use (FB user token or IG user token)
    name: str = ""
    biography: str = ""
    website: str = ""
    followers_count: int = 0
    follows_count: int = 0
    account_type: str = "BUSINESS"
    profile_picture_url: str = ""
    page_id: str | None = None  # Facebook Login
    page_token: str | None = None  # Facebook Login
    fb_user_id: str | None = None  # Facebook Login
    app_scoped_id: str | None = None  # Instagram Login: the `id` of /me, not the account id
    call_budget: int = 4800  # BUC calls per rolling 24 h
    quota_total: int = 50  # published posts per rolling 24 h
    insights: dict[str, Any] = field(default_factory=dict)  # daily account metric values
    subscribed_fields: list[str] = field(default_factory=list)  # IG Login subscribed_apps
    publish_times: list[float] = field(default_factory=list)
    container_times: list[float] = field(default_factory=list)
    call_times: list[float] = field(default_factory=list)
    throttled_until: float = 0.0
    is_external: bool = False  # another account (author of media that mentions ours)

    @property
    def ig_id(self) -> int:
        """Return the account's legacy Instagram user id (ten digits)."""
        return legacy_number(self.ig_user_id, 10)


@dataclass
class Media:
    """A published IG Media (post, reel, story, carousel or album child)."""

    id: str
    owner_id: str
    media_type: str  # IMAGE | VIDEO | CAROUSEL_ALBUM
    media_product_type: str  # FEED | REELS | STORY | AD
    timestamp: float
    shortcode: str
    caption: str = ""
    media_url: str = ""
    thumbnail_url: str | None = None
    like_count: int = 0
    is_comment_enabled: bool = True
    children: list[str] = field(default_factory=list)
    parent_id: str | None = None
    alt_text: str | None = None
    is_shared_to_feed: bool | None = None
    insights: dict[str, Any] = field(default_factory=dict)
    insights_unavailable: bool = False  # posted before the account became professional
    shared_to_facebook: bool = False
    copyrighted: bool = False  # media_url omitted
    deleted: bool = False
    container_id: str | None = None
    tagged: tuple[str, ...] = ()  # usernames tagged in the media

    def legacy_id(self, owner_ig_id: int) -> str:
        """Return the legacy Instagram media id (``<media pk>_<owner's legacy id>``)."""
        return f"{legacy_number(self.id, 19)}_{owner_ig_id}"

    @property
    def permalink(self) -> str:
        """Return the public link, as Meta builds it."""
        kind = {"REELS": "reel", "STORY": "stories"}.get(self.media_product_type, "p")
        return f"https://www.instagram.com/{kind}/{self.shortcode}/"


@dataclass
class Container:
    """A media container (IG Media builder) waiting to be published."""

    id: str
    owner_id: str
    media_type: str  # IMAGE | VIDEO | REELS | STORIES | CAROUSEL
    params: dict[str, Any]
    created_at: float
    ready_at: float
    is_carousel_item: bool = False
    children: list[str] = field(default_factory=list)
    error: tuple[int, int] | None = None  # (code, subcode) once processing fails
    published_media_id: str | None = None
    uri: str | None = None  # resumable upload target
    uploaded: bool = True


@dataclass
class Comment:
    """An IG Comment or reply."""

    id: str
    media_id: str
    text: str
    username: str
    from_id: str
    timestamp: float
    parent_id: str | None = None
    hidden: bool = False
    like_count: int = 0
    deleted: bool = False
    by_owner: bool = False
    mentioned_ig_user_id: str | None = None


@dataclass
class AppSubscription:
    """One object subscription of the app (``/{app-id}/subscriptions``)."""

    object: str
    callback_url: str
    fields: list[str]
    verify_token: str = ""
    include_values: bool = True


@dataclass
class Ids:
    """Sequential, deterministic id generators."""

    ig_user: itertools.count = field(default_factory=lambda: itertools.count(17841400000000001))
    page: itertools.count = field(default_factory=lambda: itertools.count(100000000000001))
    fb_user: itertools.count = field(default_factory=lambda: itertools.count(10000000000001))
    media: itertools.count = field(default_factory=lambda: itertools.count(17900000000000001))
    container: itertools.count = field(default_factory=lambda: itertools.count(17880000000000001))
    comment: itertools.count = field(default_factory=lambda: itertools.count(17950000000000001))
    scoped: itertools.count = field(default_factory=lambda: itertools.count(26000000000000001))
    igsid: itertools.count = field(default_factory=lambda: itertools.count(5300000000000001))

    def next(self, kind: str) -> str:
        """Return the next id of one kind as a string."""
        return str(next(getattr(self, kind)))


@dataclass
class State:
    """All emulated objects, by id."""

    ids: Ids = field(default_factory=Ids)
    tokens: dict[str, Token] = field(default_factory=dict)
    fb_users: dict[str, FacebookUser] = field(default_factory=dict)
    pages: dict[str, Page] = field(default_factory=dict)
    accounts: dict[str, Account] = field(default_factory=dict)
    media: dict[str, Media] = field(default_factory=dict)
    containers: dict[str, Container] = field(default_factory=dict)
    comments: dict[str, Comment] = field(default_factory=dict)
    subscriptions: dict[str, AppSubscription] = field(default_factory=dict)  # by object
    oauth_codes: dict[str, dict[str, Any]] = field(default_factory=dict)
    igsids: dict[str, str] = field(default_factory=dict)  # commenter username -> IGSID

    def account_by_username(self, username: str) -> Account | None:
        """Find an account by its username (with or without @)."""
        username = username.lstrip("@").lower()
        return next((a for a in self.accounts.values() if a.username.lower() == username), None)

    def kind_of(self, obj_id: str) -> str | None:
        """Say which kind of object an id names, or None."""
        for kind, table in (
            ("ig-user-id", self.accounts),
            ("ig-media-id", self.media),
            ("ig-comment-id", self.comments),
            ("ig-container-id", self.containers),
            ("page-id", self.pages),
            ("user-id", self.fb_users),
        ):
            if obj_id in table:
                return kind
        return None
