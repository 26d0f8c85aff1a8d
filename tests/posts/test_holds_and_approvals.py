"""Quota and reconnect holds, overdue posts, approvals, the first comment, story insights for the digest."""

from __future__ import annotations

from datetime import datetime

from storage import accounts as account_rows
from storage import digest_sources
from storage import roles as role_rows
from tests.posts.conftest import post_rows

PUBLISH = "/{ig-user-id}/media_publish"


async def queue(slack, text, user=None):
    seen = await slack.slash_command(user=user or slack.admin, channel=slack.social, text=text)
    assert seen.ok and "Queued" in seen.text, seen.text


def said(slack, words: str) -> list[dict]:
    return [m for m in slack.messages(slack.social) if words in str(m.get("blocks")) or words in m["text"]]


async def test_quota_used_up_holds_the_post_and_tells_the_channel(slack, graph, add_account, driver, deps):
    row, acct = add_account(quota_total=1)
    await queue(slack, "post demo_shop in 10m https://cdn.example/img/square.jpg One")
    await queue(slack, "post demo_shop in 10m https://cdn.example/img/portrait.jpg Two")
    await driver.run_for(15 * 60, step=60)
    first, second = post_rows(deps, row["id"])
    assert first["state"] == "published"
    assert second["state"] == "ready" and second["hold"] == "quota" and second["hold_until"]
    assert graph.find_calls(error_code=9) == [] and graph.find_calls(error_code=9007) == []
    assert graph.count_calls(path=PUBLISH) == 1
    notice = await slack.wait_for(lambda: said(slack, "is held"))
    assert "used 1 of its 1 API posts" in str(notice[0]["blocks"]) and "goes out" in str(notice[0]["blocks"])
    assert digest_sources.publishing_quota(deps.store._db, row["id"])["total"] == 1
    listing = await slack.slash_command(user=slack.admin, channel=slack.social, text="queue demo_shop")
    shown = str(listing.json)
    resume = int(datetime.fromisoformat(second["hold_until"]).timestamp())
    assert "held: publishing quota used up" in shown and f"resumes <!date^{resume}^" in shown
    await driver.run_for(24 * 3600, step=1800)
    assert [p["state"] for p in post_rows(deps, row["id"])] == ["published", "published"]
    assert len(said(slack, "is held")) == 1


async def test_reconnect_holds_then_resumes(slack, graph, shop, driver, deps):
    row, acct = shop
    await queue(slack, "post demo_shop in 10m https://cdn.example/img/square.jpg Hold me")
    deps.store.run_sync(account_rows.set_account_status, row["id"], "needs_reconnect", "token expired")
    await driver.run_for(15 * 60, step=60)
    [post] = post_rows(deps, row["id"])
    assert post["state"] == "scheduled" and post["hold"] == "reconnect" and graph.count_calls() == 0
    deps.store.run_sync(account_rows.set_account_status, row["id"], "active")
    await driver.run_for(3 * 60, step=60)
    [post] = post_rows(deps, row["id"])
    assert post["state"] == "published" and post["hold"] is None


async def test_overdue_after_downtime_is_held_with_publish_now(slack, graph, shop, driver, deps):
    row, acct = shop
    await queue(slack, "post demo_shop in 10m https://cdn.example/img/square.jpg Old")
    await queue(slack, "post demo_shop in 5h https://cdn.example/img/portrait.jpg Recent")
    driver.clock.advance(7 * 3600)  # igbot was down for seven hours
    await driver.tick()
    old, recent = post_rows(deps, row["id"])
    assert old["hold"] == "overdue" and old["next_action_at"] is None
    assert recent["state"] == "published" and "late" in (recent["late_note"] or "")
    msg = await slack.wait_for(lambda: said(slack, "post_publish_now"))
    await slack.click(user=slack.admin, channel=slack.social, message_ts=msg[0]["ts"], action_id="post_publish_now")
    await slack.wait_for(lambda: post_rows(deps, row["id"])[0]["state"] == "published")


async def test_approval_author_cannot_approve_and_rejection_reaches_the_author(slack, graph, shop, driver, deps):
    row, acct = shop
    lee, ana = slack.add_user("lee"), slack.add_user("ana")
    slack.invite(slack.social, lee, ana)
    for who, role in ((lee, "approver"), (ana, "approver")):
        deps.store.run_sync(role_rows.grant_role, slack_user_id=who, account="demo_shop", role=role,
                            granted_by=slack.admin)
    deps.store.run_sync(account_rows.update_settings, row["id"], approval_required=1)
    await queue(slack, "post demo_shop in 10m https://cdn.example/img/square.jpg Needs a yes", user=lee)
    await queue(slack, "post demo_shop in 10m https://cdn.example/img/portrait.jpg Needs a no", user=lee)
    requests = await slack.wait_for(lambda: len(said(slack, "needs approval")) == 2 and said(slack, "needs approval"))
    await slack.click(user=lee, channel=slack.social, message_ts=requests[0]["ts"], action_id="post_approve")
    await slack.wait_for(lambda: slack.ephemerals(user=lee))
    assert "own post" in str(slack.ephemerals(user=lee))
    await driver.run_for(3 * 3600, step=600)
    assert [p["state"] for p in post_rows(deps, row["id"])] == ["awaiting_approval", "awaiting_approval"]
    assert graph.count_calls() == 0
    assert said(slack, "not approved yet")  # the channel is reminded
    await slack.click(user=ana, channel=slack.social, message_ts=requests[0]["ts"], action_id="post_approve")
    await slack.wait_for(lambda: post_rows(deps, row["id"])[0]["state"] != "awaiting_approval")
    await slack.click(user=ana, channel=slack.social, message_ts=requests[1]["ts"], action_id="post_reject")
    await slack.wait_for(lambda: slack.views_of(ana))
    await slack.submit_view(user=ana, values={"reason": {"reason_input": "Wrong colour"}})
    await driver.run_for(10 * 60, step=60)
    yes, no = post_rows(deps, row["id"])
    assert yes["state"] == "published" and yes["approved_by"] == ana
    assert no["state"] == "rejected" and no["error"] == "Wrong colour"
    notice = await slack.wait_for(lambda: [m for m in slack.thread(slack.social, requests[1]["ts"])
                                           if "Wrong colour" in str(m)])
    assert f"<@{lee}>" in str(notice)


async def test_story_insights_are_captured_for_the_digest(slack, graph, shop, driver, deps):
    row, acct = shop
    await queue(slack, "story demo_shop in 10m https://cdn.example/img/story.jpg")
    await driver.run_for(15 * 60, step=60)
    [post] = post_rows(deps, row["id"])
    assert post["state"] == "published" and post["insights_due_at"]
    assert digest_sources.story_results(deps.store._db, row["id"], "2026-11-23", "2026-11-24") == []
    await driver.run_for(23 * 3600, step=3600)
    results = digest_sources.story_results(deps.store._db, row["id"], "2026-11-23", "2026-11-24")
    assert len(results) == 1 and results[0]["media_id"] == post["media_id"]
    assert graph.find_calls(path=f"/{post['media_id']}/insights")


async def test_an_edit_after_approval_asks_again_and_its_editor_cannot_approve(slack, graph, shop, driver, deps):
    row, acct = shop
    lee, ana, kim = slack.add_user("lee"), slack.add_user("ana"), slack.add_user("kim")
    slack.invite(slack.social, lee, ana, kim)
    for who, role in ((lee, "publisher"), (ana, "approver"), (kim, "approver")):
        deps.store.run_sync(role_rows.grant_role, slack_user_id=who, account="demo_shop", role=role,
                            granted_by=slack.admin)
    deps.store.run_sync(account_rows.update_settings, row["id"], approval_required=1)
    await queue(slack, "post demo_shop in 2h https://cdn.example/img/square.jpg Approved words", user=lee)
    [first] = await slack.wait_for(lambda: said(slack, "needs approval"))
    await slack.click(user=ana, channel=slack.social, message_ts=first["ts"], action_id="post_approve")
    await slack.wait_for(lambda: post_rows(deps, row["id"])[0]["state"] == "scheduled")

    async def edit(user, caption):
        await slack.slash_command(user=user, channel=slack.social, text="queue demo_shop")
        listing = slack.ephemerals(user=user)[-1]
        await slack.click(user=user, channel=slack.social, message_ts=listing["ts"], action_id="post_edit")
        view = (await slack.wait_for(lambda: slack.views_of(user)))[-1]
        seen = await slack.submit_view(user=user, view_id=view["id"],
                                       values={"caption": {"caption": {"value": caption}}})
        assert seen.ok and not seen.json

    await edit(lee, "Words nobody approved")
    [post] = post_rows(deps, row["id"])
    assert post["state"] == "awaiting_approval" and post["approved_by"] is None and post["edited_by"] == lee
    [second] = await slack.wait_for(lambda: said(slack, "Words nobody approved"))
    assert "needs approval" in second["text"] and second["ts"] != first["ts"]
    await slack.wait_for(lambda: "was edited after this request" in str(slack.message(slack.social,
                                                                                      first["ts"])["blocks"]))
    assert "post_approve" not in str(slack.message(slack.social, first["ts"])["blocks"])

    await slack.click(user=ana, channel=slack.social, message_ts=second["ts"], action_id="post_approve")
    await slack.wait_for(lambda: post_rows(deps, row["id"])[0]["state"] == "scheduled")
    await edit(ana, "The approver's own words")  # an approver who edits may not approve their own change
    [third] = await slack.wait_for(lambda: said(slack, "The approver's own words"))
    await slack.click(user=ana, channel=slack.social, message_ts=third["ts"], action_id="post_approve")
    await slack.wait_for(lambda: "own edit" in str(slack.ephemerals(user=ana)))
    await driver.run_for(3 * 3600, step=600)
    assert post_rows(deps, row["id"])[0]["state"] == "awaiting_approval" and graph.count_calls(path=PUBLISH) == 0
    await slack.click(user=kim, channel=slack.social, message_ts=third["ts"], action_id="post_approve")
    await slack.wait_for(lambda: post_rows(deps, row["id"])[0]["state"] != "awaiting_approval")
    await driver.run_for(10 * 60, step=60)
    [post] = post_rows(deps, row["id"])
    assert post["state"] == "published" and post["approved_by"] == kim
    [live] = [m for m in graph.state.media.values() if m.owner_id == acct.ig_user_id]
    assert live.caption == "The approver's own words"


async def test_an_older_approval_request_cannot_approve_newer_content(slack, shop, deps):
    row, _ = shop
    ana = slack.add_user("ana")
    slack.invite(slack.social, ana)
    deps.store.run_sync(role_rows.grant_role, slack_user_id=ana, account="demo_shop", role="approver",
                        granted_by=slack.admin)
    from bot.posts import actions

    await queue(slack, "post demo_shop in 2h https://cdn.example/img/square.jpg Before")
    [post] = post_rows(deps, row["id"])
    deps.store.run_sync(lambda db: db.execute("UPDATE posts SET state = 'awaiting_approval', edited_by = ?, "
                                              "revision = 2 WHERE id = ?", [slack.admin, post["id"]]))
    stale = await actions.approve(deps, user_id=ana, post_id=post["id"], seen_revision=1)
    assert not stale.ok and "edited after this request" in stale.message
    assert post_rows(deps, row["id"])[0]["state"] == "awaiting_approval"
    fresh = await actions.approve(deps, user_id=ana, post_id=post["id"], seen_revision=2)
    assert fresh.ok and post_rows(deps, row["id"])[0]["approved_by"] == ana
