"""Both login flows end to end: Slack link → Meta's dialog (the emulator) → callback → stored account."""

from __future__ import annotations

import json
import logging
import re

import aiohttp
import pytest

from bot.appkeys import DEPS
from bot.config import Config
from bot.connect.links import new_connect_link
from bot.demo.world import free_port
from storage import accounts as account_rows
from storage import tokens as token_rows
from storage.clock import parse


@pytest.fixture
def port() -> int:
    return free_port()


@pytest.fixture
def config(config, graph, port) -> Config:
    return config.with_overrides(public_url=f"http://127.0.0.1:{port}", instagram_app_id="5678",
                                 instagram_app_secret="igs3cret", facebook_www_url=graph.urls.www_facebook,
                                 instagram_www_url=graph.urls.www_instagram)


@pytest.fixture
async def served(aiohttp_server, config, slack, port):
    from bot.app import create_app

    server = await aiohttp_server(create_app(config), port=port)
    slack.set_request_url(str(server.make_url("/slack/events")))
    return server


@pytest.fixture
async def browser():
    async with aiohttp.ClientSession() as session:
        yield session


async def link(served, slack) -> object:
    return await new_connect_link(served.app[DEPS], user_id=slack.admin, channel_id=slack.social)


async def test_facebook_login_connects_the_ticked_accounts(served, slack, graph, browser, caplog):
    caplog.set_level(logging.DEBUG)
    first = graph.add_account("shop_one")
    second = graph.add_account("shop_two")
    url = (await link(served, slack)).facebook
    async with browser.get(url) as response:
        page = await response.text()
    assert response.status == 200 and "@shop_one" in page and "@shop_two" in page
    choice = re.search(r"name='choice' value='([^']+)'", page).group(1)
    async with browser.post(f"http://127.0.0.1:{served.port}/oauth/facebook/callback",
                            data={"choice": choice, "ig_user_id": first.ig_user_id}) as response:
        done = await response.text()
    assert response.status == 200 and "@shop_one connected" in done and "shop_two" not in done
    deps = served.app[DEPS]
    row = await deps.store.run(account_rows.get_account_by_ig_user_id, first.ig_user_id)
    assert row["channel_id"] == slack.social and row["page_id"] == first.page_id and row["status"] == "active"
    token = await deps.store.run(token_rows.get_token, row["id"])
    assert deps.cipher.decrypt(token["ciphertext"]) == first.page_token
    assert await deps.store.run(account_rows.get_account_by_ig_user_id, second.ig_user_id) is None
    assert graph.count_calls(path="/{page-id}/subscribed_apps", method="POST") == 1
    note = await slack.wait_for(lambda: [m for m in slack.messages(slack.social) if "connected @shop_one" in m["text"]])
    assert note
    for secret in (first.page_token, graph.user_token(graph.state.fb_users[first.fb_user_id])):
        assert secret not in page + done + caplog.text + json.dumps(slack.messages(slack.social))
    async with browser.post(f"http://127.0.0.1:{served.port}/oauth/facebook/callback",
                            data={"choice": choice, "ig_user_id": second.ig_user_id}) as response:
        assert response.status == 400 and "already sent" in await response.text()


async def test_instagram_login_stores_the_user_id_the_webhooks_use(served, slack, graph, browser, caplog):
    caplog.set_level(logging.DEBUG)
    acct = graph.add_account("ig_shop", login="instagram", webhooks_subscribed=False)
    async with browser.get((await link(served, slack)).instagram) as response:
        done = await response.text()
    assert response.status == 200 and "@ig_shop connected" in done
    deps = served.app[DEPS]
    row = await deps.store.run(account_rows.get_account_by_username, "ig_shop")
    assert row["ig_user_id"] == acct.ig_user_id != acct.app_scoped_id and row["login"] == "instagram"
    token = await deps.store.run(token_rows.get_token, row["id"])
    assert token["kind"] == "instagram" and token["expires_at"]
    assert graph.count_calls(path="/{ig-user-id}/subscribed_apps", method="POST") == 1
    graph.set_webhook_callback(f"http://127.0.0.1:{served.port}/webhooks/instagram")
    graph.add_comment(graph.add_media(acct, caption="New in"), "Is this in beige?", username="anna")
    await graph.flush_webhooks()
    assert graph.deliveries[-1].payload["entry"][0]["id"] == row["ig_user_id"]
    relayed = await slack.wait_for(lambda: [m for m in slack.messages(slack.social) if "beige" in json.dumps(m)])
    assert relayed
    secret = deps.cipher.decrypt(token["ciphertext"])
    assert secret not in done + caplog.text + json.dumps(slack.messages(slack.social))


async def test_reconnecting_updates_the_token_and_never_duplicates(served, slack, graph, browser):
    acct = graph.add_account("ig_shop", login="instagram")
    for _ in range(2):
        async with browser.get((await link(served, slack)).instagram) as response:
            text = await response.text()
    assert "@ig_shop reconnected" in text
    deps = served.app[DEPS]
    assert len(await deps.store.run(account_rows.list_accounts)) == 1
    assert (await deps.store.run(account_rows.get_account_by_ig_user_id, acct.ig_user_id))["status"] == "active"


async def test_denied_consent_connects_nothing(served, slack, graph, browser):
    graph.add_account("shop_one")
    graph.dialog_outcome = "deny"
    async with browser.get((await link(served, slack)).facebook) as response:
        text = await response.text()
    assert response.status == 400 and "permission was not given" in text
    assert await served.app[DEPS].store.run(account_rows.list_accounts) == []


async def test_forged_reused_and_stale_states_are_each_explained(served, slack, graph, browser):
    from datetime import UTC, datetime, timedelta

    graph.add_account("ig_shop", login="instagram")
    forged = "did not start from a connect link igbot gave out"
    async with browser.get(f"http://127.0.0.1:{served.port}/oauth/instagram/start?state=forged") as response:
        assert response.status == 400 and forged in await response.text()
    async with browser.get(f"http://127.0.0.1:{served.port}/oauth/instagram/callback?state=forged&code=x") as response:
        assert response.status == 400 and forged in await response.text()
    url = (await link(served, slack)).instagram
    async with browser.get(url) as response:
        assert response.status == 200
    async with browser.get(url) as response:
        assert response.status == 400 and "already used (each link works once)" in await response.text()
    stale = await new_connect_link(served.app[DEPS], user_id=slack.admin, channel_id=slack.social,
                                   now=datetime.now(UTC) - timedelta(minutes=11))
    async with browser.get(stale.instagram) as response:
        assert response.status == 400 and "older than 10 minutes" in await response.text()
    assert len(await served.app[DEPS].store.run(account_rows.list_accounts)) == 1


async def test_a_page_without_instagram_is_explained(served, slack, graph, browser):
    user = graph.add_facebook_user("Nobody Shop")
    graph.dialog_fb_user_id = user.id
    async with browser.get((await link(served, slack)).facebook) as response:
        text = await response.text()
    assert response.status == 400 and "has an Instagram professional account linked" in text


async def test_many_pages_over_several_pages_of_results_are_all_offered(served, slack, graph, browser):
    shops = [graph.add_account(f"shop_{n:03d}") for n in range(130)]
    graph.add_page("Corner Bakery")
    async with browser.get((await link(served, slack)).facebook) as response:
        page = await response.text()
    assert response.status == 200 and page.count("name='ig_user_id'") == 130
    assert "Corner Bakery" not in page
    assert graph.count_calls(path="/me/accounts") == 2  # 131 Pages, 100 a page
    choice = re.search(r"name='choice' value='([^']+)'", page).group(1)
    ticked = [shops[0].ig_user_id, shops[64].ig_user_id, shops[129].ig_user_id]
    async with browser.post(f"http://127.0.0.1:{served.port}/oauth/facebook/callback",
                            data=[("choice", choice), *(("ig_user_id", t) for t in ticked)]) as response:
        done = await response.text()
    assert response.status == 200 and done.count(" connected to channel") == 3
    rows = await served.app[DEPS].store.run(account_rows.list_accounts)
    assert sorted(r["username"] for r in rows) == ["shop_000", "shop_064", "shop_129"]


async def test_a_facebook_login_stores_when_data_access_ends(served, slack, graph, graph_clock, browser):
    shop = graph.add_account("shop_one")
    async with browser.get((await link(served, slack)).facebook) as response:
        page = await response.text()
    choice = re.search(r"name='choice' value='([^']+)'", page).group(1)
    async with browser.post(f"http://127.0.0.1:{served.port}/oauth/facebook/callback",
                            data={"choice": choice, "ig_user_id": shop.ig_user_id}) as response:
        assert response.status == 200
    deps = served.app[DEPS]
    row = await deps.store.run(account_rows.get_account_by_ig_user_id, shop.ig_user_id)
    token = await deps.store.run(token_rows.get_token, row["id"])
    days = (parse(token["data_access_expires_at"]).timestamp() - graph_clock()) / 86400
    assert token["expires_at"] is None and 89 < days <= 90


@pytest.mark.parametrize(("flavor", "declined", "said"), [
    ("facebook", "instagram_manage_comments", "instagram_manage_comments (to read, answer and hide comments)"),
    ("facebook", "pages_manage_metadata", "pages_manage_metadata (to switch on comment notifications"),
    ("instagram", "instagram_business_content_publish", "instagram_business_content_publish (to publish posts)"),
])
async def test_a_missing_permission_is_named_and_nothing_is_connected(served, slack, graph, browser, flavor,
                                                                      declined, said):
    graph.add_account("shop_one", login=flavor)
    graph.dialog_declined_scopes = {declined}
    async with browser.get(getattr(await link(served, slack), flavor)) as response:
        text = await response.text()
    assert response.status == 400 and "did not give igbot every permission" in text and said in text
    assert await served.app[DEPS].store.run(account_rows.list_accounts) == []


async def test_pages_none_of_which_has_instagram_are_explained(served, slack, graph, browser):
    user = graph.add_facebook_user("Bakery Owner")
    graph.add_page("Corner Bakery", fb_user=user)
    graph.add_page("Second Bakery", fb_user=user)
    graph.dialog_fb_user_id = user.id
    async with browser.get((await link(served, slack)).facebook) as response:
        text = await response.text()
    assert response.status == 400 and "has an Instagram professional account linked" in text
    assert "Link the Instagram account to its Page" in text
