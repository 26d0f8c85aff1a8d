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

