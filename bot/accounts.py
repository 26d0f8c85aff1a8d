"""Registering and listing Instagram accounts (validation in plain words, tokens encrypted)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.cipher import TokenCipher
from storage import accounts as account_rows
from storage.db import Store

USERNAME = re.compile(r"^[A-Za-z0-9._]{1,30}$")
CHANNEL_ID = re.compile(r"^[CG][A-Z0-9]{8,}$")
DIGEST_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
LOGINS = ("facebook", "instagram")


class AccountInputError(ValueError):
    """What the person typed for an account is wrong; the message says how to fix it."""


@dataclass(frozen=True)
class NewAccount:
    """A validated account ready to store."""

    username: str
    ig_user_id: str
    login: str
    page_id: str | None
    channel_id: str
    timezone: str
    digest_time: str


def validate_timezone(name: str) -> str:
    """Return an IANA timezone name, or raise with a valid example."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise AccountInputError(f"unknown timezone {name!r}: use an IANA name like Europe/Berlin or "
                                "America/New_York") from None
    return name


def validate_digest_time(value: str) -> str:
    """Return an HH:MM time, or raise showing the form."""
    if not DIGEST_TIME.match(value):
        raise AccountInputError(f"digest time {value!r} must be HH:MM on a 24-hour clock, like 09:00")
    return value


def validate_new_account(*, username: str, ig_user_id: str, login: str, page_id: str | None, channel_id: str,
                         timezone: str, digest_time: str) -> NewAccount:
    """Check every field of a new account; raise AccountInputError listing all problems."""
    problems = []
    username = username.strip().lstrip("@")
    if not USERNAME.match(username):
        problems.append(f"username {username!r} must be an Instagram username (letters, digits, '.' and '_', "
                        "up to 30), like demo_shop")
    if not ig_user_id.isdigit():
        problems.append(f"Instagram user id {ig_user_id!r} must be numeric, like 17841400000000000")
    if login not in LOGINS:
        problems.append(f"login {login!r} must be facebook or instagram")
    if page_id is not None and not page_id.isdigit():
        problems.append(f"page id {page_id!r} must be numeric")
    if login == "facebook" and not page_id:
        problems.append("a Facebook-Login account needs its Page id (--page-id): its comments reach igbot as "
                        "webhooks through that Page. `GET /me/accounts?fields=id,instagram_business_account` "
                        "with your user token lists each Page id beside its Instagram account; or register an "
                        "Instagram-Login token with --login instagram")
    if not CHANNEL_ID.match(channel_id):
        problems.append(f"channel {channel_id!r} must be a Slack channel id like C0123456789 (open the "
                        "channel's details; the id is at the bottom)")
    for check, value in ((validate_timezone, timezone), (validate_digest_time, digest_time)):
        try:
            check(value)
        except AccountInputError as exc:
            problems.append(str(exc))
    if problems:
        raise AccountInputError("; ".join(problems))
    return NewAccount(username=username, ig_user_id=ig_user_id, login=login, page_id=page_id,
                      channel_id=channel_id, timezone=timezone, digest_time=digest_time)


def token_kind(login: str) -> str:
    """Return the kind of token an account of this login flavor uses."""
    return "page" if login == "facebook" else "instagram"


def register_account(store: Store, cipher: TokenCipher, account: NewAccount, token: str) -> dict:
    """Store an account and its encrypted token in one go (synchronous, for the CLI)."""
    if not token.strip():
        raise AccountInputError("the token is empty: paste the account's access token")

    try:
        return store.run_sync(account_rows.add_account_with_token, token_kind=token_kind(account.login),
                              ciphertext=cipher.encrypt(token.strip()), **account.__dict__)
    except account_rows.DuplicateAccount as exc:
        raise AccountInputError(str(exc)) from None
