"""`/ig access grant|revoke|list`: parse who and where, check the admin role, change roles, audit it all."""

from __future__ import annotations

import re
from dataclasses import dataclass

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.access import authorize, record, roles
from bot.blocks import escape
from bot.deps import Deps
from storage import accounts as account_rows
from storage import roles as role_rows

USAGE = ("`/ig access grant @person <account|*> <role>` · `/ig access revoke @person <account|*>` · "
         f"`/ig access list [account]` — roles: {', '.join(roles.ROLES)}")
MENTION = re.compile(r"^<@([UW][A-Z0-9]{2,})(?:\|[^>]*)?>$")
RAW_ID = re.compile(r"^[UW][A-Z0-9]{6,}$")
ALL = {"username": "*", "id": None}


class AccessInputError(ValueError):
    """What the admin typed is wrong; the message says what and shows the right form."""


@dataclass(frozen=True)
class Person:
    """A Slack person named in a command."""

    user_id: str


async def resolve_person(client: AsyncWebClient, ref: str) -> Person:
    """Return the person `<@U…>`, `<@U…|name>`, `U…` or `@name` names (names through users.list)."""
    ref = ref.strip()
    if match := MENTION.match(ref):
        return Person(match.group(1))
    if RAW_ID.match(ref):
        return Person(ref)
    name = ref.lstrip("@").lower()
    if not name:
        raise AccessInputError(f"name a person, like @alice or <@U0123ABCD>. {USAGE}")
    found: set[str] = set()
    cursor = None
    try:
        while True:
            page = await client.users_list(limit=200, cursor=cursor)
            for member in page.get("members", []):
                profile = member.get("profile") or {}
                names = {member.get("name"), profile.get("display_name"), profile.get("real_name")}
                if not member.get("deleted") and name in {n.lower() for n in names if n}:
                    found.add(member["id"])
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                break
    except SlackApiError as exc:
        raise AccessInputError(f"I could not look up @{escape(name)} in Slack ({exc.response.get('error')}); "
                               "mention them with <@…> or use their member id (U…).") from None
    if len(found) != 1:
        why = "nobody" if not found else f"{len(found)} people"
        raise AccessInputError(f"{why} in this workspace is called @{escape(name)}; use their member id (U…), "
                               "found in their profile under ⋮ > Copy member ID.")
    return Person(found.pop())


async def account_or_all(deps: Deps, name: str, *, allow_all: bool) -> dict:
    """Return the account row for a username, or the '*' placeholder where allowed."""
    if name == "*" and allow_all:
        return ALL
    account = await deps.store.run(account_rows.get_account_by_username, name)
    if account is None:
        raise AccessInputError(f"there is no account @{escape(name.lstrip('@'))}; `/ig accounts` lists them.")
    return account


async def run_access(deps: Deps, client: AsyncWebClient, *, actor: str, args: str) -> str:
    """Run one `/ig access …` command and return what to tell the admin (ephemeral)."""
    words = args.split()
    verb = words[0].lower() if words else ""
    try:
        if verb == "grant" and len(words) == 4:
            return await grant(deps, client, actor, words[1], words[2], words[3].lower())
        if verb == "revoke" and len(words) == 3:
            return await revoke(deps, client, actor, words[1], words[2])
        if verb == "list" and len(words) <= 2:
            return await list_access(deps, actor, words[1] if len(words) == 2 else None)
    except AccessInputError as exc:
        return f":x: {exc}"
    return f":x: I did not understand `/ig access {escape(args)}`. {USAGE}"


async def grant(deps: Deps, client: AsyncWebClient, actor: str, who: str, where: str, role: str) -> str:
    """Give a person a role on an account (or on every account with '*')."""
    if role not in roles.ROLES:
        raise AccessInputError(f"`{escape(role)}` is not a role; use one of {', '.join(roles.ROLES)}. {USAGE}")
    account = await account_or_all(deps, where, allow_all=True)
    decision = await authorize(deps, user_id=actor, account=account, needed="admin", action="access.grant",
                               target=who[:80])
    if not decision.allowed:
        return decision.message
    person = await resolve_person(client, who)
    await deps.store.run(role_rows.grant_role, slack_user_id=person.user_id, account=account["username"],
                         role=role, granted_by=actor)
    await record(deps, user_id=actor, action="access.grant", account=account if account["id"] else None,
                 result="ok", target=person.user_id, detail=f"{role} on {account['username']}")
    where_text = "every account" if account is ALL else f"@{account['username']}"
    return f":white_check_mark: <@{person.user_id}> is now *{role}* on {where_text} ({roles.ROLE_HELP[role]})."


async def revoke(deps: Deps, client: AsyncWebClient, actor: str, who: str, where: str) -> str:
    """Remove a person's role on an account (or their '*' role)."""
    account = await account_or_all(deps, where, allow_all=True)
    decision = await authorize(deps, user_id=actor, account=account, needed="admin", action="access.revoke",
                               target=who[:80])
    if not decision.allowed:
        return decision.message
    person = await resolve_person(client, who)
    removed = await deps.store.run(role_rows.revoke_role, slack_user_id=person.user_id, account=account["username"])
    await record(deps, user_id=actor, action="access.revoke", account=account if account["id"] else None,
                 result="ok" if removed else "noop", target=person.user_id, detail=f"on {account['username']}")
    where_text = "every account" if account is ALL else f"@{account['username']}"
    if not removed:
        return f"<@{person.user_id}> had no role of their own on {where_text}; nothing changed."
    note = " They remain an igbot admin through IGBOT_ADMINS." if person.user_id in deps.config.admins else ""
    return f":white_check_mark: <@{person.user_id}> no longer has a role on {where_text}.{note}"


async def own_roles(deps: Deps, actor: str) -> str:
    """What a person who may not list roles is told instead: their own roles, and who can list them all."""
    grants = await deps.store.run(role_rows.roles_of, actor)
    mine = ", ".join(f"*{role}* on {'every account' if name == '*' else '@' + escape(name)}"
                     for name, role in sorted(grants.items())) or "no role on any account"
    who = ", ".join(f"<@{a}>" for a in deps.config.admins) or "an igbot admin"
    return f":no_entry: Only admins can list everyone's roles. You have {mine}; ask {who} about the others."


async def list_access(deps: Deps, actor: str, where: str | None) -> str:
    """List who holds which role (on one account, with '*' grants, or everywhere)."""
    account = await account_or_all(deps, where, allow_all=True) if where else ALL
    decision = await authorize(deps, user_id=actor, account=account, needed="admin", action="access.list")
    if not decision.allowed:
        return await own_roles(deps, actor)
    rows = await deps.store.run(role_rows.list_roles, None if account is ALL else account["username"])
    await record(deps, user_id=actor, action="access.list", account=account if account["id"] else None, result="ok")
    lines = [f"• <@{r['slack_user_id']}> — *{r['role']}* on "
             f"{'every account' if r['account'] == '*' else '@' + escape(r['account'])}" for r in rows]
    lines += [f"• <@{a}> — *admin* on every account (IGBOT_ADMINS)" for a in deps.config.admins]
    title = "Roles on every account" if account is ALL else f"Roles on @{escape(account['username'])}"
    return f"*{title}*\n" + ("\n".join(lines) if lines else "Nobody has a role yet.")
