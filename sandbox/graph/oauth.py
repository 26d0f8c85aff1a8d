"""Both login flavors: dialogs, code exchange, long-lived tokens, refresh, debug_token, Pages (§1.2–1.3)."""

from __future__ import annotations

import hmac
import html
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from aiohttp import web

from .auth import FACEBOOK_SCOPES, INSTAGRAM_SCOPES, app_token, validity_error
from .errors import GraphError, bad_token, invalid_param, missing_param, nonexisting_field
from .fields import FieldReq
from .paging import paginate
from .render import render_user
from .state import DAY, FACEBOOK, INSTAGRAM, Token

if TYPE_CHECKING:
    from .call import Call
    from .server import GraphEmulator

SHORT_FB = 2 * 3600 - 1
SHORT_IG = 3600
LONG = 5_183_944
FB_CODE_TTL = 600
IG_CODE_TTL = 3600


def _page(title: str, text: str, status: int = 400) -> web.Response:
    title, text = html.escape(title), html.escape(text)
    body = f"<!doctype html><title>{title}</title><h1>{title}</h1><p>{text}"
    return web.Response(text=body, status=status, content_type="text/html")


def _redirect(url: str, query: dict[str, str], fragment: str = "") -> web.Response:
    sep = "&" if "?" in url else "?"
    location = f"{url}{sep}{urlencode(query)}{fragment}"
    body = f'<!doctype html><title>Redirecting</title><a href="{html.escape(location)}">Continue</a>'
    return web.Response(status=302, headers={"Location": location}, text=body, content_type="text/html")


def _scopes(raw: Any) -> list[str]:
    return [s.strip() for s in str(raw or "").replace(" ", ",").split(",") if s.strip()]


async def facebook_dialog(emu: GraphEmulator, call: Call) -> web.Response:
    """GET www.facebook.com/{version}/dialog/oauth: approve (or deny) and redirect back with a code."""
    p = call.params
    if p.get("client_id") != emu.app_id:
        return _page("Invalid App ID", "The provided app ID does not look like a valid app ID.")
    redirect_uri = p.get("redirect_uri")
    if not redirect_uri:
        return _page("Error", "redirect_uri is required.")
    scopes = list(FACEBOOK_SCOPES) if p.get("config_id") else _scopes(p.get("scope"))
    unknown = [s for s in scopes if s not in FACEBOOK_SCOPES]
    if unknown:
        return _page("Invalid Scopes", f"Invalid Scopes: {', '.join(unknown)}.")
    state = {"state": p["state"]} if "state" in p else {}
    user = emu.state.fb_users.get(emu.dialog_fb_user_id or "")
    if emu.dialog_outcome == "deny" or user is None:
        return _redirect(
            redirect_uri,
            {
                "error": "access_denied",
                "error_code": "200",
                "error_description": "Permissions error",
                "error_reason": "user_denied",
                **state,
            },
            "#_=_",
        )
    granted = [s for s in scopes if s not in emu.dialog_declined_scopes]
    code = emu.new_code(FACEBOOK, redirect_uri, user.id, granted)
    return _redirect(redirect_uri, {"code": code, **state}, "#_=_")


async def instagram_dialog(emu: GraphEmulator, call: Call) -> web.Response:
    """GET www.instagram.com/oauth/authorize: approve (or deny) and redirect back with a code."""
    p = call.params
    if p.get("client_id") != emu.instagram_app_id:
        return _page("Invalid platform app", "Invalid platform app")
    redirect_uri = p.get("redirect_uri")
    if not redirect_uri or p.get("response_type") != "code":
        return _page("Invalid request", "redirect_uri and response_type=code are required.")
    scopes = _scopes(p.get("scope"))
    unknown = [s for s in scopes if s not in INSTAGRAM_SCOPES]
    if not scopes or unknown:
        return _page("Invalid Scopes", f"Invalid scope: {', '.join(unknown) or '(none)'}")
    state = {"state": p["state"]} if "state" in p else {}
    acct = emu.state.accounts.get(emu.dialog_ig_user_id or "")
    if emu.dialog_outcome == "deny" or acct is None:
        return _redirect(
            redirect_uri,
            {
                "error": "access_denied",
                "error_reason": "user_denied",
                "error_description": "The user denied your request.",
                **state,
            },
        )
    granted = [s for s in scopes if s not in emu.dialog_declined_scopes]
    code = emu.new_code(INSTAGRAM, redirect_uri, acct.ig_user_id, granted)
    return _redirect(redirect_uri, {**state, "code": code}, "#_")


def _take_code(emu: GraphEmulator, flavor: str, code: str, redirect_uri: str | None) -> dict[str, Any]:
    entry = emu.state.oauth_codes.get(code.removesuffix("#_"))
    ttl = FB_CODE_TTL if flavor == FACEBOOK else IG_CODE_TTL
    if entry is None or entry["flavor"] != flavor:
        raise GraphError(100, "Invalid verification code format.", subcode=36008)
    if entry["used"]:
        raise GraphError(100, "This authorization code has been used.", subcode=36009)
    if emu.now() > entry["created_at"] + ttl:
        raise GraphError(100, "This authorization code has expired.", subcode=36007)
    if redirect_uri != entry["redirect_uri"]:
        raise GraphError(
            100,
            "Error validating verification code. Please make sure your redirect_uri is "
            "identical to the one you used in the OAuth dialog request",
            subcode=36008,
        )
    entry["used"] = True
    return entry


async def facebook_access_token(emu: GraphEmulator, call: Call) -> dict[str, Any]:
    """GET graph.facebook.com/{version}/oauth/access_token (code, fb_exchange_token, client_credentials)."""
    p = call.params
    if p.get("client_id") != emu.app_id:
        raise GraphError(101, "Error validating application. Invalid application ID.")
    if not hmac.compare_digest(str(p.get("client_secret") or ""), emu.app_secret):
        raise GraphError(1, "Error validating client secret.")
    grant = p.get("grant_type")
    now = emu.now()
    if grant == "client_credentials":
        return {"access_token": f"{emu.app_id}|{emu.app_secret}", "token_type": "bearer"}
    if grant == "fb_exchange_token":
        old = emu.state.tokens.get(str(p.get("fb_exchange_token") or ""))
        if old is None or old.flavor != FACEBOOK or old.kind != "USER":
            raise bad_token()
        err = validity_error(old, now)
        if err:
            raise err
        tok = emu.issue_token(FACEBOOK, "USER", old.subject, LONG, old.scopes, long_lived=True)
        return {"access_token": tok.value, "token_type": "bearer", "expires_in": LONG}
    if grant not in (None, "authorization_code"):
        raise invalid_param(f"Unsupported grant_type {grant}")
    code = p.get("code")
    if not code:
        raise missing_param("code")
    entry = _take_code(emu, FACEBOOK, str(code), p.get("redirect_uri"))
    tok = emu.issue_token(FACEBOOK, "USER", entry["subject"], SHORT_FB, tuple(entry["scopes"]))
    return {"access_token": tok.value, "token_type": "bearer", "expires_in": SHORT_FB}


def _ig_error(message: str, status: int = 400) -> web.Response:
    return web.json_response(
        {"error_type": "OAuthException", "code": status, "error_message": message}, status=status
    )


async def instagram_code_exchange(emu: GraphEmulator, call: Call) -> web.StreamResponse:
    """POST api.instagram.com/oauth/access_token (form fields; Instagram's legacy error shape)."""
    p = call.params
    if p.get("client_id") != emu.instagram_app_id:
        return _ig_error("Invalid platform app")
    if not hmac.compare_digest(str(p.get("client_secret") or ""), emu.instagram_app_secret):
        return _ig_error("Error validating client secret.")
    if p.get("grant_type") != "authorization_code":
        return _ig_error("Invalid grant_type")
    try:
        entry = _take_code(emu, INSTAGRAM, str(p.get("code") or ""), p.get("redirect_uri"))
    except GraphError as err:
        return _ig_error(err.message)
    acct = emu.state.accounts[entry["subject"]]
    tok = emu.issue_token(INSTAGRAM, "USER", acct.ig_user_id, SHORT_IG, tuple(entry["scopes"]))
    perms = ",".join(entry["scopes"])
    if emu.ig_code_exchange_shape == "flat":
        return web.json_response(
            {"access_token": tok.value, "user_id": int(acct.app_scoped_id or 0), "permissions": perms}
        )
    return web.json_response(
        {"data": [{"access_token": tok.value, "user_id": acct.app_scoped_id, "permissions": perms}]}
    )


def _ig_token(emu: GraphEmulator, call: Call) -> Token:
    value = call.param("access_token") or call.header_token
    if not value:
        raise missing_param("access_token")
    tok = emu.state.tokens.get(str(value))
    if tok is None or tok.flavor != INSTAGRAM:
        raise bad_token()
    err = validity_error(tok, emu.now())
    if err:
        raise err
    return tok


async def instagram_long_lived(emu: GraphEmulator, call: Call) -> dict[str, Any]:
    """GET graph.instagram.com/access_token?grant_type=ig_exchange_token (unversioned)."""
    if call.param("grant_type") != "ig_exchange_token":
        raise invalid_param("grant_type must be ig_exchange_token")
    if not hmac.compare_digest(str(call.param("client_secret") or ""), emu.instagram_app_secret):
        raise GraphError(101, "Error validating client secret.")
    old = _ig_token(emu, call)
    if old.long_lived:
        raise invalid_param("The access token is already long-lived; refresh it with ig_refresh_token")
    tok = emu.issue_token(INSTAGRAM, "USER", old.subject, LONG, old.scopes, long_lived=True)
    return {"access_token": tok.value, "token_type": "bearer", "expires_in": LONG}


async def instagram_refresh(emu: GraphEmulator, call: Call) -> dict[str, Any]:
    """GET graph.instagram.com/refresh_access_token?grant_type=ig_refresh_token (unversioned)."""
    if call.param("grant_type") != "ig_refresh_token":
        raise invalid_param("grant_type must be ig_refresh_token")
    old = _ig_token(emu, call)
    if not old.long_lived:
        raise invalid_param("Only long-lived access tokens can be refreshed")
    if emu.now() - old.issued_at < DAY:
        raise invalid_param("The access token must be at least 24 hours old to be refreshed")
    tok = emu.issue_token(INSTAGRAM, "USER", old.subject, LONG, old.scopes, long_lived=True)
    return {
        "access_token": tok.value,
        "token_type": "bearer",
        "expires_in": LONG,
        "permissions": ",".join(old.scopes),
    }


def _targets(emu: GraphEmulator, tok: Token, scope: str) -> list[str]:
    if tok.kind == "PAGE":
        page = emu.state.pages[tok.subject]
        pages = [page]
    else:
        user = emu.state.fb_users.get(tok.subject)
        pages = [emu.state.pages[p] for p in user.page_ids] if user else []
    if scope.startswith("instagram_"):
        return [p.ig_user_id for p in pages if p.ig_user_id]
    if scope.startswith("pages_"):
        return [p.id for p in pages]
    return []


async def debug_token(emu: GraphEmulator, call: Call) -> dict[str, Any]:
    """GET graph.facebook.com/{version}/debug_token?input_token=…"""
    value = str(call.require("input_token"))
    tok = emu.state.tokens.get(value)
    if tok is None and "|" in value:
        tok = app_token(emu, value)
    if tok is None or tok.flavor != FACEBOOK:
        return {
            "data": {
                "error": {"code": 190, "message": "Invalid OAuth access token - Cannot parse access token"},
                "is_valid": False,
                "scopes": [],
            }
        }
    data: dict[str, Any] = {
        "app_id": emu.app_id,
        "type": tok.kind,
        "application": emu.app_name,
        "expires_at": int(tok.expires_at or 0),
        "is_valid": True,
        "issued_at": int(tok.issued_at),
        "scopes": list(tok.scopes),
    }
    if tok.kind != "APP":
        data["data_access_expires_at"] = int(tok.data_access_expires_at or tok.issued_at + 90 * DAY)
        data["granular_scopes"] = [
            {"scope": s, **({"target_ids": t} if (t := _targets(emu, tok, s)) else {})} for s in tok.scopes
        ]
        if tok.kind == "PAGE":
            page = emu.state.pages[tok.subject]
            data["profile_id"] = page.id
            data["user_id"] = page.owner_user_id
        else:
            data["user_id"] = tok.subject
    err = validity_error(tok, emu.now())
    if err:
        data["is_valid"] = False
        data["error"] = {
            "code": 190,
            "message": err.message,
            **({"subcode": err.subcode} if err.subcode else {}),
        }
    return {"data": data}


async def get_fb_user(emu: GraphEmulator, call: Call) -> dict[str, Any]:
    """GET graph.facebook.com/{version}/me (a User token): id and name."""
    user = call.target
    out: dict[str, Any] = {}
    for r in call.fields or [FieldReq("name"), FieldReq("id")]:
        if r.name not in ("id", "name"):
            raise nonexisting_field(r.name, "User")
        out[r.name] = getattr(user, r.name)
    return out


def render_page(
    emu: GraphEmulator, call: Call, page: Any, reqs: list[FieldReq] | None, page_token: str | None
) -> dict[str, Any]:
    """Render a Facebook Page (with ``instagram_business_account`` when asked)."""
    reqs = reqs or [FieldReq(n) for n in ("access_token", "category", "category_list", "name", "id", "tasks")]
    out: dict[str, Any] = {}
    for r in reqs:
        n = r.name
        if n == "id":
            out[n] = page.id
        elif n == "name":
            out[n] = page.name
        elif n == "category":
            out[n] = page.category
        elif n == "category_list":
            out[n] = [{"id": "2200", "name": page.category}]
        elif n == "tasks":
            out[n] = ["ADVERTISE", "ANALYZE", "CREATE_CONTENT", "MESSAGING", "MODERATE", "MANAGE"]
        elif n == "access_token":
            if page_token:
                out[n] = page_token
        elif n == "instagram_business_account":
            acct = emu.state.accounts.get(page.ig_user_id or "")
            if acct:
                out[n] = render_user(emu, call, acct, r.sub or [FieldReq("id")])
        else:
            raise nonexisting_field(n, "Page")
    return out


def _page_token_for(emu: GraphEmulator, tok: Token, page: Any) -> str | None:
    if tok.kind != "USER":
        return None
    if tok.long_lived:
        return _live_page_token(emu, page, tok.scopes)
    short = emu.issue_token(FACEBOOK, "PAGE", page.id, 3600, tok.scopes)
    return short.value


def _live_page_token(emu: GraphEmulator, page: Any, scopes: tuple[str, ...]) -> str:
    """Return the Page's long-lived token; a new login replaces one that expired or was revoked."""
    current = emu.state.tokens.get(page.access_token)
    if current is not None and validity_error(current, emu.now()) is None:
        return page.access_token
    fresh = emu.issue_token(FACEBOOK, "PAGE", page.id, None, scopes, long_lived=True)
    page.access_token = fresh.value
    for acct in emu.state.accounts.values():
        if acct.page_id == page.id:
            acct.page_token = fresh.value
    return fresh.value


async def list_pages(emu: GraphEmulator, call: Call) -> dict[str, Any]:
    """GET /me/accounts (or /{user-id}/accounts): the user's Pages, paged, with Page tokens."""
    user = call.target
    pages = [emu.state.pages[p] for p in user.page_ids]
    return paginate(
        call,
        pages,
        lambda pg: render_page(emu, call, pg, call.fields, _page_token_for(emu, call.token, pg)),
        item_id=lambda pg: pg.id,
    )


async def get_page(emu: GraphEmulator, call: Call) -> dict[str, Any]:
    """GET /{page-id}?fields=instagram_business_account{id,username}."""
    page = call.target
    reqs = call.fields or [FieldReq("name"), FieldReq("id")]
    return render_page(emu, call, page, reqs, _page_token_for(emu, call.token, page))
