"""/ig settings <account> [digest HH:MM] [timezone Area/City] [weekly on|off] [approval on|off] (admins)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from zoneinfo import ZoneInfo, available_timezones

from bot import access
from bot.accounts_ui.health import now_of
from bot.blocks import escape
from bot.deps import Deps
from bot.digests.runner import schedule_account
from storage import accounts as account_rows

USAGE = ("Usage: `/ig settings <account> [digest HH:MM] [timezone Area/City] [weekly on|off] [approval on|off]` "
         "— e.g. `/ig settings @demo_shop digest 08:30 timezone Europe/Berlin weekly off`.")
OPTIONS = {"digest": "digest_time", "timezone": "timezone", "weekly": "weekly_digest", "approval": "approval_required"}
LABELS = {"digest_time": "daily digest", "timezone": "time zone", "weekly_digest": "weekly digest",
          "approval_required": "approval before publishing"}
TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


class SettingsError(ValueError):
    """What was wrong in a /ig settings command, in words for the person."""


@dataclass(frozen=True)
class SettingsRequest:
    """A parsed /ig settings command: the account name and the changes asked for (column -> value)."""

    account: str
    changes: dict


@cache
def _zones() -> frozenset[str]:
    return frozenset(available_timezones())


def _value(option: str, raw: str | None) -> object:
    if raw is None:
        raise SettingsError(f"`{option}` needs a value.")
    if option == "digest":
        match = TIME.match(raw)
        if not match:
            raise SettingsError(f"`{escape(raw)}` is not a time: write the digest time as HH:MM, 24-hour "
                                "(e.g. `digest 08:30`).")
        return f"{int(match[1]):02d}:{match[2]}"
    if option == "timezone":
        if raw not in _zones():
            raise SettingsError(f"`{escape(raw)}` is not a time zone I know: use an IANA name like "
                                "`Europe/Berlin` or `America/New_York` (case matters).")
        return raw
    if raw.lower() not in ("on", "off"):
        raise SettingsError(f"`{option} {escape(raw)}`: write `{option} on` or `{option} off`.")
    return int(raw.lower() == "on")


def parse_settings(args: str) -> SettingsRequest:
    """Parse the arguments into a request, or raise SettingsError naming what was wrong."""
    words = args.split()
    if not words:
        raise SettingsError("Which account? Name it first.")
    account, rest, changes = words[0].lstrip("@"), words[1:], {}
    if not account:
        raise SettingsError("Which account? Name it first.")
    i = 0
    while i < len(rest):
        option = rest[i].lower()
        if option not in OPTIONS:
            raise SettingsError(f"`{escape(rest[i])}` is not a setting: the settings are "
                                "`digest`, `timezone`, `weekly` and `approval`.")
        column = OPTIONS[option]
        if column in changes:
            raise SettingsError(f"`{option}` is given twice.")
        changes[column] = _value(option, rest[i + 1] if i + 1 < len(rest) else None)
        i += 2
    return SettingsRequest(account, changes)


def _shown(column: str, value: object) -> str:
    if column in ("weekly_digest", "approval_required"):
        return "on" if value else "off"
    return str(value)


def describe(account: dict) -> str:
    """The current settings of an account, one per line."""
    lines = [f"*Settings of @{escape(account['username'])}* (posting in <#{account['channel_id']}>)"]
    lines += [f"• {LABELS[c]}: `{_shown(c, account.get(c))}`" for c in LABELS]
    return "\n".join(lines)


async def reschedule_note(deps: Deps, account: dict) -> str:
    """Schedule the account's next digest at once and say when it is, in the account's time zone."""
    when = await schedule_account(deps, account, now_of(deps))
    if when is None:
        return ""
    local = when.astimezone(ZoneInfo(account["timezone"]))
    return f"\nThe next digest comes {local:%a %d %b at %H:%M} ({escape(account['timezone'])})."


async def run_settings(deps: Deps, *, user_id: str, args: str) -> str:
    """Show or change an account's settings (admin of that account); return the reply."""
    try:
        request = parse_settings(args)
    except SettingsError as exc:
        return f":x: {exc}\n{USAGE}"
    account = await deps.store.run(account_rows.get_account_by_username, request.account)
    if account is None:
        return f":x: I know no account `{escape(request.account)}`. `/ig accounts` lists them.\n{USAGE}"
    decision = await access.authorize(deps, user_id=user_id, account=account, needed="admin", action="settings")
    if not decision.allowed:
        return decision.message
    if not request.changes:
        return describe(account) + "\n" + USAGE
    changed = {c: v for c, v in request.changes.items() if account.get(c) != v}
    if not changed:
        return f"Nothing changed: @{escape(account['username'])} already has those settings.\n" + describe(account)
    updated = await deps.store.run(account_rows.update_settings, account["id"], **changed)
    summary = "; ".join(f"{LABELS[c]} {_shown(c, account.get(c))} → {_shown(c, v)}" for c, v in changed.items())
    await access.record(deps, user_id=user_id, action="settings", account=account, result="ok", detail=summary)
    note = await reschedule_note(deps, updated) if {"digest_time", "timezone"} & set(changed) else ""
    return f":white_check_mark: Changed for @{escape(account['username'])}: {escape(summary)}.{note}\n" \
           + describe(updated)
