"""Token primitives for both logins: code exchange, long-lived tokens, refresh, Pages, debug_token."""

from __future__ import annotations

from typing import Any

from . import errors as E
from .account import Priority
from .call import Call
from .client import GraphClient
from .paging import follow

PAGE_FIELDS = "id,name,access_token,instagram_business_account{id,username}"
_LOGIN = {"account": "the new login"}


def _require(*values: str | None, names: str) -> None:
    if not all(values):
        raise E.AppConfigError(f"{names} must be set to connect accounts; set them and restart")


async def _call(client: GraphClient, call: Call) -> dict[str, Any]:
    call.priority = Priority.PERSON
    call.context = {**_LOGIN, **call.context}
    body = await client.send(call)
    return body if isinstance(body, dict) else {}


async def facebook_code_to_token(client: GraphClient, code: str, redirect_uri: str) -> dict[str, Any]:
    """Exchange a Facebook Login code for a short-lived user token (``access_token``, ``expires_in``)."""
    _require(client.settings.meta_app_id, client.settings.meta_app_secret, names="META_APP_ID and META_APP_SECRET")
    params = {
        "client_id": client.settings.meta_app_id,
        "client_secret": client.settings.meta_app_secret,
        "redirect_uri": redirect_uri,
        "code": code,
    }
    return await _call(client, Call("GET", client.url("oauth/access_token"), params=params, retry=False))


async def facebook_long_lived(client: GraphClient, short_token: str) -> dict[str, Any]:
    """Exchange a short-lived Facebook user token for a long-lived one (about 60 days)."""
    _require(client.settings.meta_app_id, client.settings.meta_app_secret, names="META_APP_ID and META_APP_SECRET")
    params = {
        "grant_type": "fb_exchange_token",
        "client_id": client.settings.meta_app_id,
        "client_secret": client.settings.meta_app_secret,
        "fb_exchange_token": short_token,
    }
    return await _call(client, Call("GET", client.url("oauth/access_token"), params=params))


async def facebook_pages(
    client: GraphClient, user_token: str, *, max_pages: int = 20
) -> list[dict[str, Any]]:
    """List the user's Pages that have an Instagram professional account, with each Page's token."""
    first = Call(
        "GET",
        client.url("me/accounts"),
        params={"fields": PAGE_FIELDS, "limit": 100},
        token=user_token,
        priority=Priority.PERSON,
        context=dict(_LOGIN),
    )
    found: list[dict[str, Any]] = []
    async for page in follow(client, first, max_pages=max_pages):
        for item in page.get("data") or []:
            ig = item.get("instagram_business_account") or {}
            if ig.get("id"):
                found.append(
                    {
                        "page_id": item.get("id"),
                        "page_name": item.get("name"),
                        "page_token": item.get("access_token"),
                        "ig_user_id": ig["id"],
                        "username": ig.get("username"),
                    }
                )
    return found


async def debug_token(
    client: GraphClient, input_token: str, *, priority: Priority = Priority.PERSON
) -> dict[str, Any]:
    """Inspect a token with the app token (``is_valid``, ``expires_at``, ``data_access_expires_at`` …)."""
    body = await client.app_request(
        "GET",
        "debug_token",
        params={"input_token": input_token},
        token_in_query=True,
        priority=priority,
        context=_LOGIN,
    )
    return body.get("data") or {}


async def instagram_code_to_token(client: GraphClient, code: str, redirect_uri: str) -> dict[str, Any]:
    """Exchange an Instagram Login code for a short-lived token (``access_token``, ``user_id`` …)."""
    _require(
        client.settings.instagram_app_id,
        client.settings.instagram_app_secret,
        names="INSTAGRAM_APP_ID and INSTAGRAM_APP_SECRET",
    )
    form = {
        "client_id": client.settings.instagram_app_id,
        "client_secret": client.settings.instagram_app_secret,
        "grant_type": "authorization_code",
        "redirect_uri": redirect_uri,
        "code": code.removesuffix("#_"),
    }
    url = client.url("oauth/access_token", host=client.settings.instagram_api_url, versioned=False)
    call = Call(
        "POST", url, form=form, retry=False, write=True, context={"action": "the login code exchange"}
    )
    body = await _call(client, call)
    data = body.get("data")
    if isinstance(data, list) and data and isinstance(data[0], dict):
        body = data[0]
    return {k: body.get(k) for k in ("access_token", "user_id", "permissions") if k in body}


async def instagram_long_lived(client: GraphClient, short_token: str) -> dict[str, Any]:
    """Exchange a short-lived Instagram token for a long-lived one (60 days)."""
    _require(client.settings.instagram_app_secret, names="INSTAGRAM_APP_SECRET")
    params = {"grant_type": "ig_exchange_token", "client_secret": client.settings.instagram_app_secret}
    url = client.url("access_token", host=client.settings.instagram_graph_url, versioned=False)
    return await _call(client, Call("GET", url, params=params, token=short_token, token_in_query=True))


async def instagram_refresh(client: GraphClient, long_token: str) -> dict[str, Any]:
    """Refresh a long-lived Instagram token (at least 24 h old, not expired); the new one lasts 60 days."""
    url = client.url("refresh_access_token", host=client.settings.instagram_graph_url, versioned=False)
    params = {"grant_type": "ig_refresh_token"}
    return await _call(client, Call("GET", url, params=params, token=long_token, token_in_query=True))


async def instagram_identity(client: GraphClient, token: str) -> dict[str, Any]:
    """Return ``ig_user_id`` (``user_id``, never the app-scoped ``id``) and ``username``."""
    url = client.url("me", host=client.settings.instagram_graph_url)
    body = await _call(client, Call("GET", url, params={"fields": "user_id,username"}, token=token))
    return {
        "ig_user_id": str(body.get("user_id") or ""),
        "username": body.get("username"),
        "app_scoped_id": body.get("id"),
    }
