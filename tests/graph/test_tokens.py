"""Token primitives for both logins and webhook subscription calls."""

import pytest

from bot.graph import OutcomeUnknown, TokenInvalid, tokens, webhooks
from bot.graph.account import GraphAccount

from .conftest import APP_SECRET, IG_APP_SECRET, IG_TOKEN, TOKEN, graph_error


async def test_facebook_code_then_long_lived(client, stub):
    stub.on("GET", "/fb/v25.0/oauth/access_token", (200, {"access_token": "EAAshort", "expires_in": 3600}))
    short = await tokens.facebook_code_to_token(
        client, "AQBcode", "https://bot.example/oauth/facebook/callback"
    )
    assert short["access_token"] == "EAAshort"
    q = stub.seen[0].query
    assert q["code"] == "AQBcode" and q["client_id"] == "111" and q["client_secret"] == APP_SECRET
    assert q["redirect_uri"] == "https://bot.example/oauth/facebook/callback"
    stub.on("GET", "/fb/v25.0/oauth/access_token", (200, {"access_token": "EAAlong", "expires_in": 5183944}))
    long = await tokens.facebook_long_lived(client, "EAAshort")
    assert long == {"access_token": "EAAlong", "expires_in": 5183944}
    q = stub.seen[1].query
    assert q["grant_type"] == "fb_exchange_token" and q["fb_exchange_token"] == "EAAshort"


async def test_facebook_pages_are_paged_and_filtered(client, stub):
    fields = "id,name,access_token,instagram_business_account{id,username}"

    def answer(seen):
        assert seen.headers["Authorization"] == "Bearer EAAlong"
        if seen.query.get("after") != "2":
            assert seen.query["fields"] == fields
            page = {"id": "p1", "name": "Shop", "access_token": "PAGEtok1",
                    "instagram_business_account": {"id": "1784100", "username": "shop"}}  # fmt: skip
            nxt = f"{stub.base}/fb/v25.0/me/accounts?after=2&access_token=EAAlong"
            return 200, {
                "data": [page, {"id": "p2", "name": "No IG", "access_token": "x"}],
                "paging": {"next": nxt},
            }
        page = {"id": "p3", "name": "Studio", "access_token": "PAGEtok3",
                "instagram_business_account": {"id": "1784300", "username": "studio"}}  # fmt: skip
        return 200, {"data": [page]}

    stub.on("GET", "/fb/v25.0/me/accounts", answer)
    pages = await tokens.facebook_pages(client, "EAAlong")
    assert [(p["page_id"], p["ig_user_id"], p["page_token"], p["username"]) for p in pages] == [
        ("p1", "1784100", "PAGEtok1", "shop"),
        ("p3", "1784300", "PAGEtok3", "studio"),
    ]
    assert len(stub.seen) == 2 and "access_token" not in stub.seen[1].query


async def test_debug_token(client, stub):
    stub.on(
        "GET", "/fb/v25.0/debug_token", (200, {"data": {"is_valid": True, "expires_at": 0, "type": "PAGE"}})
    )
    data = await tokens.debug_token(client, "EAAinput")
    assert data["is_valid"] and stub.seen[0].query["input_token"] == "EAAinput"


@pytest.mark.parametrize(
    "answer",
    [
        {
            "data": [
                {
                    "access_token": "IGQshort",
                    "user_id": "app-scoped-1",
                    "permissions": "instagram_business_basic",
                }
            ]
        },
        {"access_token": "IGQshort", "user_id": "app-scoped-1", "permissions": "instagram_business_basic"},
    ],
)
async def test_instagram_code_exchange_parses_both_shapes(client, stub, answer):
    stub.on("POST", "/igapi/oauth/access_token", (200, answer))
    out = await tokens.instagram_code_to_token(
        client, "AQDcode#_", "https://bot.example/oauth/instagram/callback"
    )
    assert out["access_token"] == "IGQshort" and out["user_id"] == "app-scoped-1"
    form = stub.seen[0].form
    assert form["code"] == "AQDcode" and form["grant_type"] == "authorization_code"
    assert form["client_id"] == "222" and form["client_secret"] == IG_APP_SECRET


async def test_instagram_code_exchange_is_not_retried(client, stub):
    stub.on("POST", "/igapi/oauth/access_token", (502, {}))
    with pytest.raises(OutcomeUnknown):
        await tokens.instagram_code_to_token(client, "AQD", "https://bot.example/cb")
    assert len(stub.seen) == 1


async def test_instagram_long_lived_and_refresh_are_unversioned_with_token_in_query(client, stub):
    stub.on(
        "GET",
        "/ig/access_token",
        (200, {"access_token": "IGQlong", "token_type": "bearer", "expires_in": 5183944}),
    )
    stub.on("GET", "/ig/refresh_access_token", (200, {"access_token": "IGQnew", "expires_in": 5183944}))
    assert (await tokens.instagram_long_lived(client, "IGQshort"))["access_token"] == "IGQlong"
    assert (await tokens.instagram_refresh(client, "IGQlong"))["access_token"] == "IGQnew"
    exchange, refresh = stub.seen
    assert exchange.query == {"grant_type": "ig_exchange_token", "client_secret": IG_APP_SECRET,
                              "access_token": "IGQshort"}  # fmt: skip
    assert refresh.query == {"grant_type": "ig_refresh_token", "access_token": "IGQlong"}
    assert "Authorization" not in exchange.headers


async def test_expired_token_refresh_is_token_invalid_without_marking(client, stub, store):
    stub.on("GET", "/ig/refresh_access_token", graph_error(190, 463))
    with pytest.raises(TokenInvalid) as info:
        await tokens.instagram_refresh(client, "IGQold")
    assert "expired" in info.value.sentence and store.reconnect == {}


async def test_instagram_identity_uses_user_id_not_app_scoped_id(client, stub):
    stub.on(
        "GET",
        "/ig/v25.0/me",
        (200, {"id": "app-scoped-9", "user_id": "17841400000000", "username": "studio"}),
    )
    me = await tokens.instagram_identity(client, IG_TOKEN)
    assert me["ig_user_id"] == "17841400000000" and me["username"] == "studio"
    assert stub.seen[0].query["fields"] == "user_id,username"
    assert stub.seen[0].headers["Authorization"] == f"Bearer {IG_TOKEN}"


async def test_app_subscriptions(client, stub):
    stub.on("POST", "/fb/v25.0/111/subscriptions", (200, {"success": True}))
    stub.on("GET", "/fb/v25.0/111/subscriptions", (200, {"data": [{"object": "instagram", "active": True}]}))
    await webhooks.subscribe_app(
        client,
        callback_url="https://bot.example/webhooks/instagram",
        fields=["comments", "mentions"],
        verify_token="v",
    )
    assert (await webhooks.app_subscriptions(client))[0]["object"] == "instagram"
    post = stub.seen[0]
    assert post.query["object"] == "instagram" and post.query["fields"] == "comments,mentions"
    assert post.headers["Authorization"] == f"Bearer 111|{APP_SECRET}"


async def test_account_subscriptions_per_flavor(client, stub, fb_account, ig_account):
    stub.on("POST", "/fb/v25.0/5550/subscribed_apps", (200, {"success": True}))
    stub.on("POST", "/ig/v25.0/1784200/subscribed_apps", (200, {"success": True}))
    await webhooks.subscribe_account(client, fb_account, ["feed"], page_token="PAGEtok")
    await webhooks.subscribe_account(client, ig_account, ["comments", "messages"])
    fb, ig = stub.seen
    assert fb.headers["Authorization"] == "Bearer PAGEtok" and fb.query["subscribed_fields"] == "feed"
    assert ig.headers["Authorization"] == f"Bearer {IG_TOKEN}"
    assert ig.query["subscribed_fields"] == "comments,messages"
    with pytest.raises(ValueError):
        await webhooks.subscribe_account(
            client, GraphAccount(id="1", ig_user_id="1", login="facebook", token=TOKEN), ["feed"]
        )
