"""The compose modal: the account picker, a type's fields, validation into the modal, and the same queue path."""

from __future__ import annotations

import json

from storage import roles as role_rows
from tests.posts.conftest import post_rows

MEDIA, PUBLISH = "/{ig-user-id}/media", "/{ig-user-id}/media_publish"


async def open_modal(slack, user):
    seen = await slack.slash_command(user=user, channel=slack.social, text="post")
    assert seen.ok and not seen.text
    [view] = await slack.wait_for(lambda: slack.views_of(user))
    return view


def block_ids(view) -> list[str]:
    return [b.get("block_id") for b in view["blocks"]]


async def choose(slack, user, view, account="demo_shop", kind="feed"):
    """Pick the account, then the type, each time waiting for igbot's redraw of the modal (a new hash)."""
    shown = slack.views_of(user)[-1]["hash"]
    await slack.click(user=user, view_id=view["id"], action_id="compose_account", value=account)
    await slack.wait_for(lambda: slack.views_of(user)[-1]["hash"] != shown)
    assert "Europe/Berlin" in json.dumps(slack.views_of(user)[-1])
    if kind != "feed":
        shown = slack.views_of(user)[-1]["hash"]
        d = await slack.click(user=user, view_id=view["id"], action_id="compose_type", value=kind)
        assert d.ok, (d.error, d.status, d.body)
        await slack.wait_for(lambda: slack.views_of(user)[-1]["hash"] != shown)
        assert slack.views_of(user)[-1]["blocks"][1]["element"]["initial_option"]["value"] == kind
    return slack.views_of(user)[-1]


async def test_account_picker_offers_only_publishable_accounts_filtered(slack, graph, add_account, deps):
    for name in ("demo_shop", "demo_cafe", "other_brand"):
        add_account(name)
    deps.store.run_sync(role_rows.grant_role, slack_user_id=slack.alice, account="demo_shop", role="publisher",
                        granted_by=slack.admin)
    deps.store.run_sync(role_rows.grant_role, slack_user_id=slack.alice, account="demo_cafe", role="moderator",
                        granted_by=slack.admin)
    view = await open_modal(slack, slack.alice)
    offered = await slack.suggest(user=slack.alice, view_id=view["id"], action_id="compose_account", value="demo")
    assert [o["value"] for o in offered.options] == ["demo_shop"]
    admin_view = await open_modal(slack, slack.admin)
    offered = await slack.suggest(user=slack.admin, view_id=admin_view["id"], action_id="compose_account",
                                  value="DEMO")
    assert sorted(o["value"] for o in offered.options) == ["demo_cafe", "demo_shop"]
    assert graph.count_calls() == 0


async def test_hundreds_of_accounts_are_capped_at_100_options(slack, deps):
    from bot.accounts import NewAccount, register_account

    for n in range(130):
        register_account(deps.store, deps.cipher, NewAccount(
            username=f"brand{n:03}", ig_user_id=f"17841400000{n:04}", login="instagram", page_id=None,
            channel_id=slack.social, timezone="UTC", digest_time="09:00"), f"token-{n}")
    view = await open_modal(slack, slack.admin)
    offered = await slack.suggest(user=slack.admin, view_id=view["id"], action_id="compose_account", value="")
    assert len(offered.options) == 100
    narrowed = await slack.suggest(user=slack.admin, view_id=view["id"], action_id="compose_account", value="brand12")
    assert [o["value"] for o in narrowed.options] == [f"brand12{n}" for n in range(10)]


async def test_type_choice_shows_only_that_types_fields(slack, shop, deps):
    view = await open_modal(slack, slack.admin)
    assert "caption" in block_ids(view) and "cover_url" not in block_ids(view)
    assert "Uploads: uploading needs IGBOT_PUBLIC_URL" in json.dumps(view)  # no public URL in this config
    assert "upload" not in block_ids(view)
    reel = await choose(slack, slack.admin, view, kind="reel")
    assert {"cover_url", "share_to_feed", "thumb_offset", "first_comment"} <= set(block_ids(reel))
    assert "alt_text" not in block_ids(reel)
    time_block = next(b for b in reel["blocks"] if b.get("block_id") == "when_time")
    assert time_block["element"]["timezone"] == "Europe/Berlin" and "Europe/Berlin" in time_block["label"]["text"]
    story = await choose(slack, slack.admin, reel, kind="story")
    assert "caption" not in block_ids(story) and "first_comment" not in block_ids(story)


async def test_carousel_from_the_modal_publishes_with_child_and_parent_fields(slack, graph, shop, driver, deps):
    row, _ = shop
    view = await choose(slack, slack.admin, await open_modal(slack, slack.admin))
    done = await slack.submit_view(user=slack.admin, view_id=view["id"], values={
        "media": {"media": {"value": "https://cdn.example/img/photo1.jpg\nhttps://cdn.example/video/clip.mov\n"
                                     "https://cdn.example/img/photo2.jpg"}},
        "caption": {"caption": {"value": "Three things #autumn"}},
        "alt_text": {"alt_text": {"value": "1: A red chair\n3: A blue lamp"}},
        "user_tags": {"user_tags": {"value": "1: @anna [0.2,0.8] @ben\n2: @carl"}},
        "collaborators": {"collaborators": {"value": "@dana, @eli"}},
        "location": {"location": {"value": "110843418940484"}},
        "first_comment": {"first_comment": {"value": "More on our site"}},
        "when_date": {"when_date": "2026-11-23"}, "when_time": {"when_time": "09:20"},
    })
    assert done.ok and not slack.views_of(slack.admin)
    [post] = post_rows(deps, row["id"])
    assert post["kind"] == "carousel" and post["caption"] == "Three things #autumn"
    assert post["due_at"].startswith("2026-11-23T08:20")  # 09:20 in Berlin
    assert post["first_comment"] == "More on our site"
    assert json.loads(post["options"]) == {"collaborators": ["dana", "eli"], "location_id": "110843418940484"}
    assert graph.count_calls() == 0
    await driver.run_for(30 * 60, step=60)
    creates = graph.find_calls(path=MEDIA, method="POST")
    assert creates[0].params["alt_text"] == "A red chair"
    assert json.loads(creates[0].params["user_tags"]) == [{"username": "anna", "x": 0.2, "y": 0.8},
                                                          {"username": "ben", "x": 0.5, "y": 0.5}]
    assert creates[1].params["media_type"] == "VIDEO" and json.loads(creates[1].params["user_tags"]) == [
        {"username": "carl"}]
    assert creates[2].params["alt_text"] == "A blue lamp"
    parent = creates[3].params
    assert parent["media_type"] == "CAROUSEL" and parent["caption"] == "Three things #autumn"
    assert parent["location_id"] == "110843418940484" and "dana" in str(parent["collaborators"])
    assert all("caption" not in c.params and "location_id" not in c.params for c in creates[:3])
    assert graph.count_calls(path=PUBLISH) == 1
    assert post_rows(deps, row["id"])[0]["state"] == "published"


async def test_reel_now_from_the_modal(slack, graph, shop, driver, deps):
    row, _ = shop
    view = await choose(slack, slack.admin, await open_modal(slack, slack.admin), kind="reel")
    done = await slack.submit_view(user=slack.admin, view_id=view["id"], values={
        "media": {"media": {"value": "https://cdn.example/video/reel.mp4"}},
        "caption": {"caption": {"value": "Behind the scenes"}},
        "cover_url": {"cover_url": {"value": "https://cdn.example/img/square.jpg"}},
        "thumb_offset": {"thumb_offset": {"value": "1500"}},
        "share_to_feed": {"share_to_feed": []},
    })
    assert done.ok
    await driver.run_for(10 * 60, step=30)
    [post] = post_rows(deps, row["id"])
    assert post["state"] == "published"
    create = graph.find_calls(path=MEDIA, method="POST")[0].params
    assert create["media_type"] == "REELS" and create["cover_url"] == "https://cdn.example/img/square.jpg"
    assert str(create["thumb_offset"]) == "1500" and str(create["share_to_feed"]).lower() == "false"


BAD_FORMS = [
    ({"media": {"media": {"value": "http://localhost/a.jpg"}}}, "media", "localhost"),
    ({"media": {"media": {"value": "https://cdn.example/img/a.jpg"}},
      "caption": {"caption": {"value": " ".join(f"#t{i}" for i in range(31))}}}, "caption", "31 hashtags"),
    ({"media": {"media": {"value": "https://cdn.example/img/a.jpg"}},
      "collaborators": {"collaborators": {"value": "@a @b @c @d"}}}, "collaborators", "at most 3"),
    ({"media": {"media": {"value": "https://cdn.example/img/a.jpg"}},
      "user_tags": {"user_tags": {"value": "@anna [2,0.5]"}}}, "user_tags", "between 0 and 1"),
    ({"media": {"media": {"value": "https://cdn.example/img/a.jpg\nhttps://cdn.example/img/b.jpg"}},
      "alt_text": {"alt_text": {"value": "5: nope"}}}, "alt_text", "there are 2 items"),
    ({"media": {"media": {"value": "https://cdn.example/img/a.jpg"}},
      "when_date": {"when_date": "2020-01-01"}, "when_time": {"when_time": "09:00"}}, "when_time", "in the past"),
    ({"media": {"media": {"value": "https://cdn.example/img/a.jpg"}},
      "when_time": {"when_time": "09:00"}}, "when_date", "Pick a date"),
]


async def test_wrong_fields_are_named_in_the_modal_and_nothing_is_stored(slack, graph, shop, deps):
    row, _ = shop
    for values, block, words in BAD_FORMS:
        view = await choose(slack, slack.admin, await open_modal(slack, slack.admin))
        seen = await slack.submit_view(user=slack.admin, view_id=view["id"], values=values)
        assert seen.ok, seen.error
        assert seen.json["response_action"] == "errors" and words in seen.json["errors"][block], seen.json
        await slack.close_view(user=slack.admin)
    assert post_rows(deps, row["id"]) == [] and graph.count_calls() == 0


async def test_a_moderator_cannot_queue_from_the_modal(slack, shop, deps):
    row, _ = shop
    deps.store.run_sync(role_rows.grant_role, slack_user_id=slack.alice, account="demo_shop", role="moderator",
                        granted_by=slack.admin)
    view = await open_modal(slack, slack.alice)
    await slack.click(user=slack.alice, view_id=view["id"], action_id="compose_account", value="demo_shop")
    await slack.wait_for(lambda: "Europe/Berlin" in json.dumps(slack.views_of(slack.alice)[-1]))
    seen = await slack.submit_view(user=slack.alice, values={
        "media": {"media": {"value": "https://cdn.example/img/a.jpg"}}})
    assert "publisher" in seen.json["errors"]["account"]
    assert post_rows(deps, row["id"]) == []


async def test_edit_from_the_queue_replaces_items_caption_and_time(slack, graph, shop, driver, deps):
    row, _ = shop
    await slack.slash_command(user=slack.admin, channel=slack.social,
                              text="post demo_shop in 2h https://cdn.example/img/square.jpg Old words")
    listing = await slack.slash_command(user=slack.admin, channel=slack.social, text="queue demo_shop")
    assert "post_edit" in json.dumps(listing.json)
    eph = slack.ephemerals(user=slack.admin)[-1]
    await slack.click(user=slack.admin, channel=slack.social, message_ts=eph["ts"], action_id="post_edit")
    [view] = await slack.wait_for(lambda: slack.views_of(slack.admin))
    text = json.dumps(view)
    assert "Edit post" in text and "Old words" in text and "https://cdn.example/img/square.jpg" in text
    assert "11:00" in text  # 2 h after 09:00 Berlin, in the account's zone
    seen = await slack.submit_view(user=slack.admin, view_id=view["id"], values={
        "media": {"media": {"value": "https://cdn.example/img/photo1.jpg\nhttps://cdn.example/img/photo2.jpg"}},
        "caption": {"caption": {"value": "New words"}},
        "when_time": {"when_time": "12:30"},
    })
    assert seen.ok and not seen.json
    [post] = post_rows(deps, row["id"])
    assert post["kind"] == "carousel" and post["caption"] == "New words"
    assert post["due_at"].startswith("2026-11-23T11:30")
    assert graph.count_calls() == 0
    await driver.run_for(4 * 3600, step=120)
    [post] = post_rows(deps, row["id"])
    assert post["state"] == "published"
    assert graph.find_calls(path=MEDIA, method="POST")[-1].params["caption"] == "New words"
    # Once Instagram has its media, Edit explains why not instead of opening the modal.
    await slack.click(user=slack.admin, channel=slack.social, message_ts=eph["ts"], action_id="post_edit")
    [refusal] = await slack.wait_for(lambda: [e for e in slack.ephemerals(user=slack.admin)
                                              if "can no longer be edited" in e["text"]])
    assert not slack.views_of(slack.admin)


async def test_a_bad_edit_is_refused_in_the_modal_and_the_post_is_unchanged(slack, shop, deps):
    row, _ = shop
    await slack.slash_command(user=slack.admin, channel=slack.social,
                              text="post demo_shop in 2h https://cdn.example/img/square.jpg Keep me")
    await slack.slash_command(user=slack.admin, channel=slack.social, text="queue demo_shop")
    eph = slack.ephemerals(user=slack.admin)[-1]
    await slack.click(user=slack.admin, channel=slack.social, message_ts=eph["ts"], action_id="post_edit")
    [view] = await slack.wait_for(lambda: slack.views_of(slack.admin))
    seen = await slack.submit_view(user=slack.admin, view_id=view["id"], values={
        "media": {"media": {"value": "http://10.0.0.1/a.jpg"}}})
    assert "private" in seen.json["errors"]["media"]
    [post] = post_rows(deps, row["id"])
    assert post["caption"] == "Keep me"


async def test_editing_an_approved_post_needs_a_new_approval(slack, graph, shop, driver, deps):
    from storage import accounts as account_rows
    from storage import roles as role_rows

    row, _ = shop
    ana = slack.add_user("ana")
    slack.invite(slack.social, ana)
    deps.store.run_sync(role_rows.grant_role, slack_user_id=ana, account="demo_shop", role="approver",
                        granted_by=slack.admin)
    deps.store.run_sync(account_rows.update_settings, row["id"], approval_required=1)
    await slack.slash_command(user=slack.admin, channel=slack.social,
                              text="post demo_shop in 2h https://cdn.example/img/square.jpg Approved words")
    [first] = await slack.wait_for(lambda: [m for m in slack.messages(slack.social) if "needs approval" in str(m)])
    await slack.click(user=ana, channel=slack.social, message_ts=first["ts"], action_id="post_approve")
    await slack.wait_for(lambda: post_rows(deps, row["id"])[0]["state"] == "scheduled")

    await slack.slash_command(user=slack.admin, channel=slack.social, text="queue demo_shop")
    eph = slack.ephemerals(user=slack.admin)[-1]
    await slack.click(user=slack.admin, channel=slack.social, message_ts=eph["ts"], action_id="post_edit")
    [view] = await slack.wait_for(lambda: slack.views_of(slack.admin))
    seen = await slack.submit_view(user=slack.admin, view_id=view["id"],
                                   values={"caption": {"caption": {"value": "Words nobody approved"}}})
    assert seen.ok
    [post] = post_rows(deps, row["id"])
    assert post["state"] == "awaiting_approval" and post["approved_by"] is None
    requests = await slack.wait_for(lambda: [m for m in slack.messages(slack.social) if "needs approval" in str(m)])
    assert "Words nobody approved" in str(requests[-1])
    retired = await slack.wait_for(lambda: "was edited after this request" in str(
        slack.message(slack.social, first["ts"])))
    assert retired
    await driver.run_for(3 * 3600, step=600)
    assert post_rows(deps, row["id"])[0]["state"] == "awaiting_approval" and graph.count_calls(method="POST") == 0
