"""A scheduled digest end to end: scheduled, read from the Graph emulator, posted in Slack with its chart."""

from __future__ import annotations

from datetime import timedelta

from bot.digests.runner import run_due
from sandbox.slack.clock import ManualClock
from storage import digests as rows
from tests.digests.conftest import MONDAY_9_BERLIN


async def test_scheduled_digest_reaches_the_channel_with_the_emulators_numbers(deps, graph, slack, add_account,
                                                                               sleeps):
    slack.file_processing_seconds = 0
    row, acct = add_account(followers_count=1500)
    acct.insights.update({"views": 4321, "reach": 1234, "likes": 210, "accounts_engaged": 99})
    await run_due(deps, now=MONDAY_9_BERLIN - timedelta(hours=20), sleep=sleeps)
    account = await deps.store.run(rows.due_accounts, MONDAY_9_BERLIN)
    assert [a["id"] for a in account] == [row["id"]]
    assert account[0]["next_digest_at"] == "2026-11-23T08:00:00.000000Z"

    await run_due(deps, now=MONDAY_9_BERLIN + timedelta(seconds=20), sleep=sleeps)
    messages = await slack.wait_for(lambda: slack.messages(slack.social))
    msg = messages[-1]
    text = str(msg["blocks"])
    assert "1,500" in text and "4,321" in text and "1,234" in text and "210" in text
    images = [b for b in msg["blocks"] if b["type"] == "image"]
    assert images and images[0]["slack_file"]["id"] and images[0]["alt_text"]



DEPRECATED = {"impressions", "profile_views", "website_clicks", "email_contacts", "phone_call_clicks",
              "text_message_clicks", "get_directions_clicks", "audience_city", "audience_country",
              "audience_gender_age", "audience_locale", "plays", "clips_replays_count",
              "ig_reels_aggregated_all_plays_count", "video_views", "engagement", "carousel_album_impressions",
              "carousel_album_reach", "carousel_album_engagement", "carousel_album_saved",
              "carousel_album_video_views", "taps_forward", "taps_back", "exits"}


def requested_metrics(graph) -> set[str]:
    """Every metric name the bot asked the emulator for (metric= and nested insights.metric(...))."""
    import re

    out: set[str] = set()
    for call in graph.calls:
        params = {k: str(v) for k, v in call.params.items()}
        out.update(m for m in params.get("metric", "").split(",") if m)
        for group in re.findall(r"insights\.metric\(([^)]*)\)", params.get("fields", "")):
            out.update(group.split(","))
    return out


async def digest_once(deps, slack, sleeps, *, at=MONDAY_9_BERLIN):
    await run_due(deps, now=at - timedelta(hours=1), sleep=sleeps)
    await run_due(deps, now=at, sleep=sleeps)


async def test_fifty_recent_media_cost_three_counted_calls(deps, graph, slack, add_account, sleeps):
    row, acct = add_account()
    for i in range(50):
        graph.add_media(acct, caption=f"post {i}", like_count=i,
                        timestamp=(MONDAY_9_BERLIN - timedelta(hours=5 * i + 1)).timestamp())
    await deps.store.run(rows.mark_backfilled, row["id"])  # history was read on an earlier day
    before = deps.graph.counters.calls
    await digest_once(deps, slack, sleeps)
    assert graph.count_calls(account=acct) == 3  # profile with media and insights, yesterday, day -2 again
    assert deps.graph.counters.calls - before == 3
    [profile] = graph.find_calls(path="/{ig-user-id}")
    fields = profile.params["fields"]
    assert fields.startswith("followers_count,media_count,media.limit(50){") and "insights.metric(reach," in fields
    run = (await deps.store.run(rows.runs_of, row["id"]))[0]
    assert run["graph_calls"] == 3 and run["state"] == "sent"
    content = await deps.store.run(rows.reusable_content, row["id"], "2026-11-23")
    assert len(content["media"]) == 50 and all(m["insights"] for m in content["media"])


async def test_no_deprecated_metric_is_ever_requested(deps, graph, slack, add_account, sleeps):
    _, acct = add_account()
    graph.add_media(acct, media_product_type="REELS", media_type="VIDEO", like_count=5,
                    timestamp=(MONDAY_9_BERLIN - timedelta(days=1)).timestamp())
    await digest_once(deps, slack, sleeps)  # the first digest also reads 28 days of history
    asked = requested_metrics(graph)
    assert {"views", "reach", "total_interactions"} <= asked
    assert not asked & DEPRECATED
    assert not [c for c in graph.calls if c.error_code]


async def test_follows_are_left_out_with_a_footnote_under_100_followers(deps, graph, slack, add_account, sleeps):
    slack.file_processing_seconds = 0
    _, acct = add_account(followers_count=60)
    await digest_once(deps, slack, sleeps)
    assert "follows_and_unfollows" not in requested_metrics(graph)  # not even asked: it cannot work
    msg = (await slack.wait_for(lambda: slack.messages(slack.social)))[-1]
    text = str(msg["blocks"])
    assert "Follows and unfollows left out" in text and "100 followers" in text
    assert "*Views*" in text and "*Follows and unfollows*\\n" not in text


async def test_a_metric_meta_refuses_is_left_out_and_the_rest_is_read_in_one_more_call(deps, graph, slack,
                                                                                      add_account, sleeps):
    slack.file_processing_seconds = 0
    row, acct = add_account()
    acct.insights["reach"] = 777
    await deps.store.run(rows.mark_backfilled, row["id"])
    graph.inject_error(code=100, path="/{ig-user-id}/insights", times=1,
                       message="(#100) The following metrics (profile_links_taps) are not available for this account")
    await digest_once(deps, slack, sleeps)
    assert graph.count_calls(account=acct) <= 5
    msg = (await slack.wait_for(lambda: slack.messages(slack.social)))[-1]
    text = str(msg["blocks"])
    assert "Profile link taps left out" in text and "777" in text


async def test_followers_change_and_seven_day_average_come_from_stored_days(deps, graph, slack, add_account,
                                                                           sleeps):
    slack.file_processing_seconds = 0
    row, acct = add_account(followers_count=1500)
    await deps.store.run(rows.mark_backfilled, row["id"])
    await deps.store.run(rows.put_follower_snapshot, row["id"], "2026-11-22", followers_count=1480,
                         media_count=3)
    for i in range(3, 10):  # days -3 … -9; day -2 is read again by the digest itself
        day = (MONDAY_9_BERLIN - timedelta(days=i)).date().isoformat()
        await deps.store.run(rows.put_insight_day, row["id"], day, {"views": 1000}, preliminary=False)
    acct.insights["views"] = 1600  # yesterday, and day -2 when re-read
    await digest_once(deps, slack, sleeps)
    msg = (await slack.wait_for(lambda: slack.messages(slack.social)))[-1]
    text = str(msg["blocks"])
    assert "*Followers* 1,500 (+20 since Sun Nov 22)" in text
    # 7-day average of days -2 … -8: (1600 + 6 × 1000) / 7 = 1086 → +47 %
    assert "*Views*\\n1,600 · :small_red_triangle:+47% vs 7-day avg 1,086" in text
    stored = await deps.store.run(rows.insight_history, row["id"], "2026-11-21", "2026-11-22")
    assert stored["2026-11-21"]["views"] == 1600 and stored["2026-11-22"]["views"] == 1600


async def test_backfill_runs_once_and_only_on_the_first_digest(deps, graph, slack, add_account, sleeps):
    row, acct = add_account()
    await digest_once(deps, slack, sleeps)
    series = [c for c in graph.calls if c.params.get("metric_type") == "time_series"]
    assert len(series) == 1 and series[0].params["metric"] == "reach"
    per_day_views = [c for c in graph.calls if c.params.get("metric") == "views"]
    assert len(per_day_views) == 26  # days -28 … -3, one call each (batched: counted one by one)
    history = await deps.store.run(rows.insight_history, row["id"], "2026-10-26", "2026-11-22")
    assert len(history) == 28 and all("views" in v for v in history.values())
    assert await deps.store.run(rows.backfilled, row["id"])
    first_day = graph.count_calls(account=acct)
    await run_due(deps, now=MONDAY_9_BERLIN + timedelta(days=1), sleep=sleeps)
    assert graph.count_calls(account=acct) - first_day == 3
    assert len([c for c in graph.calls if c.params.get("metric_type") == "time_series"]) == 1


async def test_the_chart_goes_into_the_thread_when_slack_is_still_processing_it(deps, graph, slack, add_account,
                                                                              sleeps):
    slack.file_processing_seconds = 3600
    row, _ = add_account()
    await digest_once(deps, slack, sleeps)
    assert sleeps.waits == [2.0]  # given two seconds, then checked
    msg = (await slack.wait_for(lambda: slack.messages(slack.social)))[-1]
    assert not [b for b in msg["blocks"] if b["type"] == "image"]
    run = (await deps.store.run(rows.runs_of, row["id"]))[0]
    assert run["chart_state"] == "thread"
    await slack.wait_for(lambda: deps.store.run(rows.runs_needing_thread_chart))
    slack.file_processing_seconds = 0
    await run_due(deps, now=MONDAY_9_BERLIN + timedelta(minutes=1), sleep=sleeps)
    replies = await slack.wait_for(lambda: slack.thread(slack.social, msg["ts"])[1:])
    assert replies[0]["files"][0]["name"].endswith(".png")
    assert (await deps.store.run(rows.runs_of, row["id"]))[0]["chart_state"] == "thread_done"


async def test_a_throttled_account_waits_and_its_digest_goes_out_later(deps, graph, slack, graph_clock,
                                                                       add_account, sleeps):
    slack.file_processing_seconds = 0
    row, acct = add_account()
    graph.throttle(acct, minutes=30)
    await digest_once(deps, slack, sleeps)
    run = (await deps.store.run(rows.runs_of, row["id"]))[0]
    assert run["state"] == "pending" and run["attempts"] == 1 and run["error"]
    assert slack.messages(slack.social) == []
    graph_clock.advance(3600)
    await run_due(deps, now=MONDAY_9_BERLIN + timedelta(hours=1), sleep=sleeps)
    run = (await deps.store.run(rows.runs_of, row["id"]))[0]
    assert run["state"] == "sent"


async def test_sent_digests_are_counted_in_metrics(deps, slack, add_account, sleeps):
    slack.file_processing_seconds = 0
    add_account()
    await digest_once(deps, slack, sleeps)
    text = deps.metrics.render(include_accounts=True).decode()
    assert 'igbot_digests_sent_total{chart="inline",kind="scheduled"} 1.0' in text


async def test_an_instagram_login_account_gets_its_digest_without_batch_calls(deps, graph, slack, add_account,
                                                                             sleeps):
    slack.file_processing_seconds = 0
    row, acct = add_account("studio_ig", login="instagram")
    acct.insights["views"] = 9876
    graph.add_media(acct, caption="Glaze day", like_count=12,
                    timestamp=(MONDAY_9_BERLIN - timedelta(hours=30)).timestamp())
    await digest_once(deps, slack, sleeps)
    assert not [c for c in graph.calls if c.is_batch]
    msg = (await slack.wait_for(lambda: slack.messages(slack.social)))[-1]
    assert "9,876" in str(msg["blocks"]) and "Glaze day" in str(msg["blocks"])


async def test_charts_wait_out_slacks_rate_limit_instead_of_falling_back_to_the_thread(deps, slack, add_account):
    clock = ManualClock()
    start = clock()
    slack.now = clock  # Slack's limits and file processing on a clock the waits move
    slack.file_processing_seconds = 0
    slack.limiter.limits.enabled = True
    slack.limiter.limits.tiers = {**slack.limiter.limits.tiers, 4: 1}  # files.* once a minute each
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)
        clock.advance(seconds)

    rows_ = [add_account(name)[0] for name in ("shop_one", "shop_two")]
    await run_due(deps, now=MONDAY_9_BERLIN - timedelta(hours=1), sleep=sleep)
    await run_due(deps, now=MONDAY_9_BERLIN, sleep=sleep)
    runs = [(await deps.store.run(rows.runs_of, row["id"]))[0] for row in rows_]
    assert [(r["state"], r["chart_state"]) for r in runs] == [("sent", "inline")] * 2
    assert any(w != 2.0 for w in waits) and clock() - start >= 60  # Retry-After: the second chart waited a minute
    assert slack.calls_of("files.getUploadURLExternal")[-1].status == 200
