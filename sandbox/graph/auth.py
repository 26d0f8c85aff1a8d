"""Tokens: where they come from, whether they are valid, what they may see."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from .errors import GraphError, bad_token, no_token
from .state import FACEBOOK, INSTAGRAM, Account, Comment, Container, Media, Page, Token

if TYPE_CHECKING:
    from .call import Call
    from .server import GraphEmulator

SCOPES = {
    # logical scope -> (Facebook Login permission, Instagram Login permission)
    "basic": ("instagram_basic", "instagram_business_basic"),
    "publish": ("instagram_content_publish", "instagram_business_content_publish"),
    "comments": ("instagram_manage_comments", "instagram_business_manage_comments"),
    "insights": ("instagram_manage_insights", "instagram_business_manage_insights"),
    "contents": ("instagram_manage_contents", None),
    "pages": ("pages_show_list", None),
}
FACEBOOK_SCOPES = (
    "instagram_basic",
    "instagram_content_publish",
    "instagram_manage_comments",
    "instagram_manage_insights",
    "instagram_manage_contents",
    "pages_show_list",
    "pages_read_engagement",
    "pages_manage_metadata",
    "business_management",
    "ads_read",
)
INSTAGRAM_SCOPES = (
    "instagram_business_basic",
    "instagram_business_content_publish",
    "instagram_business_manage_comments",
    "instagram_business_manage_insights",
    "instagram_business_manage_messages",
)


def token_from(call: Call) -> str | None:
    """Return the token from ``access_token`` or the ``Authorization`` header."""
    value = call.params.get("access_token")
    if value:
        call.token_in_params = True
        return str(value)
    return call.header_token


def header_token(authorization: str | None) -> str | None:
    """Extract a token from ``Authorization: Bearer …`` (or ``OAuth …``)."""
    if not authorization:
        return None
    scheme, _, value = authorization.strip().partition(" ")
    if scheme.lower() in ("bearer", "oauth") and value.strip():
        return value.strip()
    return None


def _when(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%A, %d-%b-%y %H:%M:%S UTC")


def validity_error(tok: Token, now: float) -> GraphError | None:
    """Return the 190 error Meta answers for an unusable token, or None."""
    if tok.revoked:
        subcode, message = tok.revoked
        return bad_token(message, subcode)
    if tok.expires_at is not None and now >= tok.expires_at:
        return bad_token(
            f"Error validating access token: Session has expired on {_when(tok.expires_at)}. "
            f"The current time is {_when(now)}.",
            463,
        )
    return None


def app_token(emu: GraphEmulator, value: str) -> Token | None:
    """Parse an app token ``app_id|app_secret`` (Facebook app), or None."""
    app_id, sep, secret = value.partition("|")
    if sep and app_id == emu.app_id and hmac.compare_digest(secret, emu.app_secret):
        return Token(value, FACEBOOK, "APP", emu.app_id, 0.0, None)
    return None


def authenticate(emu: GraphEmulator, call: Call, *, allow_app: bool = False) -> Token:
    """Find, check and return the call's token, or raise Meta's error."""
    value = token_from(call)
    if not value:
        raise no_token()
    flavor = emu.flavor_of(call.host)
    tok = emu.state.tokens.get(value)
    if tok is None and "|" in value:
        tok = app_token(emu, value) if flavor == FACEBOOK else None
        if tok is None:
            raise GraphError(190, "Invalid OAuth access token signature.")
    if tok is None or tok.flavor != flavor:
        raise bad_token()
    err = validity_error(tok, emu.now())
    if err:
        raise err
    if tok.kind == "APP" and not allow_app:
        raise GraphError(200, "(#200) Provide valid app ID")  # app token on a user node
    check_proof(emu, call, tok)
    call.token = tok
    return tok


def check_proof(emu: GraphEmulator, call: Call, tok: Token) -> None:
    """Check ``appsecret_proof`` when sent (and require it when configured)."""
    proof = call.params.get("appsecret_proof")
    if proof is None:
        if emu.require_appsecret_proof and tok.kind != "APP":
            raise GraphError(100, "API calls from the server require an appsecret_proof argument")
        return
    secret = emu.app_secret if tok.flavor == FACEBOOK else emu.instagram_app_secret
    expected = hmac.new(secret.encode(), tok.value.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(str(proof), expected):
        raise GraphError(100, "Invalid appsecret_proof provided in the API argument")


def require_scope(call: Call, scope: str | None) -> None:
    """Answer 10 when the token lacks the permission an endpoint needs."""
    tok = call.token
    if scope is None or tok is None or tok.kind == "APP":
        return
    fb, ig = SCOPES[scope]
    needed = fb if tok.flavor == FACEBOOK else ig
    if needed is None or needed in tok.scopes:
        return
    raise GraphError(
        10,
        "(#10) Application does not have permission for this action",
        user_msg=f"Requires the {needed} permission",
    )


def owner_account(emu: GraphEmulator, obj: Any) -> Account | None:
    """Return the account that owns a node (itself, its media's owner, …)."""
    st = emu.state
    if isinstance(obj, Account):
        return obj
    if isinstance(obj, Media | Container):
        return st.accounts.get(obj.owner_id)
    if isinstance(obj, Comment):
        media = st.media.get(obj.media_id)
        return st.accounts.get(media.owner_id) if media else None
    if isinstance(obj, Page) and obj.ig_user_id:
        return st.accounts.get(obj.ig_user_id)
    return None


def can_see(emu: GraphEmulator, tok: Token, obj: Any) -> bool:
    """Say whether a token may read/write a node (else Meta answers 100/33)."""
    if isinstance(obj, Page):
        return (tok.kind == "USER" and obj.owner_user_id == tok.subject) or (
            tok.kind == "PAGE" and obj.id == tok.subject
        )
    if tok.kind == "APP":
        return False
    if obj.__class__.__name__ == "FacebookUser":
        return tok.kind == "USER" and obj.id == tok.subject
    acct = owner_account(emu, obj)
    if acct is None or acct.is_external:
        return False
    if tok.flavor == INSTAGRAM:
        return acct.login == INSTAGRAM and acct.ig_user_id == tok.subject
    if acct.login != FACEBOOK:
        return False
    if tok.kind == "PAGE":
        return acct.page_id == tok.subject
    return acct.fb_user_id == tok.subject
