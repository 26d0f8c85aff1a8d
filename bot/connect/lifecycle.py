"""The daily token check: refresh Instagram-Login tokens, inspect Facebook ones, warn before any expiry."""

from __future__ import annotations

import logging
import math
from datetime import UTC, datetime, timedelta

from bot.connect.fields import account_fields
from bot.connect.oauth import FACEBOOK_SCOPES
from bot.deps import Deps
from bot.graph import Priority
from bot.graph import errors as E
from bot.graph import media as graph_media
from bot.graph import tokens as graph_tokens
from bot.graph import webhooks as graph_webhooks
from bot.graph_accounts import graph_account
from storage import accounts as account_rows
from storage import graph_state, oauth_states
from storage import tokens as token_rows
from storage.clock import iso, parse

log = logging.getLogger(__name__)
INTERVAL_SECONDS = 24 * 3600
TOKEN_CHECK_SECONDS = 3600  # the token check runs hourly, over a 24th of the accounts each time
CHECK_EVERY = timedelta(hours=23)  # a token checked more recently waits (23, not 24: hourly runs drift)
REFRESH_WITHIN = timedelta(days=10)
REFRESH_MIN_AGE = timedelta(hours=24)
WARN_BEFORE = (timedelta(days=1), timedelta(days=7))  # tightest first


def _moment(deps: Deps) -> datetime:
    return datetime.fromtimestamp(deps.graph.clock(), UTC)


def _epoch(value: object) -> str | None:
    """Turn Meta's epoch seconds (0 = never) into a stored timestamp."""
    return iso(datetime.fromtimestamp(int(value), UTC)) if value else None


async def check_tokens(deps: Deps, now: datetime | None = None) -> None:
    """Hourly job: keep every account's token fresh and its expiries known, each once a day, warn ahead of any
    expiry; each run takes a 24th of the accounts, so the app-token calls (debug_token) are spread out."""
    moment = now or _moment(deps)
    await deps.store.run(oauth_states.prune_states, before=moment - timedelta(days=1))
    for account, row in await _due_for_check(deps, moment):
        if await _check_token(deps, account, row, moment):
            await deps.store.run(token_rows.mark_checked, account_id=account["id"], kind=row["kind"],
                                 at=iso(moment))


async def _due_for_check(deps: Deps, moment: datetime) -> list[tuple[dict, dict]]:
    """Return this run's share of the active accounts (a 24th, rounded up) whose token was not checked within
    CHECK_EVERY, least recently checked first, each with its token row."""
    active = [a for a in await deps.store.run(account_rows.list_accounts) if a["status"] == "active"]
    due = []
    for account in active:
        row = await deps.store.run(token_rows.get_token, account["id"])
        if row is not None and not (row["checked_at"] and parse(row["checked_at"]) > moment - CHECK_EVERY):
            due.append((account, row))
    due.sort(key=lambda pair: pair[1]["checked_at"] or "")
    return due[:math.ceil(len(active) * TOKEN_CHECK_SECONDS / INTERVAL_SECONDS)]


async def _check_token(deps: Deps, account: dict, row: dict, moment: datetime) -> bool:
    """Check one account's token: mark it when past its expiry, refresh or inspect it, warn ahead of expiries;
    return False when Meta could not be asked (the next run tries again)."""
    if row["expires_at"] and parse(row["expires_at"]) <= moment:
        await _mark(deps, account, f"the access token expired on {row['expires_at'][:10]} and can no longer "
                                   "be renewed")
        return True
    done = True
    try:
        if account["login"] == "instagram":
            row = await _refresh_instagram(deps, account, row, moment)
        else:
            row = await _inspect_facebook(deps, account, row, moment)
    except E.AccountNeedsReconnect:
        return True
    except E.GraphError as exc:  # a hiccup now: the stored expiries still deserve their warnings
        log.warning("token check for @%s failed: %s", account["username"], exc.sentence)
        done = False
    if row:
        await _warn(deps, account, row, moment)
    return done


async def _mark(deps: Deps, account: dict, reason: str) -> None:
    """Mark an account as needing a reconnect (the tick sends the one alert); never disconnect it."""
    if await deps.store.run(graph_state.mark_needs_reconnect, account["ig_user_id"], reason):
        log.warning("@%s needs reconnecting: %s", account["username"], reason)


async def _refresh_instagram(deps: Deps, account: dict, row: dict, now: datetime) -> dict | None:
    expires = parse(row["expires_at"]) if row["expires_at"] else None
    old_enough = now - parse(row["updated_at"]) >= REFRESH_MIN_AGE
    if not expires or not old_enough or expires - now > REFRESH_WITHIN:
        return row
    try:
        body = await graph_tokens.instagram_refresh(deps.graph, deps.cipher.decrypt(row["ciphertext"]))
    except E.TokenInvalid as exc:
        await _mark(deps, account, f"Instagram refused to renew the access token ({exc.codes or 190})")
        return None
    if not body.get("access_token"):
        raise E.GraphError("Instagram answered the token refresh without a token")
    expires_at = iso(now + timedelta(seconds=int(body["expires_in"]))) if body.get("expires_in") else None
    await deps.store.run(token_rows.put_token, account_id=account["id"], kind=row["kind"],
                         ciphertext=deps.cipher.encrypt(body["access_token"]), expires_at=expires_at)
    log.info("refreshed the Instagram token of @%s", account["username"])
    return await deps.store.run(token_rows.get_token, account["id"], row["kind"])


async def _inspect_facebook(deps: Deps, account: dict, row: dict, now: datetime) -> dict | None:
    info = await graph_tokens.debug_token(deps.graph, deps.cipher.decrypt(row["ciphertext"]),
                                          priority=Priority.BACKGROUND)
    if not info.get("is_valid", False):
        error = info.get("error") or {}
        codes = "/".join(str(error[k]) for k in ("code", "subcode") if error.get(k))
        reason = error.get("message") or "Meta says the token is no longer valid"
        await _mark(deps, account, f"{reason} ({codes + ', ' if codes else ''}debug_token)")
        return None
    await deps.store.run(token_rows.set_expiries, account_id=account["id"], kind=row["kind"],
                         expires_at=_epoch(info.get("expires_at")),
                         data_access_expires_at=_epoch(info.get("data_access_expires_at")))
    data_access = _epoch(info.get("data_access_expires_at"))
    if data_access and parse(data_access) <= now:
        await _mark(deps, account, f"the data access granted at login ended on {data_access[:10]}; "
                                   "Meta requires logging in again")
        return None
    await _warn_missing_scopes(deps, account, info.get("scopes"))
    return await deps.store.run(token_rows.get_token, account["id"], row["kind"])


async def _warn_missing_scopes(deps: Deps, account: dict, scopes: object) -> None:
    """Tell the channel once when a permission igbot needs was taken away (ads_read is optional)."""
    if not isinstance(scopes, list):
        return
    missing = sorted(set(FACEBOOK_SCOPES) - set(scopes) - {"ads_read"})
    if not missing:
        return
    names = ", ".join(f"`{name}`" for name in missing)
    text = (f":warning: @{account['username']}'s login no longer grants {names}, so some of igbot's work "
            "(posting, comments or insights) will be refused. An admin can grant it again with `/ig connect` "
            "→ log in and keep every permission ticked.")
    await deps.outbox.post(channel_id=account["channel_id"], account_id=account["id"], payload={"text": text},
                           dedupe_key=f"scopes:{account['id']}:{','.join(missing)}")


async def _warn(deps: Deps, account: dict, row: dict, now: datetime) -> None:
    for label, value in (("access token", row["expires_at"]), ("data access", row["data_access_expires_at"])):
        if not value:
            continue
        left = parse(value) - now
        for ahead in WARN_BEFORE:
            if timedelta(0) < left <= ahead:
                days = "1 day" if ahead.days == 1 else f"{ahead.days} days"
                text = (f":hourglass: @{account['username']}'s {label} expires within {days} "
                        f"(<!date^{int(parse(value).timestamp())}^{{date_short_pretty}} {{time}}|{value}>). "
                        "An admin can renew it now with `/ig connect` → log in again; nothing else changes.")
                await deps.outbox.post(channel_id=account["channel_id"], account_id=account["id"],
                                       payload={"text": text},
                                       dedupe_key=f"expiry:{account['id']}:{label}:{ahead.days}:{value}")
                break


async def check_subscriptions(deps: Deps, now: datetime | None = None) -> None:
    """Daily job: make sure every account is still opted in to webhooks; re-subscribe and tell the channel."""
    for account in await deps.store.run(account_rows.list_accounts):
        if account["status"] != "active":
            continue
        try:
            gaccount = await graph_account(deps.store, deps.cipher, account)
            subscribed = await graph_webhooks.account_subscriptions(deps.graph, gaccount, page_token=gaccount.token)
            if _ours(deps, account, subscribed):
                continue
            fields = await account_fields(deps.store, account["login"])
            await graph_webhooks.subscribe_account(deps.graph, gaccount, fields, page_token=gaccount.token)
        except (E.GraphError, ValueError) as exc:
            log.warning("webhook subscription check for @%s failed: %s", account["username"],
                        getattr(exc, "sentence", exc))
            continue
        day = (now or _moment(deps)).date().isoformat()
        await deps.outbox.post(channel_id=account["channel_id"], account_id=account["id"], dedupe_key=
                               f"resubscribed:{account['id']}:{day}", payload={"text": (
                                   f":satellite_antenna: @{account['username']} had stopped receiving Instagram "
                                   "webhooks; igbot subscribed it again. Comments missed meanwhile are picked up "
                                   "by the regular sync.")})


def _ours(deps: Deps, account: dict, subscribed: list[dict]) -> bool:
    """Say whether igbot's app is among an account's subscriptions (an IG token sees only its own app)."""
    if account["login"] == "instagram":
        return bool(subscribed)
    return any(deps.config.meta_app_id in (s.get("id"), s.get("app_id")) for s in subscribed)


async def refresh_usernames(deps: Deps, now: datetime | None = None) -> None:
    """Daily job: follow renames on Instagram, so `<account>` keeps working with the new name."""
    for account in await deps.store.run(account_rows.list_accounts):
        if account["status"] != "active":
            continue
        try:
            gaccount = await graph_account(deps.store, deps.cipher, account)
            name = await graph_media.current_username(deps.graph, gaccount)
        except E.GraphError as exc:
            log.warning("username check for @%s failed: %s", account["username"], exc.sentence)
            continue
        if name and name != account["username"]:
            taken = await deps.store.run(account_rows.get_account_by_username, name)
            if taken is None:
                await deps.store.run(account_rows.rename_account, account["id"], name)
                log.info("@%s is now @%s on Instagram", account["username"], name)
