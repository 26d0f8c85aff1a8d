"""The digest chart: 14 days of reach, views and followers (and four weeks on Mondays), as a PNG."""

from __future__ import annotations

import io
from datetime import date

from bot.digests.compose import Digest

WIDTH, HEIGHT, DPI = 1200, 675, 100
REACH, VIEWS, FOLLOWERS = "#1f77b4", "#ff7f0e", "#2ca02c"


def title(digest: Digest) -> str:
    """Return the chart's title (it says "since <date>" until 14 days of history exist)."""
    span = f"since {_short(digest.series_since)}" if digest.series_since else "last 14 days"
    return f"@{digest.username} · {span}"


def alt_text(digest: Digest) -> str:
    """Describe the chart in words for people who cannot see it."""
    def last(key: str) -> str:
        values = [v for v in digest.series[key] if v is not None]
        return f"{values[-1]:,}" if values else "no data"

    text = (f"Line chart of daily reach, views and followers for @{digest.username}, "
            f"{'since ' + _short(digest.series_since) if digest.series_since else 'last 14 days'}; "
            f"yesterday: reach {last('reach')}, views {last('views')}, followers {last('followers')}.")
    if digest.weeks:
        text += " Bars compare the reach and views of the last four weeks."
    return text[:1900]


def render(digest: Digest) -> bytes:
    """Draw the chart and return PNG bytes of WIDTH × HEIGHT pixels."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    fig = Figure(figsize=(WIDTH / DPI, HEIGHT / DPI), dpi=DPI)
    if digest.weeks:
        grid = fig.add_gridspec(1, 2, width_ratios=(2.2, 1))
        ax, weeks_ax = fig.add_subplot(grid[0]), fig.add_subplot(grid[1])
    else:
        ax, weeks_ax = fig.add_subplot(1, 1, 1), None
    labels = [_short(d) for d in digest.series_days]
    x = list(range(len(labels)))
    for key, color, name in (("views", VIEWS, "Views"), ("reach", REACH, "Reach")):
        points = [(i, v) for i, v in zip(x, digest.series[key], strict=True) if v is not None]
        if points:
            ax.plot([p[0] for p in points], [p[1] for p in points], marker="o", color=color,
                    label=_label(name, digest, points[0][0]))
    ax.set_ylim(bottom=0)
    ax.set_xticks(x, labels, rotation=45, ha="right", fontsize=8)
    ax.set_ylabel("Views and reach per day")
    ax.grid(alpha=0.3)
    right = ax.twinx()
    followers = [(i, v) for i, v in zip(x, digest.series["followers"], strict=True) if v is not None]
    if followers:
        right.plot([p[0] for p in followers], [p[1] for p in followers], marker="s", linestyle="--",
                   color=FOLLOWERS, label=_label("Followers", digest, followers[0][0]))
    right.set_ylabel("Followers")
    handles = ax.get_legend_handles_labels()[0] + right.get_legend_handles_labels()[0]
    if handles:
        ax.legend(handles=handles, loc="upper left", fontsize=9)
    if not any(v is not None for series in digest.series.values() for v in series):
        ax.text(0.5, 0.5, "No history yet", transform=ax.transAxes, ha="center", va="center", fontsize=14)
    ax.set_title(title(digest))
    if weeks_ax is not None:
        _weeks(weeks_ax, digest)
    fig.subplots_adjust(left=0.07, right=0.93 if weeks_ax is None else 0.97, bottom=0.17, top=0.9,
                        wspace=0.35)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


def _weeks(ax, digest: Digest) -> None:
    weeks = digest.weeks or []
    labels = [f"{_short(w.first)}–\n{_short(w.last)}" for w in weeks]
    x = list(range(len(weeks)))
    ax.bar([i - 0.2 for i in x], [w.views or 0 for w in weeks], width=0.4, color=VIEWS, label="Views")
    ax.bar([i + 0.2 for i in x], [w.reach or 0 for w in weeks], width=0.4, color=REACH, label="Reach (daily, summed)")
    ax.set_xticks(x, labels, fontsize=8)
    ax.set_title("Last four weeks")
    ax.legend(fontsize=8, loc="upper left")
    ax.grid(alpha=0.3, axis="y")


def _label(name: str, digest: Digest, first: int) -> str:
    """Name a line, saying since when it has data if that is later than the chart's first day."""
    return f"{name} (since {_short(digest.series_days[first])})" if first > 0 else name


def _short(day: str | None) -> str:
    return date.fromisoformat(day).strftime("%b %d") if day else ""
