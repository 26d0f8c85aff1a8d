"""/ig settings: read and change an account's digest time, timezone, weekly part and approvals."""

from __future__ import annotations

from dataclasses import dataclass

from bot.accounts import AccountInputError, validate_digest_time, validate_timezone

USAGE = ("`/ig settings <account> [digest HH:MM] [timezone Area/City] [weekly on|off] [approval on|off]`, "
         "e.g. `/ig settings @demo_shop digest 08:30 timezone Europe/Berlin weekly off`")
SWITCHES = {"on": 1, "off": 0}


class SettingsInputError(ValueError):
    """What was typed after `/ig settings` is wrong; the message says what and shows the form."""


@dataclass(frozen=True)
class SettingsRequest:
    """An account name and the settings to change (empty: just show them)."""

    account: str
    changes: dict


def parse_settings(args: str) -> SettingsRequest:
    """Parse `<account> [digest HH:MM] [timezone Area/City] [weekly on|off] [approval on|off]`."""
    words = args.split()
    if not words:
        raise SettingsInputError(f"Which account? {USAGE}")
    account, rest = words[0], words[1:]
    if len(rest) % 2:
        raise SettingsInputError(f"`{rest[-1]}` needs a value. {USAGE}")
    changes: dict = {}
    for name, value in zip(rest[::2], rest[1::2], strict=True):
        try:
            changes.update(_setting(name.lower(), value))
        except AccountInputError as exc:
            raise SettingsInputError(f"{exc}. {USAGE}") from None
    return SettingsRequest(account=account, changes=changes)


def _setting(name: str, value: str) -> dict:
    if name == "digest":
        return {"digest_time": validate_digest_time(value)}
    if name == "timezone":
        return {"timezone": validate_timezone(value)}
    if name in ("weekly", "approval"):
        if value.lower() not in SWITCHES:
            raise AccountInputError(f"{name} must be on or off, not {value!r}")
        column = "weekly_digest" if name == "weekly" else "approval_required"
        return {column: SWITCHES[value.lower()]}
    raise AccountInputError(f"unknown setting {name!r}: use digest, timezone, weekly or approval")


def describe(account: dict) -> str:
    """Return an account's settings as one line people read."""
    return (f"@{account['username']}: digest at {account['digest_time']} {account['timezone']}, weekly part "
            f"{'on' if account['weekly_digest'] else 'off'}, approval {'on' if account['approval_required'] else 'off'}"
            f", channel <#{account['channel_id']}>")
