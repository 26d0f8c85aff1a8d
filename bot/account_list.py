"""/ig accounts: the accounts a person can see with their health, problems first, paged for Slack."""

from __future__ import annotations

from datetime import UTC, datetime

from bot import roles
from bot.blocks import escape
from bot.deps import Deps
from storage import roles as role_rows
from storage.account_overview import account_overview
from storage.clock import parse

PAGE_SIZE = 40  # one section per account, within Slack's 50 blocks a message
WARN_DAYS = 7


async def visible_overview(deps: Deps, user_id: str) -> list[dict]:
    """Return the overview rows of the accounts a person holds a role on (all for admins), problems first."""
    grants = await deps.store.run(role_rows.roles_of, user_id)
    rows = [r for r in await deps.store.run(account_overview)
            if roles.role_on(r["username"], grants, user_id=user_id, admins=deps.config.admins)]
    for row in rows:
        row["usage"] = (await deps.graph.usage(row["ig_user_id"]))["account"]
        row["problems"] = problems(row, now=datetime.now(UTC))
    rows.sort(key=lambda r: (not r["problems"], r["username"]))
    return rows


def problems(row: dict, *, now: datetime) -> list[str]:
    """Return what needs a person's attention for one account, in plain words (mrkdwn, escaped)."""
    found = []
    if row["status"] != "active":
        found.append(f"needs reconnecting ({escape(row['status_reason'] or row['status'])})")
    if not row["token_stored"]:
        found.append("no token stored")
    for label, value in (("token", row["token_expires_at"]), ("data access", row["data_access_expires_at"])):
        if value and (parse(value) - now).days < WARN_DAYS:
            found.append(f"{label} expires {_when(value)}")
    usage = row.get("usage") or {}
    if usage.get("blocked_until"):
        found.append("throttled by Instagram")
    return found


def _when(stored: str) -> str:
    """Return a Slack date token for a stored time."""
    return f"<!date^{int(parse(stored).timestamp())}^{{date_short_pretty}} {{time}}|{stored}>"


def account_lines(row: dict) -> str:
    """Return one account's section text."""
    icon = ":warning:" if row["problems"] else ":white_check_mark:"
    head = f"{icon} *@{escape(row['username'])}* ({row['login']} login) → <#{row['channel_id']}>"
    usage = row.get("usage") or {}
    quota = row["quota"]
    facts = [
        f"token {'expires ' + _when(row['token_expires_at']) if row['token_expires_at'] else 'does not expire'}",
        f"data access until {_when(row['data_access_expires_at'])}" if row["data_access_expires_at"] else None,
        f"API use {usage['pct']:.0f}%" if usage.get("pct") is not None else "API use not measured yet",
        f"quota {quota['used']}/{quota['total']} posts in 24 h" if quota else "quota not read yet",
        f"last webhook {_when(row['webhook_seen'])}" if row["webhook_seen"] else "no webhook seen yet",
        f"{row['posts_pending']} post(s) pending",
    ]
    text = head + "\n" + " · ".join(f for f in facts if f)
    if row["problems"]:
        text += "\n*" + "; ".join(row["problems"]) + "*"
    return text


def overview_blocks(rows: list[dict], page: int) -> tuple[str, list[dict]]:
    """Return the text and blocks of one page of the account list."""
    if not rows:
        return "No accounts you can see yet.", [{"type": "section", "text": {"type": "mrkdwn", "text":
                "No accounts you can see yet. An admin connects one with `/ig connect`."}}]
    pages = (len(rows) + PAGE_SIZE - 1) // PAGE_SIZE
    page = min(max(page, 1), pages)
    chunk = rows[(page - 1) * PAGE_SIZE:page * PAGE_SIZE]
    troubled = sum(1 for r in rows if r["problems"])
    summary = f"{len(rows)} account(s), {troubled} needing attention. Page {page} of {pages}."
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": f"*Accounts* — {summary}"}}]
    blocks += [{"type": "section", "text": {"type": "mrkdwn", "text": account_lines(r)[:3000]}} for r in chunk]
    if page < pages:
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn",
                       "text": f"More: `/ig accounts {page + 1}`"}]})
    return summary, blocks
