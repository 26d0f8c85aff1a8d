"""The declarative table of every route the emulator serves (walked by the conformance test)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from . import batch, comments, insights, media, oauth, publishing, webhooks
from .hosts import API_INSTAGRAM, GRAPH_FACEBOOK, GRAPH_INSTAGRAM, WWW_FACEBOOK, WWW_INSTAGRAM

if TYPE_CHECKING:
    from .call import Call
    from .server import GraphEmulator

Handler = Callable[["GraphEmulator", "Call"], Awaitable[Any]]


FB, IG = GRAPH_FACEBOOK, GRAPH_INSTAGRAM


@dataclass(frozen=True)
class Endpoint:
    """One route: method, path template, host, the spec node it implements, accepted params, handler.

    ``node`` names the spec file (``IGUser`` → ``specs/graph/IGUser.json``) for Instagram nodes; it is
    None for non-IG paths, which carry ``doc``: text that graph-api.md contains for that path.
    """

    method: str
    path: str
    host: str
    node: str | None
    params: tuple[str, ...]
    handler: Handler
    required: tuple[str, ...] = ()
    auth: str = "token"  # token | app | none (the handler checks its own credentials)
    scope: str | None = None
    versioned: bool = True  # False: Instagram Login OAuth/token endpoints (unversioned by design)
    doc: str | None = None

    @property
    def segments(self) -> list[str]:
        """Return the template's path segments."""
        return [s for s in self.path.split("/") if s]

    @property
    def kind(self) -> str | None:
        """Return the id kind of the first segment (``ig-user-id``), or None for a literal path."""
        first = self.segments[0] if self.segments else ""
        return first[1:-1] if first.startswith("{") else None

    @property
    def edge(self) -> str | None:
        """Return the edge name (``media``), or None for the node itself."""
        segs = self.segments
        return segs[1] if self.kind and len(segs) == 2 else None

    @property
    def spec_endpoint(self) -> str | None:
        """Return the spec's ``endpoint`` value for this route (None: the node itself)."""
        return self.edge


def _both(
    method: str, path: str, fb_node: str, ig_node: str, params: tuple[str, ...], handler: Handler, **kw: Any
) -> list[Endpoint]:
    return [
        Endpoint(method, path, FB, fb_node, params, handler, **kw),
        Endpoint(method, path, IG, ig_node, params, handler, **kw),
    ]


MEDIA_PARAMS = (
    "alt_text",
    "audio_name",
    "caption",
    "children",
    "collaborators",
    "cover_url",
    "image_url",
    "is_carousel_item",
    "location_id",
    "media_type",
    "product_tags",
    "share_to_feed",
    "thumb_offset",
    "trial_params",
    "upload_type",
    "user_tags",
    "video_url",
)
USER_INSIGHTS = ("breakdown", "metric", "metric_type", "period", "since", "timeframe", "until")

ENDPOINTS: list[Endpoint] = [
    # IG User
    *_both("GET", "/{ig-user-id}", "IGUser", "IGUserForIGOnlyAPI", (), media.get_user, scope="basic"),
    *_both(
        "GET",
        "/{ig-user-id}/media",
        "IGUser",
        "IGUserForIGOnlyAPI",
        ("since", "until"),
        media.list_media,
        scope="basic",
    ),
    *_both(
        "GET", "/{ig-user-id}/stories", "IGUser", "IGUserForIGOnlyAPI", (), media.list_stories, scope="basic"
    ),
    *_both("GET", "/{ig-user-id}/tags", "IGUser", "IGUserForIGOnlyAPI", (), media.list_tags, scope="basic"),
    Endpoint(
        "GET",
        "/{ig-user-id}/subscribed_apps",
        FB,
        None,
        (),
        webhooks.get_linked_page_subscribed_apps,
        doc="Reconcile by checking `GET …/subscribed_apps` daily",
    ),
    *_both(
        "POST",
        "/{ig-user-id}/media",
        "IGUser",
        "IGUserForIGOnlyAPI",
        MEDIA_PARAMS,
        publishing.create_container,
        scope="publish",
    ),
    *_both(
        "POST",
        "/{ig-user-id}/media_publish",
        "IGUser",
        "IGUserForIGOnlyAPI",
        ("creation_id",),
        publishing.publish,
        required=("creation_id",),
        scope="publish",
    ),
    *_both(
        "GET",
        "/{ig-user-id}/content_publishing_limit",
        "IGUser",
        "IGUserForIGOnlyAPI",
        ("since",),
        publishing.publishing_limit,
        scope="publish",
    ),
    *_both(
        "GET",
        "/{ig-user-id}/insights",
        "IGUser",
        "IGUserForIGOnlyAPI",
        USER_INSIGHTS,
        insights.get_user_insights,
        required=("metric", "period"),
        scope="insights",
    ),
    *_both(
        "POST",
        "/{ig-user-id}/mentions",
        "IGUser",
        "IGUserForIGOnlyAPI",
        ("comment_id", "media_id", "message"),
        comments.reply_to_mention,
        required=("media_id", "message"),
        scope="comments",
    ),
    Endpoint(
        "GET", "/{ig-user-id}/subscribed_apps", IG, "IGUserForIGOnlyAPI", (), webhooks.get_ig_subscribed_apps
    ),
    Endpoint(
        "POST",
        "/{ig-user-id}/subscribed_apps",
        IG,
        "IGUserForIGOnlyAPI",
        ("subscribed_fields",),
        webhooks.post_ig_subscribed_apps,
        required=("subscribed_fields",),
    ),
    Endpoint(
        "DELETE",
        "/{ig-user-id}/subscribed_apps",
        IG,
        "IGUserForIGOnlyAPI",
        (),
        webhooks.delete_ig_subscribed_apps,
    ),
    # IG Media
    *_both("GET", "/{ig-media-id}", "IGMedia", "IGMediaForIGOnlyAPI", (), media.get_media, scope="basic"),
    *_both(
        "POST",
        "/{ig-media-id}",
        "IGMedia",
        "IGMediaForIGOnlyAPI",
        ("comment_enabled",),
        media.update_media,
        required=("comment_enabled",),
        scope="comments",
    ),
    Endpoint("DELETE", "/{ig-media-id}", FB, "IGMedia", (), media.delete_media, scope="contents"),
    *_both(
        "GET",
        "/{ig-media-id}/children",
        "IGMedia",
        "IGMediaForIGOnlyAPI",
        (),
        media.list_children,
        scope="basic",
    ),
    *_both(
        "GET",
        "/{ig-media-id}/comments",
        "IGMedia",
        "IGMediaForIGOnlyAPI",
        (),
        comments.list_comments,
        scope="comments",
    ),
    *_both(
        "POST",
        "/{ig-media-id}/comments",
        "IGMedia",
        "IGMediaForIGOnlyAPI",
        ("message",),
        comments.create_comment,
        required=("message",),
        scope="comments",
    ),
    *_both(
        "GET",
        "/{ig-media-id}/insights",
        "IGMedia",
        "IGMediaForIGOnlyAPI",
        ("breakdown", "metric", "period"),
        insights.get_media_insights,
        required=("metric",),
        scope="insights",
    ),
    # IG Container
    *_both(
        "GET",
        "/{ig-container-id}",
        "ShadowIGMediaBuilder",
        "ShadowIGMediaBuilder",
        (),
        publishing.get_container,
        scope="publish",
    ),
    # IG Comment (no Instagram-Login spec node exists: IGComment is used for both hosts)
    *_both("GET", "/{ig-comment-id}", "IGComment", "IGComment", (), comments.get_comment, scope="comments"),
    *_both(
        "POST",
        "/{ig-comment-id}",
        "IGComment",
        "IGComment",
        ("hide",),
        comments.update_comment,
        required=("hide",),
        scope="comments",
    ),
    *_both(
        "DELETE", "/{ig-comment-id}", "IGComment", "IGComment", (), comments.delete_comment, scope="comments"
    ),
    *_both(
        "GET",
        "/{ig-comment-id}/replies",
        "IGComment",
        "IGComment",
        (),
        comments.list_replies,
        scope="comments",
    ),
    *_both(
        "POST",
        "/{ig-comment-id}/replies",
        "IGComment",
        "IGComment",
        ("message",),
        comments.create_reply,
        required=("message",),
        scope="comments",
    ),
    # Facebook Login: user, Pages, tokens, app subscriptions (not IG nodes: checked against graph-api.md)
    Endpoint("GET", "/{user-id}", FB, None, (), oauth.get_fb_user, doc="GET /me/accounts"),
    Endpoint(
        "GET",
        "/{user-id}/accounts",
        FB,
        None,
        (),
        oauth.list_pages,
        scope="pages",
        doc="GET /me/accounts?fields=instagram_business_account{id,username}",
    ),
    Endpoint(
        "GET",
        "/{page-id}",
        FB,
        None,
        (),
        oauth.get_page,
        doc="GET /{page-id}?fields=instagram_business_account",
    ),
    Endpoint(
        "GET",
        "/{page-id}/subscribed_apps",
        FB,
        None,
        (),
        webhooks.get_page_subscribed_apps,
        doc="POST /{page-id}/subscribed_apps?subscribed_fields=",
    ),
    Endpoint(
        "POST",
        "/{page-id}/subscribed_apps",
        FB,
        None,
        ("subscribed_fields",),
        webhooks.post_page_subscribed_apps,
        doc="POST /{page-id}/subscribed_apps?subscribed_fields=",
    ),
    Endpoint(
        "DELETE",
        "/{page-id}/subscribed_apps",
        FB,
        None,
        (),
        webhooks.delete_page_subscribed_apps,
        doc="POST /{page-id}/subscribed_apps?subscribed_fields=",
    ),
    Endpoint(
        "GET",
        "/{app-id}/subscriptions",
        FB,
        None,
        (),
        webhooks.get_app_subscriptions,
        auth="app",
        doc="/{app-id}/subscriptions",
    ),
    Endpoint(
        "POST",
        "/{app-id}/subscriptions",
        FB,
        None,
        ("object", "callback_url", "fields", "verify_token", "include_values"),
        webhooks.post_app_subscription,
        required=("object",),
        auth="app",
        doc="/{app-id}/subscriptions",
    ),
    Endpoint(
        "DELETE",
        "/{app-id}/subscriptions",
        FB,
        None,
        ("object", "fields"),
        webhooks.delete_app_subscription,
        auth="app",
        doc="/{app-id}/subscriptions",
    ),
    Endpoint(
        "GET",
        "/oauth/access_token",
        FB,
        None,
        ("grant_type", "client_id", "client_secret", "fb_exchange_token", "redirect_uri", "code"),
        oauth.facebook_access_token,
        auth="none",
        doc="/oauth/access_token",
    ),
    Endpoint(
        "GET",
        "/debug_token",
        FB,
        None,
        ("input_token",),
        oauth.debug_token,
        required=("input_token",),
        auth="app",
        doc="/debug_token?input_token=",
    ),
    Endpoint(
        "POST",
        "/",
        FB,
        None,
        ("batch", "include_headers"),
        batch.post_batch,
        required=("batch",),
        auth="batch",
        doc='batch=[{"method":"GET","relative_url"',
    ),
    # Instagram Login token endpoints (unversioned)
    Endpoint(
        "GET",
        "/access_token",
        IG,
        None,
        ("grant_type", "client_secret"),
        oauth.instagram_long_lived,
        auth="none",
        versioned=False,
        doc="graph.instagram.com/access_token?grant_type=ig_exchange_token",
    ),
    Endpoint(
        "GET",
        "/refresh_access_token",
        IG,
        None,
        ("grant_type",),
        oauth.instagram_refresh,
        auth="none",
        versioned=False,
        doc="graph.instagram.com/refresh_access_token?grant_type=ig_refresh_token",
    ),
    Endpoint(
        "POST",
        "/oauth/access_token",
        API_INSTAGRAM,
        None,
        ("client_id", "client_secret", "grant_type", "redirect_uri", "code"),
        oauth.instagram_code_exchange,
        auth="none",
        versioned=False,
        doc="POST https://api.instagram.com/oauth/access_token",
    ),
    # Login dialogs
    Endpoint(
        "GET",
        "/dialog/oauth",
        WWW_FACEBOOK,
        None,
        ("client_id", "redirect_uri", "state", "scope", "response_type", "config_id"),
        oauth.facebook_dialog,
        auth="none",
        doc="Facebook Login dialog lives",
    ),
    Endpoint(
        "GET",
        "/oauth/authorize",
        WWW_INSTAGRAM,
        None,
        ("client_id", "redirect_uri", "response_type", "scope", "state", "force_reauth", "enable_fb_login"),
        oauth.instagram_dialog,
        auth="none",
        versioned=False,
        doc="https://www.instagram.com/oauth/authorize?client_id=",
    ),
]


def for_host(host: str) -> list[Endpoint]:
    """Return the endpoints one host serves."""
    return [e for e in ENDPOINTS if e.host == host]
