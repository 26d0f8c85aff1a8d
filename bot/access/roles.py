"""Roles per account: what each one allows, and whether a person holds enough of one."""

from __future__ import annotations

from collections.abc import Collection, Mapping

ROLES = ("moderator", "publisher", "approver", "admin")
ROLE_HELP = {
    "moderator": "reply to, hide, unhide and delete comments",
    "publisher": "moderate, and queue, edit, cancel and publish posts",
    "approver": "publish, and approve or reject other people's posts",
    "admin": "everything, including access, connecting accounts and settings",
}


def rank(role: str | None) -> int:
    """Return how much a role allows (0 for none)."""
    return ROLES.index(role) + 1 if role in ROLES else 0


def role_on(account: str, grants: Mapping[str, str], *, user_id: str, admins: Collection[str]) -> str | None:
    """Return the strongest role a person holds on an account (IGBOT_ADMINS are admin everywhere)."""
    if user_id in admins:
        return "admin"
    candidates = [grants.get(account), grants.get("*")]
    best = max(candidates, key=rank)
    return best if rank(best) else None


def allows(held: str | None, needed: str) -> bool:
    """Return True when the held role covers the needed one."""
    return rank(held) >= rank(needed)


def refusal(needed: str, account: str, admins: Collection[str], user_id: str) -> str:
    """Tell a person which role they need, on what, and the command an admin can run to grant it."""
    who = ", ".join(f"<@{a}>" for a in admins) if admins else "an igbot admin"
    where = "every account" if account == "*" else f"@{account}"
    return (f":no_entry: You need the *{needed}* role on {where} to do that ({ROLE_HELP[needed]}). "
            f"{who[0].upper()}{who[1:]} can grant it with: /ig access grant <@{user_id}> {account} {needed}")
