"""The Graph client's state in SQLite: usage windows and reconnect marks survive a restart."""

from bot.graph_state import SqliteGraphState
from storage import accounts
from storage.db import Store


async def test_usage_and_reconnect_marks_survive_a_restart(tmp_path):
    path = str(tmp_path / "g.db")
    store = Store.open(path)
    await store.run(accounts.add_account, username="shop", ig_user_id="1784", login="facebook", page_id="1",
                    channel_id="C0SOCIAL1", timezone="UTC", digest_time="09:00")
    state = SqliteGraphState(store)
    await state.save_usage("account:1784", {"blocked_until": 1234.5, "call_count": 91})
    assert await state.mark_needs_reconnect("1784", "token expired (190/463)")
    assert not await state.mark_needs_reconnect("1784", "again")
    store.close()

    reopened = SqliteGraphState(Store.open(path))
    assert await reopened.load_usage("account:1784") == {"blocked_until": 1234.5, "call_count": 91}
    assert await reopened.load_usage("app") is None
    assert await reopened.needs_reconnect("1784") == "token expired (190/463)"
    assert await reopened.needs_reconnect("999") is None
    reopened._store.close()


async def test_a_client_on_sqlite_state_stops_calling_after_a_190(tmp_path):
    import aiohttp
    import pytest

    from bot.graph import GraphAccount, GraphClient, GraphSettings
    from bot.graph.errors import AccountNeedsReconnect
    from sandbox.graph import GraphEmulator

    store = Store.open(str(tmp_path / "g.db"))
    async with GraphEmulator() as graph, aiohttp.ClientSession() as session:
        ig = graph.add_account("shop")
        await store.run(accounts.add_account, username="shop", ig_user_id=ig.ig_user_id, login="facebook",
                        page_id=ig.page_id, channel_id="C0SOCIAL1", timezone="UTC", digest_time="09:00")
        graph.expire_token(ig)
        urls = graph.urls
        settings = GraphSettings(urls.graph_facebook, urls.graph_instagram, urls.api_instagram, "v25.0")
        client = GraphClient(session, settings, state=SqliteGraphState(store))
        account = GraphAccount(id=ig.ig_user_id, ig_user_id=ig.ig_user_id, login="facebook", token=ig.token)
        for _ in range(3):
            with pytest.raises(AccountNeedsReconnect):
                await client.get(ig.ig_user_id, account, params={"fields": "username"})
        assert graph.count_calls() == 1
    row = await store.run(accounts.get_account_by_username, "shop")
    assert row["status"] == "needs_reconnect" and "190" in row["status_reason"]
    store.close()
