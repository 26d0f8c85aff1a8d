"""App Home: health, next posts and last digests from stored state; valid for 0/1/50/500 accounts; buttons."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from sandbox.slack import validate_view
from storage import accounts as account_rows
from storage import digests as digest_rows
from storage import posts as post_rows
from storage import roles as role_rows
from tests.accounts.conftest import START, add_many


async def open_home(slack, user):
    count = len(slack.calls_of("views.publish"))
    assert (await slack.app_home_opened(user=user)).ok
    await slack.wait_for(lambda: len(slack.calls_of("views.publish")) > count)
    return slack.home_of(user)


def texts(view) -> str:
    return json.dumps(view["blocks"], ensure_ascii=False)


@pytest.mark.parametrize("n", [0, 1, 50, 500])
async def test_home_is_valid_for_any_number_of_accounts(slack, graph, deps, n):
    add_many(deps, slack.social, n)
    before = graph.count_calls()
    view = await open_home(slack, slack.admin)
    assert view is not None and validate_view(view) == [] and len(view["blocks"]) <= 100
    assert graph.count_calls() == before
    shown = [b for b in view["blocks"] if b["type"] == "section" and "shop_" in b["text"]["text"]]
    assert len(shown) == min(n, 30)
    if n == 0:
        assert "No accounts yet" in texts(view)
    if n > 30:
        assert f"{n} account(s)" in texts(view) and f"page 1 of {-(-n // 30)}" in texts(view)


async def test_next_page_republishes_the_home(slack, deps):
    add_many(deps, slack.social, 500)
    view = await open_home(slack, slack.admin)
    assert "shop_030" not in texts(view)
    count = len(slack.calls_of("views.publish"))
    await slack.click(user=slack.admin, view_id=view["id"], action_id="home_page")
    await slack.wait_for(lambda: len(slack.calls_of("views.publish")) > count)
    page2 = slack.home_of(slack.admin)
    assert "shop_030" in texts(page2) and "shop_000" not in texts(page2) and "page 2 of 17" in texts(page2)
    assert validate_view(page2) == []


async def test_problems_first_posts_of_the_week_and_last_digest(slack, deps, add_account):
    healthy, _ = add_account("aaa_fine")
    broken, _ = add_account("zzz_broken")

    def seed(db):
        account_rows.set_account_status(db, broken["id"], "needs_reconnect", "the password was changed")
        item = [{"url": "https://cdn.example/img/a.jpg", "media": "image"}]
        for hours, caption in ((3, "Soon <b>&amp; bold</b>"), (24 * 8, "Too far away")):
            due = START + timedelta(hours=hours)
            post_rows.create_post(db, account_id=healthy["id"], kind="image", caption=caption, author=slack.admin,
                                  channel_id=slack.social, due_at=due, next_action_at=due, items=item, now=START)
        digest_rows.put_insight_day(db, healthy["id"], "2026-11-22", {"reach": 1234, "views": 5678},
                                    preliminary=False)
        digest_rows.put_follower_snapshot(db, healthy["id"], "2026-11-23", followers_count=4321, media_count=9)
        run = digest_rows.create_manual_run(db, account_id=healthy["id"], day="2026-11-23", channel_id=slack.social,
                                            weekly=False, requested_by=slack.admin, now=START)
        db["digest_runs"].update(run, {"state": "sent", "sent_at": "2026-11-23T08:01:00.000000Z"})

    deps.store.run_sync(seed)
    view = await open_home(slack, slack.admin)
    text = texts(view)
    assert text.index("zzz_broken") < text.index("aaa_fine")
    assert "the password was changed" in text
    assert "Mon 23 Nov 12:00" in text and "Soon &lt;b&gt;&amp;amp; bold&lt;/b&gt;" in text  # Berlin time, escaped
    assert "Too far away" not in text
    assert "2026-11-22: 1,234 reach · 5,678 views · 4,321 followers" in text


async def test_a_person_sees_only_their_accounts(slack, deps, add_account):
    add_account("demo_shop")
    view = await open_home(slack, slack.alice)
    assert "demo_shop" not in texts(view) and "Ask an igbot admin" in texts(view)


async def test_compose_button_opens_the_compose_modal(slack, deps, add_account):
    add_account("demo_shop")
    view = await open_home(slack, slack.admin)
    await slack.click(user=slack.admin, view_id=view["id"], action_id="home_compose")
    await slack.wait_for(lambda: slack.views_of(slack.admin))
    assert slack.views_of(slack.admin)[-1]["callback_id"] == "post_compose"


async def test_connect_without_a_public_url_says_what_to_set(slack, deps):
    view = await open_home(slack, slack.admin)
    await slack.click(user=slack.admin, view_id=view["id"], action_id="home_connect")
    await slack.wait_for(lambda: slack.views_of(slack.admin))
    await slack.submit_view(user=slack.admin, values={"channel": {"channel_input": slack.social}})
    await slack.wait_for(lambda: "IGBOT_PUBLIC_URL" in json.dumps(slack.views_of(slack.admin)))


class TestWithAPublicUrl:
    @pytest.fixture
    def extra_env(self):
        return {"IGBOT_PUBLIC_URL": "https://igbot.example.com"}

    async def test_connect_asks_the_channel_then_shows_both_links(self, slack, deps, add_account):
        add_account("demo_shop")
        deps.store.run_sync(role_rows.grant_role, slack_user_id=slack.alice, account="demo_shop", role="admin",
                            granted_by=slack.admin)
        view = await open_home(slack, slack.alice)
        await slack.click(user=slack.alice, view_id=view["id"], action_id="home_connect")
        await slack.wait_for(lambda: slack.views_of(slack.alice))
        await slack.submit_view(user=slack.alice, values={"channel": {"channel_input": slack.social}})
        await slack.wait_for(lambda: "oauth/facebook/start" in json.dumps(slack.views_of(slack.alice)))
        shown = json.dumps(slack.views_of(slack.alice))
        assert "https://igbot.example.com/oauth/instagram/start?state=" in shown and f"<#{slack.social}>" in shown
        state = shown.split("oauth/facebook/start?state=")[1].split('"')[0]
        from storage import oauth_states

        row = deps.store.run_sync(oauth_states.get_state, state)
        assert row["slack_user_id"] == slack.alice and row["channel_id"] == slack.social


    async def test_a_private_channel_igbot_is_not_in_is_refused_on_the_field(self, slack, deps):
        hidden = slack.add_channel("hidden", private=True, members=[slack.admin], bot_member=False)
        news = slack.add_channel("news", members=[slack.admin], bot_member=False)
        view = await open_home(slack, slack.admin)
        await slack.click(user=slack.admin, view_id=view["id"], action_id="home_connect")
        await slack.wait_for(lambda: slack.views_of(slack.admin))
        refused = await slack.submit_view(user=slack.admin, values={"channel": {"channel_input": hidden}})
        assert "/invite @igbot" in json.dumps(refused.json) and "oauth" not in json.dumps(slack.views_of(slack.admin))
        assert deps.store.run_sync(lambda db: db.execute("SELECT COUNT(*) FROM oauth_states").fetchone()[0]) == 0
        await slack.submit_view(user=slack.admin, values={"channel": {"channel_input": news}})
        await slack.wait_for(lambda: "oauth/facebook/start" in json.dumps(slack.views_of(slack.admin)))
        assert [c.method for c in slack.calls_of("conversations.join")] == ["conversations.join"]


async def test_connect_needs_the_admin_role(slack, deps):
    view = await open_home(slack, slack.alice)
    await slack.click(user=slack.alice, view_id=view["id"], action_id="home_connect")
    await slack.wait_for(lambda: slack.views_of(slack.alice))
    shown = json.dumps(slack.views_of(slack.alice))
    assert "needs the *admin* role" in shown and "channel_input" not in shown
