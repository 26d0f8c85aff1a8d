"""igbot webhooks subscribe|status and the doctor's checks, against the Graph emulator with igbot answering Meta."""

from __future__ import annotations

import asyncio

from click.testing import CliRunner

from bot.cli import cli


def cli_env(base_env, graph, bot, slack, **extra) -> dict[str, str]:
    return {**base_env, "GRAPH_API_URL": graph.urls.graph_facebook,
            "INSTAGRAM_GRAPH_API_URL": graph.urls.graph_instagram, "INSTAGRAM_API_URL": graph.urls.api_instagram,
            "SLACK_API_URL": slack.api_url, "IGBOT_ADMINS": slack.admin,
            "IGBOT_PUBLIC_URL": str(bot.make_url("")).rstrip("/"), **extra}


async def igbot(env, *args):
    """Run the CLI in a thread (it starts its own loop) while igbot and the emulators keep serving."""
    return await asyncio.to_thread(lambda: CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False))


def no_secret_in(output: str, *accounts) -> None:
    for acct in accounts:
        for token in (acct.token, getattr(acct, "page_token", None)):
            assert not token or token not in output
    assert "meta-app-secret" not in output and "verify-me" not in output


async def test_status_says_what_is_missing_then_subscribe_fixes_it(base_env, graph, bot, slack, add_account):
    _, shop = add_account("demo_shop", webhooks_subscribed=False)
    _, cafe = add_account("quiet_cafe", login="instagram", webhooks_subscribed=False)
    env = cli_env(base_env, graph, bot, slack)

    before = await igbot(env, "webhooks", "status")
    assert before.exit_code == 1
    assert "[FAIL] app subscription: the app is not subscribed to Instagram webhooks: run `igbot webhooks " \
           "subscribe`" in before.output
    assert "[FAIL] @demo_shop subscription: its Page is not subscribed" in before.output
    assert "[FAIL] @quiet_cafe subscription: the account is not subscribed" in before.output

    done = await igbot(env, "webhooks", "subscribe")
    assert done.exit_code == 0, done.output
    sub = graph.state.subscriptions["instagram"]
    assert sub.callback_url == f"{env['IGBOT_PUBLIC_URL']}/webhooks/instagram"
    assert set(sub.fields) == {"comments", "mentions"}
    assert graph.state.pages[shop.page_id].subscribed_apps["1234"] == ["feed"]
    assert graph.state.accounts[cafe.ig_user_id].subscribed_fields == ["comments"]

    after = await igbot(env, "webhooks", "status")
    assert after.exit_code == 0, after.output
    assert "[  ok] app subscription: instagram → " in after.output and "(comments, mentions)" in after.output
    assert "[  ok] @demo_shop subscription: its Page is subscribed (feed)" in after.output
    no_secret_in(before.output + done.output + after.output, shop, cafe)


async def test_a_wrong_verify_token_is_explained_and_nothing_is_subscribed(base_env, graph, bot, slack):
    env = cli_env(base_env, graph, bot, slack, META_WEBHOOK_VERIFY_TOKEN="not-what-igbot-serve-has")
    result = await igbot(env, "webhooks", "subscribe")
    assert result.exit_code == 1
    assert "[FAIL] app subscription: Meta refused" in result.output
    assert "igbot serve must be running" in result.output and "META_WEBHOOK_VERIFY_TOKEN" in result.output
    assert "not-what-igbot-serve-has" not in result.output
    assert "instagram" not in graph.state.subscriptions


async def test_subscribe_names_the_missing_settings(base_env, graph, bot, slack):
    env = cli_env(base_env, graph, bot, slack)
    del env["IGBOT_PUBLIC_URL"]
    result = await igbot(env, "webhooks", "subscribe")
    assert result.exit_code == 1 and "IGBOT_PUBLIC_URL is not set" in result.output
    assert graph.count_calls() == 0


async def test_status_sees_a_wrong_callback(base_env, graph, bot, slack):
    graph.set_webhook_callback("http://127.0.0.1:9/elsewhere", fields=("comments",), verify_token="x")
    result = await igbot(cli_env(base_env, graph, bot, slack), "webhooks", "status")
    assert "Meta delivers to http://127.0.0.1:9/elsewhere" in result.output
    assert "fields mentions are not subscribed" in result.output and result.exit_code == 1


async def test_doctor_checks_tokens_and_subscriptions(base_env, graph, bot, slack, add_account):
    _, shop = add_account("demo_shop")
    _, cafe = add_account("quiet_cafe", login="instagram")
    graph.revoke_token(cafe)
    env = cli_env(base_env, graph, bot, slack)
    await igbot(env, "webhooks", "subscribe")
    result = await igbot(env, "doctor")
    assert "[  ok] app subscription" in result.output
    assert "[  ok] @demo_shop token: valid" in result.output
    assert "[  ok] @demo_shop subscription: its Page is subscribed" in result.output
    assert "[FAIL] @quiet_cafe token: @quiet_cafe needs to be reconnected" in result.output
    assert "reconnects it with /ig connect\n" in result.output  # said once; `/ig connect NAME` moves a channel
    assert "/ig connect quiet_cafe" not in result.output
    assert result.exit_code == 1
    no_secret_in(result.output, shop, cafe)


async def test_page_fields_are_configurable_and_remembered(base_env, graph, bot, slack, add_account):
    from bot.appkeys import DEPS
    from bot.connect.fields import account_fields

    _, shop = add_account("demo_shop", webhooks_subscribed=False)
    env = cli_env(base_env, graph, bot, slack)
    bad = await igbot(env, "webhooks", "subscribe", "--page-fields", "feed,Not A Field")
    assert bad.exit_code == 2 and "page fields must be comma-separated" in bad.output
    done = await igbot(env, "webhooks", "subscribe", "--page-fields", "feed,mention")
    assert done.exit_code == 0, done.output
    assert graph.state.pages[shop.page_id].subscribed_apps["1234"] == ["feed", "mention"]
    store = bot.server.app[DEPS].store
    assert await account_fields(store, "facebook") == ["feed", "mention"]
    assert await account_fields(store, "instagram") == ["comments"]
