"""Both login flows: start (to Meta's dialog), callback (code → long-lived tokens), the person's choice, saving."""

from __future__ import annotations

import json
import logging
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

from bot.connect.store_connection import ConnectionConflict, save_connection
from bot.deps import Deps
from bot.graph import errors as E
from bot.graph import tokens as graph_tokens
from bot.graph import webhooks as graph_webhooks
from bot.graph.account import GraphAccount
from storage import oauth_states as states
from storage.clock import iso

log = logging.getLogger(__name__)
FACEBOOK_SCOPES = ("instagram_basic", "instagram_content_publish", "instagram_manage_comments",
                   "instagram_manage_insights", "pages_show_list", "pages_read_engagement", "pages_manage_metadata",
                   "ads_read")
INSTAGRAM_SCOPES = ("instagram_business_basic", "instagram_business_content_publish",
                    "instagram_business_manage_comments", "instagram_business_manage_insights")
OPTIONAL_SCOPES = ("ads_read",)  # only for Page roles that come through Business Manager
SCOPE_USE = {
    "instagram_basic": "read the account and its posts", "instagram_business_basic": "read the account and its posts",
    "instagram_content_publish": "publish posts", "instagram_business_content_publish": "publish posts",
    "instagram_manage_comments": "read, answer and hide comments",
    "instagram_business_manage_comments": "read, answer and hide comments",
    "instagram_manage_insights": "read the numbers for the digest",
    "instagram_business_manage_insights": "read the numbers for the digest",
    "pages_show_list": "find the Pages you manage", "pages_read_engagement": "see which Instagram account a Page has",
    "pages_manage_metadata": "switch on comment notifications (webhooks)",
}
PAGE_FIELDS = ("feed",)
CHOICE_TTL = timedelta(minutes=10)


class ConnectError(Exception):
    """The login cannot go on; the message tells the person why, in plain words."""


@dataclass
class Outcome:
    """What the callback page shows: connected accounts, accounts to choose from, or notes."""

    connected: list[dict] = field(default_factory=list)
    choices: list[dict] = field(default_factory=list)
    choice_token: str = ""
    channel_id: str = ""
    notes: list[str] = field(default_factory=list)


def redirect_uri(deps: Deps, flavor: str) -> str:
    """Return the callback URL registered with Meta for a flavor."""
    return f"{deps.config.public_url}/oauth/{flavor}/callback"


async def start_url(deps: Deps, flavor: str, state: str, *, now: datetime | None = None) -> str:
    """Return Meta's login dialog URL for a valid, unused state."""
    row = await deps.store.run(states.get_state, state) if state else None
    problem = state_problem(row, now or datetime.now(UTC))
    if problem:
        raise ConnectError(problem)
    config = deps.config
    if flavor == "facebook":
        query = {"client_id": config.meta_app_id, "redirect_uri": redirect_uri(deps, flavor), "state": state,
                 "response_type": "code", "scope": ",".join(FACEBOOK_SCOPES)}
        return f"{config.facebook_www_url}/{config.graph_api_version}/dialog/oauth?{urlencode(query)}"
    if not (config.instagram_app_id and config.instagram_app_secret):
        raise ConnectError("Instagram Login is not set up on this igbot (INSTAGRAM_APP_ID and INSTAGRAM_APP_SECRET "
                           "are missing). Use Facebook Login, or ask the person who runs igbot to add them.")
    query = {"client_id": config.instagram_app_id, "redirect_uri": redirect_uri(deps, flavor), "state": state,
             "response_type": "code", "scope": ",".join(INSTAGRAM_SCOPES), "force_reauth": "true"}
    return f"{config.instagram_www_url}/oauth/authorize?{urlencode(query)}"


def state_problem(row: dict | None, now: datetime) -> str | None:
    """Say, in plain words, why a connect link cannot be used (None when it can)."""
    fresh = " Nothing was connected. Run `/ig connect` in Slack for a fresh link."
    if row is None or row["payload"]:
        return "This login did not start from a connect link igbot gave out." + fresh
    if row["used_at"]:
        return "This connect link was already used (each link works once)." + fresh
    if row["expires_at"] <= iso(now):
        return "This connect link is older than 10 minutes." + fresh
    return None


async def _take_state(deps: Deps, params: dict, flavor: str) -> dict:
    moment = datetime.now(UTC)
    state = await deps.store.run(states.consume_state, params.get("state", ""), flavor=flavor, now=moment)
    if state is None or state["payload"]:
        row = await deps.store.run(states.get_state, params.get("state", ""))
        raise ConnectError(state_problem(row, moment) or state_problem(None, moment))
    if params.get("error"):
        raise ConnectError("The login was cancelled or permission was not given, so nothing was connected. Run "
                           "`/ig connect` again and accept the permissions igbot asks for.")
    if not params.get("code"):
        raise ConnectError("Meta sent no login code back. Nothing was connected; please try `/ig connect` again.")
    return state


def missing_permissions(wanted: tuple[str, ...], granted: list[str] | str | None) -> None:
    """Refuse a login that lacks a permission igbot needs, naming each one and what it is for."""
    if granted is None:
        return
    given = {s.strip() for s in (granted.split(",") if isinstance(granted, str) else granted)}
    missing = [s for s in wanted if s not in given and s not in OPTIONAL_SCOPES]
    if missing:
        listed = "; ".join(f"{s} (to {SCOPE_USE.get(s, 'work')})" for s in missing)
        raise ConnectError("The login did not give igbot every permission it needs, so nothing was connected. "
                           f"Missing: {listed}. Run `/ig connect` again and leave every permission switched on "
                           "(in Facebook's dialog, look under “Edit access” or “Edit settings”).")


def _epoch(value: object) -> str | None:
    """Turn Meta's epoch seconds (0 = never) into a stored timestamp."""
    return iso(datetime.fromtimestamp(int(value), UTC)) if value else None


async def facebook_callback(deps: Deps, params: dict) -> Outcome:
    """Exchange the code, check the permissions given, find the Pages with Instagram accounts, ask which to connect."""
    state = await _take_state(deps, params, "facebook")
    try:
        short = await graph_tokens.facebook_code_to_token(deps.graph, params["code"], redirect_uri(deps, "facebook"))
        long = await graph_tokens.facebook_long_lived(deps.graph, short["access_token"])
        info = await graph_tokens.debug_token(deps.graph, long["access_token"])
        missing_permissions(FACEBOOK_SCOPES, info.get("scopes") if info.get("is_valid") else None)
        found = await graph_tokens.facebook_pages(deps.graph, long["access_token"])
    except E.GraphError as exc:
        raise ConnectError(f"Meta refused the login: {exc.sentence}") from None
    if not found:
        raise ConnectError("None of the Facebook Pages you manage has an Instagram professional account linked "
                           "(or igbot was not given access to it). Link the Instagram account to its Page in the "
                           "Instagram app (Settings › Account type and tools), then run `/ig connect` again.")
    token = secrets.token_urlsafe(32)
    payload = deps.cipher.encrypt(json.dumps({"pages": found, "by": state["slack_user_id"],
                                              "account": state["account"],
                                              "data_access_expires_at": _epoch(info.get("data_access_expires_at"))}))
    await deps.store.run(states.add_state, state=token, slack_user_id=state["slack_user_id"],
                         channel_id=state["channel_id"], account=state["account"], now=datetime.now(UTC),
                         ttl=CHOICE_TTL, payload=payload)
    choices = [{"ig_user_id": p["ig_user_id"], "username": p["username"], "page_name": p["page_name"]} for p in found]
    return Outcome(choices=choices, choice_token=token, channel_id=state["channel_id"])


async def facebook_finish(deps: Deps, choice_token: str, chosen: list[str]) -> Outcome:
    """Connect the Instagram accounts the person ticked, each with its Page's non-expiring token."""
    state = await deps.store.run(states.consume_state, choice_token, flavor="facebook", now=datetime.now(UTC))
    if state is None or not state["payload"]:
        raise ConnectError("This choice expired or was already sent. Nothing more was connected; run `/ig connect` "
                           "again if you need to.")
    saved = json.loads(deps.cipher.decrypt(state["payload"]))
    pages = [p for p in saved["pages"] if p["ig_user_id"] in set(chosen)]
    if not pages:
        raise ConnectError("No account was ticked, so nothing was connected. Run `/ig connect` again to choose.")
    outcome = Outcome(channel_id=state["channel_id"])
    for page in pages:
        await _connect(deps, outcome, state, username=page["username"], ig_user_id=page["ig_user_id"],
                       login="facebook", page_id=page["page_id"], token=page["page_token"], expires_at=None,
                       data_access_expires_at=saved.get("data_access_expires_at"))
    return outcome


async def instagram_callback(deps: Deps, params: dict) -> Outcome:
    """Exchange the code for a 60-day token and connect the account by its user_id (never the app-scoped id)."""
    state = await _take_state(deps, params, "instagram")
    try:
        short = await graph_tokens.instagram_code_to_token(deps.graph, params["code"].removesuffix("#_"),
                                                           redirect_uri(deps, "instagram"))
        missing_permissions(INSTAGRAM_SCOPES, short.get("permissions"))
        long = await graph_tokens.instagram_long_lived(deps.graph, short["access_token"])
        who = await graph_tokens.instagram_identity(deps.graph, long["access_token"])
    except E.GraphError as exc:
        raise ConnectError(f"Meta refused the login: {exc.sentence}") from None
    expires_in = int(long.get("expires_in") or 0)
    expires_at = iso(datetime.now(UTC) + timedelta(seconds=expires_in)) if expires_in else None
    outcome = Outcome(channel_id=state["channel_id"])
    await _connect(deps, outcome, state, username=who["username"], ig_user_id=str(who["ig_user_id"]),
                   login="instagram", page_id=None, token=long["access_token"], expires_at=expires_at)
    return outcome


async def _connect(deps: Deps, outcome: Outcome, state: dict, *, username: str, ig_user_id: str, login: str,
                   page_id: str | None, token: str, expires_at: str | None,
                   data_access_expires_at: str | None = None) -> None:
    """Save one account, subscribe it to webhooks, and note the result for the page and the channel."""
    try:
        row, created = await save_connection(
            deps, username=username, ig_user_id=ig_user_id, login=login, page_id=page_id, token=token,
            expires_at=expires_at, data_access_expires_at=data_access_expires_at, channel_id=state["channel_id"],
            by_user=state["slack_user_id"])
    except ConnectionConflict as exc:
        outcome.notes.append(f"@{username} was not connected: {exc}.")
        return
    subscribed = await _subscribe(deps, row, token)
    outcome.connected.append({"username": row["username"], "channel_id": row["channel_id"], "created": created,
                              "subscribed": subscribed})
    verb = "connected" if created else "reconnected"
    note = "" if subscribed else " (webhooks could not be switched on yet; `igbot webhooks subscribe` retries)"
    await deps.outbox.post(channel_id=row["channel_id"], account_id=row["id"], payload={
        "text": f":link: <@{state['slack_user_id']}> {verb} @{row['username']} ({login} login){note}."})


async def _subscribe(deps: Deps, row: dict, token: str) -> bool:
    """Opt the account in to comment webhooks; True when Meta said yes."""
    account = GraphAccount(id=row["ig_user_id"], ig_user_id=row["ig_user_id"], login=row["login"], token=token,
                           page_id=row["page_id"], username=row["username"])
    fields = ["comments"] if row["login"] == "instagram" else list(PAGE_FIELDS)
    try:
        await graph_webhooks.subscribe_account(deps.graph, account, fields, page_token=token)
    except E.GraphError as exc:
        log.warning("could not subscribe @%s to webhooks: %s", row["username"], exc.sentence)
        return False
    return True
