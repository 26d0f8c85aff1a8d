"""Webhook subscriptions: the app's ``/{app-id}/subscriptions`` and each account's ``subscribed_apps``."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from .account import GraphAccount, Priority
from .client import GraphClient


async def subscribe_app(
    client: GraphClient,
    *,
    callback_url: str,
    fields: list[str],
    verify_token: str,
    object: str = "instagram",
    include_values: bool = True,
) -> dict[str, Any]:
    """Subscribe the app to an object's fields (``POST /{app-id}/subscriptions`` with the app token)."""
    params = {
        "object": object,
        "callback_url": callback_url,
        "fields": ",".join(fields),
        "verify_token": verify_token,
        "include_values": include_values,
    }
    return await client.app_request("POST", f"{client.settings.meta_app_id}/subscriptions", params=params)


async def app_subscriptions(client: GraphClient) -> list[dict[str, Any]]:
    """List the app's webhook subscriptions (object, callback_url, fields, active)."""
    body = await client.app_request("GET", f"{client.settings.meta_app_id}/subscriptions")
    return body.get("data") or []


async def unsubscribe_app(
    client: GraphClient, *, object: str = "instagram", fields: list[str] | None = None
) -> dict:
    """Remove the app's subscription to an object (or only some fields)."""
    params: dict[str, Any] = {"object": object}
    if fields:
        params["fields"] = ",".join(fields)
    return await client.app_request("DELETE", f"{client.settings.meta_app_id}/subscriptions", params=params)


def _target(account: GraphAccount, page_token: str | None) -> tuple[str, GraphAccount]:
    if account.login == "instagram":
        return account.ig_user_id, account
    if not account.page_id:
        raise ValueError(f"{account.label} has no Page id; Facebook Login subscriptions go through its Page")
    return account.page_id, replace(account, token=page_token) if page_token else account


async def subscribe_account(
    client: GraphClient, account: GraphAccount, fields: list[str], *, page_token: str | None = None
) -> dict[str, Any]:
    """Opt the account in: its own ``subscribed_apps`` (Instagram Login) or its Page's (Facebook Login)."""
    node, acting = _target(account, page_token)
    return await client.post(
        f"{node}/subscribed_apps",
        acting,
        params={"subscribed_fields": ",".join(fields)},
        priority=Priority.PERSON,
        idempotent=True,
    )


async def account_subscriptions(
    client: GraphClient, account: GraphAccount, *, page_token: str | None = None
) -> list[dict[str, Any]]:
    """Return the apps (and fields) the account or its Page is subscribed to."""
    node, acting = _target(account, page_token)
    body = await client.get(f"{node}/subscribed_apps", acting, priority=Priority.PERSON)
    return body.get("data") or []


async def unsubscribe_account(
    client: GraphClient, account: GraphAccount, *, page_token: str | None = None
) -> dict[str, Any]:
    """Remove the app from the account's (or its Page's) ``subscribed_apps``."""
    node, acting = _target(account, page_token)
    return await client.delete(f"{node}/subscribed_apps", acting, priority=Priority.PERSON, idempotent=True)
