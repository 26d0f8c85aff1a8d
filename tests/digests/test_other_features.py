"""The digest's sections fed by other features: the publisher's quota reading and stories igbot published."""

from __future__ import annotations

from tests.digests.test_flow import digest_once


async def test_quota_and_stories_appear_in_the_digest(deps, graph, slack, add_account, sleeps):
    slack.file_processing_seconds = 0
    row, _acct = add_account()

    def seed(db):
        db["publishing_quota"].insert({"account_id": row["id"], "used": 3, "total": 50, "duration": 86400,
                                       "read_at": "2026-11-22T20:00:00.000000Z"}, replace=True)
        for post_id, published, insights, few in (
                (901, "2026-11-22T10:00:00.000000Z", '{"reach": 321, "views": 456, "replies": 2, "shares": 1}', 0),
                (902, "2026-11-22T18:00:00.000000Z", "{}", 1),
                (903, "2026-11-21T10:00:00.000000Z", '{"reach": 999}', 0)):  # the day before: not in this digest
            db["story_insights"].insert({"post_id": post_id, "account_id": row["id"], "media_id": str(post_id),
                                         "published_at": published, "insights": insights, "too_few_viewers": few,
                                         "read_at": "2026-11-23T07:00:00.000000Z"})

    await deps.store.run(seed)
    await digest_once(deps, slack, sleeps)
    message = (await slack.wait_for(lambda: slack.messages(slack.social)))[-1]
    text = str(message["blocks"])
    assert "*Publishing quota* 3 of 50" in text
    assert "reach 321 · views 456 · replies 2 · shares 1" in text
    assert "too few viewers (under 5)" in text
    assert "999" not in text
