"""The chart: a PNG of the expected size, honest about how much history it has, described in words."""

from __future__ import annotations

import struct

from bot.digests import chart
from bot.digests.compose import compose


def content(**over):
    base = {"day": "2026-11-23", "yesterday": "2026-11-22", "timezone": "Europe/Berlin", "followers_count": 1500,
            "media_count": 9, "metrics": {"views": 1600, "reach": 500}, "refused": {},
            "reread": {"day": "2026-11-21", "values": {}}, "media": [], "media_error": None, "graph_calls": 4}
    return {**base, **over}


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def test_a_full_fortnight_with_the_weekly_part_is_a_1200_by_675_png():
    history = {f"2026-{m:02d}-{d:02d}": {"reach": 400 + d, "views": 1000 + d}
               for m, days in ((10, range(20, 32)), (11, range(1, 23))) for d in days}
    followers = {f"2026-11-{d:02d}": 1400 + d for d in range(1, 24)}
    digest = compose(content(), username="demo_shop", insight_history=history, follower_history=followers,
                     weekly=True)
    data = chart.render(digest)
    assert png_size(data) == (chart.WIDTH, chart.HEIGHT)
    assert digest.series_since is None and chart.title(digest) == "@demo_shop · last 14 days"
    assert digest.series["followers"][-1] == 1423  # the end of Nov 22 = the reading of Nov 23
    assert "four weeks" in chart.alt_text(digest) and "reach 422" in chart.alt_text(digest)


def test_a_new_account_chart_says_since_when():
    digest = compose(content(), username="demo_shop", insight_history={"2026-11-20": {"reach": 3},
                                                                        "2026-11-22": {"reach": 5}},
                     follower_history={}, weekly=False)
    assert digest.series_since == "2026-11-20" and chart.title(digest) == "@demo_shop · since Nov 20"
    assert png_size(chart.render(digest)) == (chart.WIDTH, chart.HEIGHT)


def test_no_history_at_all_still_draws():
    digest = compose(content(metrics={}), username="x", insight_history={}, follower_history={}, weekly=False)
    assert png_size(chart.render(digest)) == (chart.WIDTH, chart.HEIGHT)
    assert "no data" in chart.alt_text(digest)


def test_matplotlib_is_not_imported_at_start_up():
    import subprocess
    import sys

    code = "import sys, bot.app, bot.jobs, bot.digests.runner; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
