"""Block Kit builders: pure functions from plain values to Slack payload pieces."""

from __future__ import annotations

from collections.abc import Iterable


def escape(text: str) -> str:
    """Escape text for Slack mrkdwn (&, <, >) so it cannot ping, link or format."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def usage_text(entries: Iterable[tuple[str, str, str]]) -> str:
    """Return the /ig usage as plain text (also the notification fallback)."""
    lines = ["*igbot* — run Instagram from Slack. Usage:"]
    lines += [f"• `/ig {syntax}` — {summary} (e.g. `{example}`)" for syntax, summary, example in entries]
    return "\n".join(lines)


def usage_blocks(entries: Iterable[tuple[str, str, str]]) -> list[dict]:
    """Return the /ig usage as blocks."""
    rows = [f"`/ig {syntax}`\n{summary} — e.g. `{example}`" for syntax, summary, example in entries]
    return [
        {"type": "header", "text": {"type": "plain_text", "text": "igbot: Instagram from Slack"}},
        *({"type": "section", "text": {"type": "mrkdwn", "text": row}} for row in rows),
        {"type": "context", "elements": [{"type": "mrkdwn",
                                          "text": "`<account>` is the Instagram username, with or without @."}]},
    ]


def home_view(accounts: list[dict], *, is_admin: bool) -> dict:
    """Return the App Home view for the accounts a person can see."""
    body: list[dict] = [
        {"type": "header", "text": {"type": "plain_text", "text": "igbot"}},
        {"type": "section", "text": {"type": "mrkdwn",
                                     "text": "Instagram comments, posts and digests, right here in Slack. "
                                             "Type `/ig help` in any channel to start."}},
        {"type": "divider"},
    ]
    if not accounts:
        hint = "Run `igbot accounts add` on the server to connect one." if is_admin else \
            "Ask an igbot admin to give you a role on an account."
        body.append({"type": "section", "text": {"type": "mrkdwn", "text": f"No accounts yet. {hint}"}})
    for account in accounts[:40]:
        status = ":white_check_mark: active" if account["status"] == "active" else \
            f":warning: {escape(account['status'])}"
        body.append({"type": "section", "text": {"type": "mrkdwn", "text":
                     f"*@{escape(account['username'])}* · {status} · <#{account['channel_id']}>"}})
    if len(accounts) > 40:
        body.append({"type": "context", "elements": [{"type": "mrkdwn",
                     "text": f"…and {len(accounts) - 40} more; `/ig accounts` lists them all."}]})
    return {"type": "home", "blocks": body}
