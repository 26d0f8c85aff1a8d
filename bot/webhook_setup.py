"""`igbot webhooks subscribe|status` and the doctor's checks: the app's subscription and each account's."""

from __future__ import annotations

from dataclasses import dataclass

from bot.cipher import TokenCipher
from bot.config import Config
from bot.connect.fields import account_fields, set_page_fields
from bot.graph import media, webhooks
from bot.graph.client import GraphClient
from bot.graph.errors import GraphError, TokenInvalid
from bot.graph_accounts import graph_account
from storage import accounts as account_rows
from storage.db import Store

APP_OBJECT = "instagram"
APP_FIELDS = ("comments", "mentions")


@dataclass(frozen=True)
class Finding:
    """One line of a webhook report: what was checked, whether it is right, what to do if not."""

    name: str
    ok: bool
    detail: str


def callback_url(config: Config) -> str:
    """The URL Meta delivers Instagram webhooks to."""
    return f"{config.public_url}/webhooks/instagram"


def app_problems(config: Config) -> list[str]:
    """Return what must be set before the app's subscription can be read or made."""
    missing = [name for name, value in (("META_APP_ID", config.meta_app_id), ("META_APP_SECRET",
               config.meta_app_secret)) if not value]
    return [f"{name} is not set: copy it from the Meta App Dashboard (App settings > Basic)" for name in missing]


def _graph_words(exc: GraphError) -> str:
    return exc.sentence + (f" (Meta said: {exc.message})" if exc.message and exc.message not in exc.sentence else "")


async def app_status(graph: GraphClient, config: Config) -> Finding:
    """Check the app's `instagram` subscription: callback URL and fields."""
    problems = app_problems(config)
    if problems:
        return Finding("app subscription", False, "\n".join(problems))
    try:
        subscriptions = await webhooks.app_subscriptions(graph)
    except GraphError as exc:
        return Finding("app subscription", False, f"cannot read it: {_graph_words(exc)}")
    mine = next((s for s in subscriptions if s.get("object") == APP_OBJECT), None)
    fix = "run `igbot webhooks subscribe`"
    if mine is None:
        return Finding("app subscription", False, f"the app is not subscribed to Instagram webhooks: {fix}")
    fields = {f.get("name") if isinstance(f, dict) else f for f in mine.get("fields") or []}
    missing = [f for f in APP_FIELDS if f not in fields]
    wrong = []
    if config.public_url and mine.get("callback_url") != callback_url(config):
        wrong.append(f"Meta delivers to {mine.get('callback_url')}, not {callback_url(config)}")
    if missing:
        wrong.append(f"fields {', '.join(missing)} are not subscribed")
    if mine.get("active") is False:
        wrong.append("the subscription is inactive")
    if wrong:
        return Finding("app subscription", False, "; ".join(wrong) + f": {fix}")
    return Finding("app subscription", True, f"{APP_OBJECT} → {mine.get('callback_url')} "
                                             f"({', '.join(sorted(f for f in fields if f))})")


async def subscribe_app(graph: GraphClient, config: Config) -> Finding:
    """Subscribe the app (Meta first does a verification GET to the callback, which igbot must answer)."""
    problems = app_problems(config)
    if not config.public_url:
        problems.append("IGBOT_PUBLIC_URL is not set: set it to igbot's public https address")
    if not config.meta_webhook_verify_token:
        problems.append("META_WEBHOOK_VERIFY_TOKEN is not set: set any long random string (igbot keygen makes one)")
    if problems:
        return Finding("app subscription", False, "\n".join(problems))
    try:
        await webhooks.subscribe_app(graph, callback_url=callback_url(config), fields=list(APP_FIELDS),
                                     verify_token=config.meta_webhook_verify_token, object=APP_OBJECT)
    except GraphError as exc:
        return Finding("app subscription", False, f"Meta refused: {_graph_words(exc)}. Meta checks the callback "
                       f"with a GET to {callback_url(config)}: igbot serve must be running and reachable there, "
                       "with the same META_WEBHOOK_VERIFY_TOKEN")
    return Finding("app subscription", True, f"{APP_OBJECT} → {callback_url(config)} ({', '.join(APP_FIELDS)})")


def _ours(entry: dict, account: dict, graph: GraphClient) -> bool:
    if account["login"] == "instagram":
        app_id = graph.settings.instagram_app_id
        return entry.get("app_id") in (None, app_id) or entry.get("id") == app_id
    return str(entry.get("id")) == str(graph.settings.meta_app_id)


async def token_status(graph: GraphClient, store: Store, cipher: TokenCipher, account: dict) -> Finding:
    """Check an account's token with one cheap call (its own id and username)."""
    name = f"@{account['username']} token"
    try:
        acting = await graph_account(store, cipher, account)
        await media.profile(graph, acting, fields=media.TOKEN_CHECK_FIELDS)
    except TokenInvalid as exc:  # its sentence says how to reconnect
        return Finding(name, False, exc.sentence)
    except GraphError as exc:
        return Finding(name, False, _graph_words(exc))
    return Finding(name, True, "valid")


async def account_status(graph: GraphClient, store: Store, cipher: TokenCipher, account: dict) -> Finding:
    """Check that the account (or its Page) has the app in its subscribed_apps with the fields igbot needs."""
    where = "its Page" if account["login"] == "facebook" else "the account"
    name = f"@{account['username']} subscription"
    try:
        acting = await graph_account(store, cipher, account)
        entries = await webhooks.account_subscriptions(graph, acting)
    except (GraphError, ValueError) as exc:
        return Finding(name, False, exc.sentence if isinstance(exc, GraphError) else str(exc))
    mine = next((e for e in entries if _ours(e, account, graph)), None)
    fix = "run `igbot webhooks subscribe`"
    if mine is None:
        return Finding(name, False, f"{where} is not subscribed to igbot's app, so no comment reaches Slack: {fix}")
    fields = mine.get("subscribed_fields") or []
    missing = [f for f in await account_fields(store, account["login"]) if f not in fields]
    if missing:
        return Finding(name, False, f"{where} lacks {', '.join(missing)}: {fix}")
    return Finding(name, True, f"{where} is subscribed ({', '.join(fields)})")


async def subscribe_account(graph: GraphClient, store: Store, cipher: TokenCipher, account: dict) -> Finding:
    """Subscribe the account (Instagram Login) or its Page (Facebook Login) to igbot's app."""
    name = f"@{account['username']} subscription"
    fields = await account_fields(store, account["login"])
    try:
        acting = await graph_account(store, cipher, account)
        await webhooks.subscribe_account(graph, acting, fields)
    except (GraphError, ValueError) as exc:
        return Finding(name, False, exc.sentence if isinstance(exc, GraphError) else str(exc))
    where = "its Page" if account["login"] == "facebook" else "the account"
    return Finding(name, True, f"{where} is subscribed ({', '.join(fields)})")


async def report(graph: GraphClient, config: Config, store: Store, cipher: TokenCipher, *,
                 subscribe: bool, tokens: bool = False) -> list[Finding]:
    """Check (or make) the app's subscription and each account's; with tokens, check each token first."""
    findings = [await (subscribe_app if subscribe else app_status)(graph, config)]
    for account in await store.run(account_rows.list_accounts):
        if tokens:
            checked = await token_status(graph, store, cipher, account)
            findings.append(checked)
            if not checked.ok:
                continue
        step = subscribe_account if subscribe else account_status
        findings.append(await step(graph, store, cipher, account))
    return findings


def redact(text: str, secrets: list[str]) -> str:
    """Remove every secret from a line before it is printed."""
    for secret in sorted(secrets, key=len, reverse=True):
        if secret:
            text = text.replace(secret, "[redacted]")
    return text


async def run_report(config: Config, *, subscribe: bool, tokens: bool = False,
                     page_fields: tuple[str, ...] | None = None) -> list[Finding]:
    """Open the database and a Graph client, run the report, close both."""
    from bot.app import build_graph_client
    from bot.graph.factory import create_session
    from bot.startup import open_store

    store, cipher = open_store(config, create=subscribe)
    http = create_session()
    try:
        graph = build_graph_client(config, http, store)
        if page_fields:
            await set_page_fields(store, page_fields)
        return await report(graph, config, store, cipher, subscribe=subscribe, tokens=tokens)
    finally:
        await http.close()
        store.close()
