"""Who may act: the role check before every action, with an audit row for every attempt."""

from __future__ import annotations

from dataclasses import dataclass

from bot.access import roles
from bot.deps import Deps
from storage import audit as audit_rows
from storage import roles as role_rows


@dataclass(frozen=True)
class Decision:
    """The outcome of a role check; `message` tells a refused person what they need."""

    allowed: bool
    role: str | None
    message: str = ""


async def authorize(deps: Deps, *, user_id: str, account: dict, needed: str, action: str,
                    target: str | None = None) -> Decision:
    """Check that a person holds `needed` on an account; audit a refusal at once."""
    grants = await deps.store.run(role_rows.roles_of, user_id)
    held = roles.role_on(account["username"], grants, user_id=user_id, admins=deps.config.admins)
    if roles.allows(held, needed):
        return Decision(True, held)
    await record(deps, user_id=user_id, action=action, account=account, target=target, result="refused",
                 detail=f"needs {needed}, has {held or 'no role'}")
    return Decision(False, held, roles.refusal(needed, account["username"], deps.config.admins, user_id))


async def record(deps: Deps, *, user_id: str, action: str, account: dict | None, result: str,
                 target: str | None = None, detail: str | None = None) -> None:
    """Write one audit row for an attempted action."""
    await deps.store.run(audit_rows.add_audit, actor=user_id, action=action, result=result,
                         account_id=account["id"] if account else None, target=target, detail=detail)
