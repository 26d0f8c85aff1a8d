"""/ig connect: a personal link for admins; /ig connect <account> binds the channel after a membership check."""

import pytest

from bot.accounts import NewAccount, register_account
from bot.appkeys import DEPS
from storage import accounts as account_rows


@pytest.fixture
async def bot_with_url(aiohttp_client, config, slack):
    from bot.app import create_app

    client = await aiohttp_client(create_app(config.with_overrides(public_url="https://igbot.example.com")))
    slack.set_request_url(str(client.make_url("/slack/events")))
    return client


def add_account(deps, channel) -> dict:
    return register_account(deps.store, deps.cipher, NewAccount(
        username="demo_shop", ig_user_id="17841400000000001", login="facebook", page_id="1", channel_id=channel,
        timezone="UTC", digest_time="09:00"), "EAAtoken")


async def test_an_admin_gets_a_personal_link_offering_both_logins(bot_with_url, slack):
    seen = await slack.slash_command(user=slack.admin, channel=slack.social, text="connect")
    assert seen.ok
    shown = (await slack.wait_for(lambda: slack.ephemerals(user=slack.admin)))[-1]
    assert "only for you" in shown["text"]
    buttons = shown["blocks"][1]["elements"]
    assert [b["url"].split("?")[0] for b in buttons] == ["https://igbot.example.com/oauth/facebook/start",
                                                         "https://igbot.example.com/oauth/instagram/start"]
    assert slack.messages(slack.social) == []


async def test_without_a_public_url_the_link_is_refused_with_the_reason(bot, slack):
    await slack.slash_command(user=slack.admin, channel=slack.social, text="connect")
    shown = await slack.wait_for(lambda: slack.ephemerals(user=slack.admin))
    assert "needs IGBOT_PUBLIC_URL" in shown[-1]["text"]


async def test_a_link_for_a_private_channel_igbot_is_not_in_asks_for_an_invite_first(bot_with_url, slack):
    secret = slack.add_channel("secret2", private=True, members=[slack.admin], bot_member=False)
    await slack.slash_command(user=slack.admin, channel=secret, text="connect")
    shown = (await slack.wait_for(lambda: slack.ephemerals(user=slack.admin)))[-1]
    assert "/invite @igbot" in shown["text"] and "oauth" not in str(shown)
    deps = bot_with_url.server.app[DEPS]
    assert await deps.store.run(lambda db: db.execute("SELECT COUNT(*) FROM oauth_states").fetchone()[0]) == 0


async def test_a_link_for_a_public_channel_igbot_is_not_in_joins_it_first(bot_with_url, slack):
    news = slack.add_channel("news2", members=[slack.admin], bot_member=False)
    await slack.slash_command(user=slack.admin, channel=news, text="connect")
    shown = (await slack.wait_for(lambda: slack.ephemerals(user=slack.admin)))[-1]
    assert "only for you" in shown["text"]
    assert [c.method for c in slack.calls_of("conversations.join")] == ["conversations.join"]


async def test_only_admins_get_a_link(bot_with_url, slack):
    seen = await slack.slash_command(user=slack.alice, channel=slack.social, text="connect")
    assert "needs the *admin* role" in seen.text


async def test_binding_joins_a_public_channel_and_moves_the_account(bot_with_url, slack):
    deps = bot_with_url.server.app[DEPS]
    row = add_account(deps, slack.social)
    news = slack.add_channel("news", members=[slack.admin], bot_member=False)
    seen = await slack.slash_command(user=slack.admin, channel=news, text="connect @demo_shop")
    assert seen.ok
    messages = await slack.wait_for(lambda: slack.messages(news))
    assert "moved @demo_shop" in messages[-1]["text"]
    assert (await deps.store.run(account_rows.get_account, row["id"]))["channel_id"] == news
    assert [c.method for c in slack.calls_of("conversations.join")] == ["conversations.join"]


async def test_binding_a_private_channel_asks_for_an_invite_and_changes_nothing(bot_with_url, slack):
    deps = bot_with_url.server.app[DEPS]
    row = add_account(deps, slack.social)
    secret = slack.add_channel("secret", private=True, members=[slack.admin], bot_member=False)
    await slack.slash_command(user=slack.admin, channel=secret, text="connect demo_shop")
    shown = await slack.wait_for(lambda: slack.ephemerals(user=slack.admin))
    assert "/invite @igbot" in shown[-1]["text"]
    assert (await deps.store.run(account_rows.get_account, row["id"]))["channel_id"] == slack.social


async def test_binding_needs_the_admin_role(bot_with_url, slack):
    deps = bot_with_url.server.app[DEPS]
    add_account(deps, slack.social)
    seen = await slack.slash_command(user=slack.alice, channel=slack.social, text="connect demo_shop")
    assert "You need the *admin* role on @demo_shop" in seen.text
