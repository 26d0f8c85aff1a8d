"""Which accounts a person can see: those they hold a role on, every one for admins."""

from __future__ import annotations

from bot.access import roles
from bot.deps import Deps
from storage import accounts as account_rows
from storage import roles as role_rows


async def visible_accounts(deps: Deps, user_id: str) -> tuple[list[dict], bool]:
    """Return the accounts a person holds a role on (all for admins), problems first, and whether admin."""
    grants = await deps.store.run(role_rows.roles_of, user_id)
    everything = await deps.store.run(account_rows.list_accounts)
    admins = deps.config.admins
    is_admin = user_id in admins or grants.get("*") == "admin"
    mine = [a for a in everything
            if roles.role_on(a["username"], grants, user_id=user_id, admins=admins)]
    mine.sort(key=lambda a: (a["status"] == "active", a["username"]))
    return mine, is_admin
