"""The digest as a Slack message: Block Kit blocks and the plain-text fallback."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from bot.blocks import escape
from bot.digests.compose import Digest, MetricLine

CAPTION_SNIPPET = 90
SAFE_URL = re.compile(r"^https://[^\s<>|]+$")


def _day(day: str) -> str:
    return date.fromisoformat(day).strftime("%a %b %-d")


def _num(value: float | int | None) -> str:
    return "–" if value is None else f"{int(value):,}"


def _signed(value: int) -> str:
    return f"+{value:,}" if value > 0 else f"{value:,}" if value < 0 else "±0"


def _change(line: MetricLine) -> str:
    if line.change_pct is None:
        return "no 7-day average yet"
    pct = round(line.change_pct)
    arrow = ":small_red_triangle:" if pct > 0 else ":small_red_triangle_down:" if pct < 0 else ""
    return f"{arrow}{'+' if pct > 0 else ''}{pct}% vs 7-day avg {_num(round(line.average or 0))}".strip()


def _url(value: Any) -> str | None:
    return value if isinstance(value, str) and SAFE_URL.match(value) else None


def _snippet(caption: str | None) -> str:
    text = " ".join((caption or "").split())
    if len(text) > CAPTION_SNIPPET:
        text = text[: CAPTION_SNIPPET - 1].rstrip() + "…"
    return escape(text) if text else "_no caption_"


def _mrkdwn(text: str) -> dict:
    return {"type": "mrkdwn", "text": text, "verbatim": True}


def _section(text: str) -> dict:
    return {"type": "section", "text": _mrkdwn(text)}


def _context(text: str) -> dict:
    return {"type": "context", "elements": [_mrkdwn(text)]}


def heading(digest: Digest) -> str:
    """Return the digest's one-line title."""
    return f"Daily digest · @{digest.username} · {_day(digest.yesterday)}"


def followers_line(digest: Digest) -> str:
    """Return the followers sentence (count and change since the last reading)."""
    if digest.followers is None:
        return "*Followers* –"
    line = f"*Followers* {digest.followers:,}"
    if digest.followers_change is not None and digest.followers_base_day:
        line += f" ({_signed(digest.followers_change)} since {_day(digest.followers_base_day)})"
    else:
        line += " (the change appears from tomorrow on)"
    return line


def post_line(media: dict[str, Any], *, rank: int | None = None) -> str:
    """Return one post's line: caption snippet, link, and its numbers."""
    ins = media.get("insights") or {}
    numbers = " · ".join(f"{label} {_num(ins.get(key, fallback))}" for key, label, fallback in (
        ("views", "views", None), ("reach", "reach", None), ("likes", "likes", media.get("like_count")),
        ("comments", "comments", media.get("comments_count")), ("saved", "saves", None),
        ("shares", "shares", None)))
    link = _url(media.get("permalink"))
    kind = (media.get("media_product_type") or media.get("media_type") or "post").lower()
    title = f"<{link}|{_snippet(media.get('caption'))}>" if link else _snippet(media.get("caption"))
    prefix = f"{rank}. " if rank else ""
    line = f"{prefix}{title} ({escape(kind)})\n{numbers}"
    if media.get("insights_error"):
        line += "\n_insights unavailable for this post_"
    return line


def blocks(digest: Digest, *, file_id: str | None = None, alt: str = "") -> list[dict]:
    """Return the digest's blocks (with the chart as an image block when a processed file is given)."""
    out: list[dict] = [{"type": "header", "text": {"type": "plain_text", "text": heading(digest)[:150]}}]
    when = f"Yesterday = {_day(digest.yesterday)} in {escape(digest.timezone)}; yesterday's numbers are " \
           "preliminary (Instagram revises the last 48 h)."
    if digest.late_note:
        when = f":hourglass: {escape(digest.late_note)} · {when}"
    out.append(_context(when))
    out.append(_section(followers_line(digest)))
    fields = [_mrkdwn(f"*{m.label}*\n{_num(m.value)} · {_change(m)}") for m in digest.metrics]
    for i in range(0, len(fields), 10):
        out.append({"type": "section", "fields": fields[i:i + 10]})
    if not fields:
        out.append(_section("_No account insights could be read for yesterday._"))
    if file_id:
        out.append({"type": "image", "slack_file": {"id": file_id}, "alt_text": alt or "Digest chart"})
    out.append({"type": "divider"})
    if digest.top_posts:
        out.append(_section("*Top posts, last 7 days* (by interactions)"))
        for rank, media in enumerate(digest.top_posts, 1):
            block = _section(post_line(media, rank=rank))
            thumb = _url(media.get("thumbnail"))
            if thumb:
                block["accessory"] = {"type": "image", "image_url": thumb, "alt_text": "post thumbnail"}
            out.append(block)
    elif not digest.media_error:
        out.append(_section("*Top posts, last 7 days*\nNo posts in the last 7 days."))
    published = "\n".join(f"• {post_line(m)}" for m in digest.published[:10]) or "Nothing was published."
    out.append(_section(f"*Published {_day(digest.yesterday)}*\n{published}"[:3000]))
    if digest.stories:
        out.append(_section(stories_text(digest.stories)))
    if digest.moderation is not None:
        out.append(_section(moderation_text(digest.moderation)))
    if digest.quota is not None:
        q = digest.quota
        out.append(_section(f"*Publishing quota* {_num(q.get('used'))} of {_num(q.get('total'))} posts used in "
                            "the last 24 h (last reading)"))
    if digest.weeks:
        out.append({"type": "divider"})
        out.append(_section(weekly_text(digest)))
    notes = footnotes(digest)
    if notes:
        out.append(_context("\n".join(notes)[:3000]))
    return out[:50]


def stories_text(stories: list[dict]) -> str:
    """Return the stories section (captured about 23 h after publishing)."""
    lines = ["*Stories* (read about 23 h after publishing)"]
    for s in stories[:10]:
        if s.get("too_few_viewers"):
            lines.append("• too few viewers (under 5) for Instagram to report")
        else:
            ins = s.get("insights") or {}
            lines.append(f"• reach {_num(ins.get('reach'))} · views {_num(ins.get('views'))} · "
                         f"replies {_num(ins.get('replies'))} · shares {_num(ins.get('shares'))}")
    return "\n".join(lines)


def moderation_text(m: dict) -> str:
    """Return the team's moderation work from igbot's own records."""
    median = m.get("median_first_reply_minutes")
    reply = f"; median time to first reply {round(median)} min" if median is not None else ""
    return (f"*Team* {_num(m.get('relayed'))} comments relayed, {_num(m.get('replied'))} replied, "
            f"{_num(m.get('hidden'))} hidden, {_num(m.get('deleted'))} deleted{reply}")


def weekly_text(digest: Digest) -> str:
    """Return the weekly comparison of the last four weeks as an aligned table."""
    rows = [("Week", "Reach*", "Views", "Interactions", "Followers")]
    for w in digest.weeks or []:
        rows.append((f"{_day(w.first)}–{_day(w.last)[4:]}", _num(w.reach), _num(w.views), _num(w.interactions),
                     "–" if w.followers_change is None else _signed(w.followers_change)))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    table = "\n".join("  ".join(c.ljust(widths[i]) if i == 0 else c.rjust(widths[i]) for i, c in enumerate(r))
                      for r in rows)
    return f"*Weekly: the last four weeks*\n```{table}```\n_*daily reach, summed_"


def footnotes(digest: Digest) -> list[str]:
    """Return the footnotes: refused metrics, unreadable media, sections without records."""
    notes = [f"¹ {escape(label)} left out: {escape(reason)}" for label, reason in digest.refused.items()]
    if digest.media_error:
        notes.append(f"¹ Posts left out: {escape(digest.media_error)}")
    notes += [escape(n) for n in digest.footnotes]
    return notes


def text(digest: Digest) -> str:
    """Return the plain-text fallback (notifications, screen readers, and blocks Slack refused)."""
    parts = [f"{heading(digest)}: " + followers_line(digest).replace("*", "")]
    parts += [f"{m.label} {_num(m.value)}" for m in digest.metrics[:4]]
    return "; ".join(parts)[:3000]


def failure_blocks(username: str, day: str, sentence: str) -> dict[str, Any]:
    """Return the short message posted when a digest cannot be made."""
    words = f":warning: The digest for @{escape(username)} ({_day(day)}) could not be made: {escape(sentence)}"
    return {"text": words, "blocks": [_section(words)]}
