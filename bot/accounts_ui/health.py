"""Each visible account's health from stored rows and stored Graph usage (never a Graph call)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from bot.accounts_ui.visible import visible_accounts
from bot.deps import Deps
from storage import account_health as facts_rows
from storage.clock import parse

WARN_BEFORE = timedelta(days=7)
BUSY_PCT = 80
REASON_CHARS = 200


@dataclass
class AccountHealth:
    """One account with everything /ig accounts and the Home tab show about it."""

    account: dict
    facts: dict
    usage: dict
    problems: list[str] = field(default_factory=list)

    @property
    def username(self) -> str:
        """The Instagram username."""
        return self.account["username"]


def now_of(deps: Deps) -> datetime:
    """The time health is judged by (the Graph client's clock, one clock in tests)."""
    return datetime.fromtimestamp(deps.graph.clock(), UTC)


def moment(value: str | None) -> datetime | None:
    """Read a stored timestamp (with or without fractions), or None when absent or unreadable."""
    if not value:
        return None
    try:
        return parse(value)
    except ValueError:
        pass
    try:
        found = datetime.fromisoformat(value)
    except ValueError:
        return None
    return found if found.tzinfo else found.replace(tzinfo=UTC)


def problems_of(account: dict, facts: dict, usage: dict, now: datetime) -> list[str]:
    """Return the plain sentences saying what is wrong with an account (empty when healthy)."""
    found = []
    if account["status"] != "active":
        reason = (account.get("status_reason") or "")[:REASON_CHARS]
        found.append(f"{account['status'].replace('_', ' ')}{': ' + reason if reason else ''}")
    for key, what in (("token_expires_at", "token"), ("data_access_expires_at", "data access")):
        ends = moment(facts.get(key))
        if ends and ends <= now:
            found.append(f"{what} expired")
        elif ends and ends - now <= WARN_BEFORE:
            found.append(f"{what} expires in {max(1, (ends - now).days)} day(s)")
    mine = usage.get("account") or {}
    if mine.get("blocked_until"):
        found.append("throttled by Meta")
    elif (mine.get("pct") or 0) >= BUSY_PCT:
        found.append(f"Graph usage at {mine['pct']}%")
    quota = facts.get("quota")
    if quota and quota.get("total") and quota["used"] >= quota["total"]:
        found.append("publishing quota used up")
    if facts.get("posts_failed"):
        found.append(f"{facts['posts_failed']} failed post(s)")
    return found


async def account_health(deps: Deps, user_id: str) -> tuple[list[AccountHealth], bool]:
    """Return the person's accounts (all for admins) with their health, problems first, and whether admin."""
    accounts, is_admin = await visible_accounts(deps, user_id)
    facts = await deps.store.run(facts_rows.health_facts, [a["id"] for a in accounts])
    now = now_of(deps)
    rows = []
    for account in accounts:
        usage = await deps.graph.usage(account["ig_user_id"])
        mine = facts.get(account["id"], {})
        rows.append(AccountHealth(account, mine, usage, problems_of(account, mine, usage, now)))
    rows.sort(key=lambda h: (not h.problems, h.username.lower()))
    return rows, is_admin


def page_of(rows: list, page: int, size: int) -> tuple[list, int, int]:
    """Return one page of rows (1-based, clamped), the page number shown and the number of pages."""
    pages = max(1, -(-len(rows) // size))
    page = min(max(1, page), pages)
    return rows[(page - 1) * size: page * size], page, pages
