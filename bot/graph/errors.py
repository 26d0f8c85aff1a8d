"""Graph API error classes; the table mapping Meta's (code, subcode) to a class and a sentence."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


class GraphError(Exception):
    """A Graph API call failed; ``sentence`` says what happened and what to do, for people."""

    pause = False  # keep the work and try later (never report it as a failure)
    transient = False  # the same call may succeed if made again

    def __init__(
        self,
        sentence: str,
        *,
        code: int | None = None,
        subcode: int | None = None,
        type: str | None = None,
        message: str = "",
        is_transient: bool | None = None,
        fbtrace_id: str | None = None,
        user_title: str | None = None,
        user_msg: str | None = None,
        status: int | None = None,
        method: str = "",
        path: str = "",
        retry_at: float | None = None,
    ) -> None:
        super().__init__(sentence)
        self.sentence = sentence
        self.code = code
        self.subcode = subcode
        self.type = type
        self.message = message
        self.is_transient = is_transient
        self.fbtrace_id = fbtrace_id
        self.user_title = user_title
        self.user_msg = user_msg
        self.status = status
        self.method = method
        self.path = path
        self.retry_at = retry_at

    @property
    def codes(self) -> str:
        """Return ``code/subcode`` (or just the code) as shown at the end of the sentence."""
        if self.code is None:
            return ""
        return f"{self.code}/{self.subcode}" if self.subcode else str(self.code)

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}({self.sentence!r}, code={self.code}, subcode={self.subcode}, "
            f"status={self.status}, fbtrace_id={self.fbtrace_id!r})"
        )


class TokenInvalid(GraphError):
    """The token was refused (190 and its subcodes, 102); the login must be done again."""


class AccountNeedsReconnect(TokenInvalid):
    """The account's token was refused; its work is paused and kept until the account is reconnected."""

    pause = True

    def __init__(self, sentence: str, *, newly_marked: bool = False, **kw: Any) -> None:
        super().__init__(sentence, **kw)
        self.newly_marked = newly_marked


class AppConfigError(GraphError):
    """The app's own credentials were refused (190 on an app-token call, missing app id or secret)."""


class PermissionDenied(GraphError):
    """A permission or capability is missing (10, 3, 200–299)."""


class RateLimited(GraphError):
    """Meta's rate limit is reached (4, 17, 32, 341, 613, 800xx); ``retry_at`` is when calls may resume."""

    pause = True

    def __init__(self, sentence: str, *, scope: str = "account", **kw: Any) -> None:
        super().__init__(sentence, **kw)
        self.scope = scope


class Throttled(RateLimited):
    """igbot held the call back itself, without calling Meta, to stay under the rate limit."""


class PublishingQuotaReached(GraphError):
    """The account's 24-hour content-publishing quota is used up (9/2207042)."""

    pause = True


class SpamRestricted(GraphError):
    """Instagram restricts publishing as suspected spam (4/2207051)."""


class MediaNotReady(GraphError):
    """The container is still processing (9007/2207027); poll its status and publish later."""

    pause = True


class MediaFetchFailed(GraphError):
    """Instagram could not download a media URL (9004/2207052, -2/2207003)."""


class InvalidMedia(GraphError):
    """The media file or caption breaks Instagram's specifications (36000–36004, 352/2207026 …)."""


class InvalidParameter(GraphError):
    """A request parameter was refused (100, 1/2207057 …)."""


class ContainerMustBeRecreated(GraphError):
    """The container expired or failed; create a new one (-2/2207020, 24/2207008, -1/2207032, -1/2207053)."""


class MediaNotFound(GraphError):
    """The media container is not found for this token (24/2207006)."""


class AccountRestricted(GraphError):
    """The Instagram account is restricted or checkpointed (25/2207050)."""


class TemporarilyBlocked(GraphError):
    """The action is temporarily blocked for policy reasons (368)."""


class DuplicatePost(GraphError):
    """Meta says the post is a duplicate (506); check whether it is already live before anything else."""


class NotFound(GraphError):
    """The object does not exist or is not visible with this token (100/33), e.g. a deleted comment."""


class TransientError(GraphError):
    """A temporary failure (1, 2, -1/2207001, is_transient, HTTP 5xx, timeouts, connection errors)."""

    transient = True


class OutcomeUnknown(GraphError):
    """A write failed leaving its outcome unknown; check its effect before doing anything else."""


@dataclass(frozen=True)
class Rule:
    """One row of the error table: the class to raise and the sentence template."""

    cls: type[GraphError]
    template: str
    scope: str = "account"


RECONNECT = "reconnect it with /ig connect"

# (code, subcode) rules, matched before the code-only rules below.
EXACT_RULES: dict[tuple[int, int], Rule] = {
    (190, 458): Rule(
        TokenInvalid,
        f"The app was removed from {{account}}'s login, so its token no longer works; {RECONNECT}",
    ),
    (190, 459): Rule(
        TokenInvalid,
        f"The login behind {{account}} is checkpointed; log in on Facebook or Instagram, then {RECONNECT}",
    ),
    (190, 460): Rule(
        TokenInvalid,
        f"The password of the login behind {{account}} changed, so its token no longer works; {RECONNECT}",
    ),
    (190, 463): Rule(TokenInvalid, f"The token for {{account}} has expired; {RECONNECT}"),
    (190, 464): Rule(
        TokenInvalid,
        f"The Facebook user behind {{account}} is not confirmed; confirm it on Facebook, then {RECONNECT}",
    ),
    (190, 467): Rule(TokenInvalid, f"The token for {{account}} is no longer valid; {RECONNECT}"),
    (190, 492): Rule(
        TokenInvalid,
        f"The login behind {{account}} lost its role on the Facebook Page; restore it, then {RECONNECT}",
    ),
    (1, 2207057): Rule(
        InvalidParameter,
        "The thumbnail offset for {url} is outside the video; choose an offset within its length",
    ),
    (4, 2207051): Rule(
        SpamRestricted,
        "Instagram is restricting publishing on {account} because the activity looks automated; "
        "wait a few hours and vary the content before trying again",
    ),
    (9, 2207042): Rule(
        PublishingQuotaReached,
        "{account} has used up Instagram's limit of API-published posts for the last 24 hours; "
        "the post waits until the quota frees up",
    ),
    (24, 2207006): Rule(
        MediaNotFound,
        "Instagram cannot find the media container for {url} with this token; create the post again",
    ),
    (24, 2207008): Rule(
        ContainerMustBeRecreated,
        "The media container for {url} does not exist or has expired; it must be created again",
    ),
    (25, 2207050): Rule(
        AccountRestricted,
        "Instagram has restricted {account}; open the Instagram app, resolve the notice, then try again",
    ),
    (100, 33): Rule(
        NotFound,
        "Instagram says {object} does not exist or is not visible to {account}; it may have been deleted",
    ),
    (100, 2207023): Rule(
        InvalidParameter,
        "Instagram does not accept the media type of {url}; use a JPEG image or an MP4/MOV video",
    ),
    (100, 2207028): Rule(
        InvalidParameter, "A carousel needs between 2 and 10 items; change the number of files"
    ),
    (100, 2207035): Rule(
        InvalidParameter, "A product tag has a position outside the image; place it within 0.0–1.0"
    ),
    (100, 2207036): Rule(
        InvalidParameter, "A product tag is missing a required value; complete or remove the tag"
    ),
    (100, 2207037): Rule(
        InvalidParameter, "A product tag names a product Instagram does not know; remove the tag"
    ),
    (100, 2207040): Rule(InvalidParameter, "The caption tags more than 20 accounts; remove some @mentions"),
    (352, 2207026): Rule(
        InvalidMedia,
        "Instagram cannot use the video {url}: its format is not supported; use MP4 or MOV with H.264 "
        "or HEVC video and AAC audio",
    ),
    (9004, 2207052): Rule(
        MediaFetchFailed,
        "Instagram could not download {url}: the URL must be public and return the file itself",
    ),
    (9007, 2207027): Rule(
        MediaNotReady, "Instagram is still processing {url}; wait until it is ready, then publish it"
    ),
    (36000, 2207004): Rule(InvalidMedia, "The image {url} is larger than 8 MB; use a smaller JPEG"),
    (36001, 2207005): Rule(
        InvalidMedia, "The image {url} is not in a supported format; feed images must be JPEG"
    ),
    (36002, 2207024): Rule(InvalidMedia, "The image {url} is too small; use one at least 320 pixels wide"),
    (36003, 2207009): Rule(
        InvalidMedia,
        "The image {url} has an aspect ratio Instagram refuses; crop it to between 4:5 and 1.91:1",
    ),
    (36004, 2207010): Rule(InvalidMedia, "The caption is longer than 2,200 characters; shorten it"),
    (-1, 2207001): Rule(TransientError, "Instagram had a server error on {path}; try again in a moment"),
    (-1, 2207032): Rule(
        ContainerMustBeRecreated,
        "Instagram failed to create the media container for {url}; it must be created again",
    ),
    (-1, 2207053): Rule(
        ContainerMustBeRecreated,
        "Instagram hit an unknown error while uploading {url}; it must be uploaded again in a new container",
    ),
    (-1, 2207073): Rule(
        InvalidParameter,
        "Instagram cannot delete this kind of media through the API; delete it in the Instagram app",
    ),
    (-2, 2207003): Rule(
        MediaFetchFailed,
        "Instagram timed out downloading {url}: serve the file quickly from a public URL or use a "
        "smaller file, then try again",
    ),
    (-2, 2207020): Rule(
        ContainerMustBeRecreated,
        "The media container for {url} expired (containers last 24 hours); it must be created again",
    ),
}

# Subcodes seen in the field without a documented code: matched by subcode alone, before code-only rules.
SUBCODE_RULES: dict[int, Rule] = {
    2207082: Rule(
        MediaFetchFailed,
        "Instagram could not download {url} this time; check that the URL is public and try again",
    ),
    2207085: Rule(
        MediaFetchFailed,
        "Instagram could not download {url} this time; check that the URL is public and try again",
    ),
    2207081: Rule(InvalidParameter, "{account} cannot publish trial reels; publish it as an ordinary reel"),
    2207089: Rule(
        InvalidParameter,
        "A carousel item cannot be published on its own; publish the carousel that contains it",
    ),
}

_PERMISSION = Rule(
    PermissionDenied,
    "Instagram refused {path} for {account} for lack of permission ({detail}); reconnect the account "
    "and grant every permission igbot asks for",
)
_RATE_ACCOUNT = Rule(
    RateLimited,
    "Meta's request limit for {account} is reached; igbot makes no calls for it for {wait}",
    "account",
)
_RATE_APP = Rule(
    RateLimited, "Meta's request limit for igbot's app is reached; igbot makes no calls for {wait}", "app"
)
_INVALID_MEDIA = Rule(
    InvalidMedia, "Instagram cannot use the media {url}: {detail}; fix the file and try again"
)

# Code-only rules, used when no (code, subcode) rule matches.
CODE_RULES: dict[int, Rule] = {
    190: Rule(TokenInvalid, f"The token for {{account}} is no longer valid; {RECONNECT}"),
    102: Rule(TokenInvalid, f"The login session for {{account}} has ended; {RECONNECT}"),
    10: _PERMISSION,
    3: Rule(
        PermissionDenied,
        "The Meta app lacks the capability for {path} ({detail}); add it in the app dashboard",
    ),
    4: _RATE_APP,
    17: _RATE_ACCOUNT,
    32: _RATE_ACCOUNT,
    341: _RATE_APP,
    613: _RATE_ACCOUNT,
    100: Rule(
        InvalidParameter, "Instagram refused a parameter of {path}: {detail}; correct it and try again"
    ),
    1: Rule(TransientError, "Instagram had an unknown error on {path}; try again in a moment"),
    2: Rule(
        TransientError, "Instagram's service is temporarily unavailable for {path}; try again in a moment"
    ),
    -1: Rule(TransientError, "Instagram had a server error on {path}; try again in a moment"),
    -2: Rule(TransientError, "Instagram timed out on {path}; try again in a moment"),
    24: Rule(MediaNotFound, "Instagram cannot find the media container for {url}; create the post again"),
    25: Rule(
        AccountRestricted,
        "Instagram has restricted {account}; open the Instagram app, resolve the notice, then try again",
    ),
    352: Rule(
        InvalidMedia, "Instagram cannot use the video {url}: its format is not supported; use MP4 or MOV"
    ),
    368: Rule(
        TemporarilyBlocked,
        "Instagram has temporarily blocked this action on {account} for policy reasons; wait before "
        "trying again and check the account's notices in the Instagram app",
    ),
    506: Rule(
        DuplicatePost,
        "Instagram says this post duplicates one already published; check whether it is live first",
    ),
    9004: Rule(
        MediaFetchFailed,
        "Instagram could not download {url}: the URL must be public and return the file itself",
    ),
    9007: Rule(MediaNotReady, "Instagram is still processing {url}; wait until it is ready, then publish it"),
}

# Code ranges, used when neither table above matches.
RANGE_RULES: tuple[tuple[range, Rule], ...] = (
    (range(200, 300), _PERMISSION),
    (range(36000, 36005), _INVALID_MEDIA),
    (range(80000, 80100), _RATE_ACCOUNT),
)

_BY_SUBCODE: dict[int, tuple[int | None, Rule]] = {
    **{sub: (None, rule) for sub, rule in SUBCODE_RULES.items()},
    **{sub: (code, rule) for (code, sub), rule in EXACT_RULES.items() if sub > 100000},
}

_FALLBACK = Rule(GraphError, "Instagram refused {path}: {detail}")
_TRANSIENT_HTTP = Rule(
    TransientError, "Instagram did not answer {path} properly ({detail}); try again in a moment"
)
_RATE_HTTP = Rule(
    RateLimited, "Meta's request limit for {account} is reached; igbot makes no calls for it for {wait}"
)

_PLACEHOLDER_DEFAULTS = {
    "account": "this account",
    "url": "the media",
    "path": "the request",
    "object": "this item",
    "detail": "no reason given",
    "wait": "a few minutes",
}


class _Context(dict):
    """Format mapping that fills missing placeholders with neutral words."""

    def __missing__(self, key: str) -> str:
        return _PLACEHOLDER_DEFAULTS.get(key, key)


def find_rule(
    code: int | None, subcode: int | None = None, *, is_transient: bool = False, status: int | None = None
) -> Rule:
    """Return the rule: (code, subcode), subcode, code, code range, transient hint, then HTTP status."""
    if code is not None:
        if subcode is not None and (code, subcode) in EXACT_RULES:
            return EXACT_RULES[(code, subcode)]
        if subcode in SUBCODE_RULES:
            return SUBCODE_RULES[subcode]
        if code in CODE_RULES:
            return CODE_RULES[code]
        for codes, rule in RANGE_RULES:
            if code in codes:
                return rule
    if is_transient:
        return CODE_RULES[1]
    if status == 429:
        return _RATE_HTTP
    if status is not None and status >= 500:
        return _TRANSIENT_HTTP
    return _FALLBACK


def render(template: str, context: Mapping[str, object] | None, codes: str = "") -> str:
    """Fill a sentence template from the call's context and append the Meta codes."""
    ctx = _Context({k: v for k, v in (context or {}).items() if v not in (None, "")})
    text = template.format_map(ctx)
    return f"{text} ({codes})" if codes else text


def _int(value: object) -> int | None:
    try:
        return int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


def _detail(err: Mapping[str, Any]) -> str:
    text = err.get("error_user_msg") or err.get("message") or ""
    return re.sub(r"^\(#-?\d+\)\s*", "", str(text)).strip().rstrip(".")


def from_payload(
    body: object,
    *,
    status: int | None = None,
    context: Mapping[str, object] | None = None,
    method: str = "",
    path: str = "",
) -> GraphError:
    """Build the right GraphError from Meta's error JSON (or from the HTTP status alone)."""
    err: Mapping[str, Any] = {}
    if isinstance(body, Mapping) and isinstance(body.get("error"), Mapping):
        err = body["error"]
    code, subcode = _int(err.get("code")), _int(err.get("error_subcode"))
    is_transient = bool(err.get("is_transient"))
    rule = find_rule(code, subcode, is_transient=is_transient, status=status)
    ctx = {"path": path, "detail": _detail(err) or (f"HTTP {status}" if status else None), **(context or {})}
    exc = build(rule, ctx, code=code, subcode=subcode)
    exc.type = err.get("type")
    exc.message = str(err.get("message") or "")
    exc.is_transient = err.get("is_transient")
    exc.fbtrace_id = err.get("fbtrace_id")
    exc.user_title = err.get("error_user_title")
    exc.user_msg = err.get("error_user_msg")
    exc.status, exc.method, exc.path = status, method, path
    return exc


def build(
    rule: Rule, context: Mapping[str, object] | None, *, code: int | None = None, subcode: int | None = None
) -> GraphError:
    """Instantiate a rule's class with its rendered sentence."""
    codes = "" if code is None else (f"{code}/{subcode}" if subcode else str(code))
    sentence = render(rule.template, context, codes)
    if issubclass(rule.cls, RateLimited):
        return rule.cls(sentence, code=code, subcode=subcode, scope=rule.scope)
    return rule.cls(sentence, code=code, subcode=subcode)


def from_status_subcode(status: str | None, context: Mapping[str, object] | None = None) -> GraphError:
    """Map a container's ``status`` text (an error subcode when ``status_code`` is ERROR) to an error."""
    match = re.search(r"\b(2\d{6})\b", status or "")
    subcode = int(match.group(1)) if match else None
    if subcode not in _BY_SUBCODE:
        detail = (status or "no reason given").strip()
        return GraphError(
            render("Instagram could not process {url}: {detail}", {"detail": detail, **(context or {})})
        )
    code, rule = _BY_SUBCODE[subcode]
    return build(rule, context, code=code, subcode=subcode)


def wait_words(seconds: float) -> str:
    """Say a wait in plain words ("about 19 minutes")."""
    minutes = max(1, round(seconds / 60))
    if minutes < 90:
        return "about 1 minute" if minutes == 1 else f"about {minutes} minutes"
    return f"about {round(minutes / 60)} hours"
