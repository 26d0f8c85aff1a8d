"""Both login flavors: dialogs, code exchange, long-lived tokens, refresh, debug_token, Pages."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from sandbox.graph import GraphEmulator

REDIRECT = "http://127.0.0.1:3000/oauth/facebook/callback"
IG_REDIRECT = "http://127.0.0.1:3000/oauth/instagram/callback"


def _query(location: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


async def _fb_code(emu, api, scope="instagram_basic,instagram_manage_comments,pages_show_list") -> str:
    r = await api.get(
        emu.urls.www_facebook,
        "/dialog/oauth",
        client_id="1234",
        redirect_uri=REDIRECT,
        state="xyz",
        scope=scope,
        response_type="code",
    )
    assert r.status == 302, r.body
    q = _query(r.headers["Location"])
    assert q["state"] == "xyz"
    return q["code"]


async def test_facebook_login_flow(emu: GraphEmulator, api, fb, FB, clock) -> None:
    code = await _fb_code(emu, api)
    r = await api.get(
        FB, "/oauth/access_token", client_id="1234", client_secret="s3cret", redirect_uri=REDIRECT, code=code
    )
    assert r.status == 200 and r.body["token_type"] == "bearer"
    short = r.body["access_token"]
    assert r.body["expires_in"] < 3 * 3600
    again = await api.get(
        FB, "/oauth/access_token", client_id="1234", client_secret="s3cret", redirect_uri=REDIRECT, code=code
    )
    assert again.code == (100, 36009)
    r = await api.get(
        FB,
        "/oauth/access_token",
        grant_type="fb_exchange_token",
        client_id="1234",
        client_secret="s3cret",
        fb_exchange_token=short,
    )
    long_lived = r.body["access_token"]
    assert r.body["expires_in"] > 50 * 86400
    r = await api.get(
        FB,
        "/me/accounts",
        token=long_lived,
        fields="id,name,access_token,instagram_business_account{id,username}",
    )
    page = r.body["data"][0]
    assert page["id"] == fb.page_id and page["access_token"] == fb.page_token
    assert page["instagram_business_account"] == {"id": fb.ig_user_id, "username": "demo_shop"}
    # a Page token from a short-lived User token lasts about an hour
    r = await api.get(FB, "/me/accounts", token=short, fields="access_token")
    short_page = r.body["data"][0]["access_token"]
    assert short_page != fb.page_token
    clock.advance(2 * 3600)
    assert (await api.get(FB, f"/{fb.ig_user_id}", token=short_page)).code == (190, 463)
    assert (await api.get(FB, f"/{fb.ig_user_id}", token=fb.page_token)).status == 200


async def _long_lived_user_token(api, FB, emu) -> str:
    code = await _fb_code(emu, api)
    r = await api.get(
        FB, "/oauth/access_token", client_id="1234", client_secret="s3cret", redirect_uri=REDIRECT, code=code
    )
    r = await api.get(
        FB,
        "/oauth/access_token",
        grant_type="fb_exchange_token",
        client_id="1234",
        client_secret="s3cret",
        fb_exchange_token=r.body["access_token"],
    )
    return r.body["access_token"]


async def test_a_new_login_replaces_a_dead_page_token(emu: GraphEmulator, api, fb, FB) -> None:
    old = fb.page_token
    emu.expire_token(fb)
    assert (await api.get(FB, f"/{fb.ig_user_id}", token=old)).code == (190, 463)
    user_token = await _long_lived_user_token(api, FB, emu)
    r = await api.get(FB, "/me/accounts", token=user_token, fields="id,access_token")
    fresh = r.body["data"][0]["access_token"]
    assert fresh != old and fb.page_token == fresh
    assert (await api.get(FB, f"/{fb.ig_user_id}", token=fresh)).status == 200
    again = await api.get(FB, "/me/accounts", token=user_token, fields="access_token")
    assert again.body["data"][0]["access_token"] == fresh  # a live Page token is handed out unchanged


async def test_facebook_code_errors(emu, api, fb, FB, clock) -> None:
    code = await _fb_code(emu, api)
    r = await api.get(
        FB, "/oauth/access_token", client_id="1234", client_secret="wrong", redirect_uri=REDIRECT, code=code
    )
    assert r.code == (1, None)
    r = await api.get(
        FB,
        "/oauth/access_token",
        client_id="1234",
        client_secret="s3cret",
        redirect_uri=REDIRECT + "x",
        code=code,
    )
    assert r.code == (100, 36008)
    clock.advance(601)
    r = await api.get(
        FB, "/oauth/access_token", client_id="1234", client_secret="s3cret", redirect_uri=REDIRECT, code=code
    )
    assert r.code == (100, 36007)


async def test_dialog_refuses_bad_scope_and_can_deny(emu, api, fb) -> None:
    r = await api.get(
        emu.urls.www_facebook,
        "/dialog/oauth",
        client_id="1234",
        redirect_uri=REDIRECT,
        scope="business_basic",
    )
    assert r.status == 400 and "Invalid Scopes" in r.body
    emu.dialog_outcome = "deny"
    r = await api.get(
        emu.urls.www_facebook,
        "/dialog/oauth",
        client_id="1234",
        redirect_uri=REDIRECT,
        scope="instagram_basic",
        state="s",
    )
    assert _query(r.headers["Location"])["error"] == "access_denied"


async def test_scopes_granted_are_enforced(emu, api, fb, FB) -> None:
    code = await _fb_code(emu, api, scope="instagram_basic,pages_show_list")
    r = await api.get(
        FB, "/oauth/access_token", client_id="1234", client_secret="s3cret", redirect_uri=REDIRECT, code=code
    )
    tok = r.body["access_token"]
    assert (await api.get(FB, f"/{fb.ig_user_id}/media", token=tok)).status == 200
    r = await api.post(
        FB, f"/{fb.ig_user_id}/media", token=tok, image_url="https://cdn.example/img/square.jpg"
    )
    assert r.code == (10, None)


async def test_instagram_login_flow(emu, api, ig, IG, clock) -> None:
    r = await api.get(
        emu.urls.www_instagram,
        "/oauth/authorize",
        version=None,
        client_id="5678",
        redirect_uri=IG_REDIRECT,
        response_type="code",
        state="st",
        scope="instagram_business_basic,instagram_business_manage_comments",
    )
    assert r.status == 302
    location = r.headers["Location"]
    assert location.endswith("#_")
    code = _query(location.removesuffix("#_"))["code"]
    form = {
        "client_id": "5678",
        "client_secret": "igs3cret",
        "grant_type": "authorization_code",
        "redirect_uri": IG_REDIRECT,
        "code": code,
    }
    r = await api.post(emu.urls.api_instagram, "/oauth/access_token", version=None, form=form)
    assert r.status == 200
    item = r.body["data"][0]
    assert item["user_id"] == ig.app_scoped_id != ig.ig_user_id
    assert item["permissions"] == "instagram_business_basic,instagram_business_manage_comments"
    r = await api.post(emu.urls.api_instagram, "/oauth/access_token", version=None, form=form)
    assert r.status == 400 and r.body["error_type"] == "OAuthException" and "used" in r.body["error_message"]
    short = item["access_token"]
    r = await api.get(
        IG,
        "/access_token",
        version=None,
        grant_type="ig_exchange_token",
        client_secret="igs3cret",
        access_token=short,
    )
    long_lived = r.body["access_token"]
    assert r.body["expires_in"] == 5183944
    r = await api.get(
        IG, "/refresh_access_token", version=None, grant_type="ig_refresh_token", access_token=long_lived
    )
    assert r.code == (100, None)  # must be at least 24 h old
    clock.advance(86400)
    r = await api.get(
        IG, "/refresh_access_token", version=None, grant_type="ig_refresh_token", access_token=long_lived
    )
    assert r.status == 200 and r.body["access_token"] != long_lived
    clock.advance(61 * 86400)
    r = await api.get(
        IG,
        "/refresh_access_token",
        version=None,
        grant_type="ig_refresh_token",
        access_token=r.body["access_token"],
    )
    assert r.code == (190, 463)


async def test_instagram_code_exchange_flat_shape(clock, api) -> None:
    emu = GraphEmulator(clock=clock, ig_code_exchange_shape="flat")
    async with emu:
        ig = emu.add_account("ig_shop", login="instagram")
        r = await api.get(
            emu.urls.www_instagram,
            "/oauth/authorize",
            version=None,
            client_id="5678",
            redirect_uri=IG_REDIRECT,
            response_type="code",
            scope="instagram_business_basic",
        )
        code = _query(r.headers["Location"].removesuffix("#_"))["code"]
        r = await api.post(
            emu.urls.api_instagram,
            "/oauth/access_token",
            version=None,
            form={
                "client_id": "5678",
                "client_secret": "igs3cret",
                "grant_type": "authorization_code",
                "redirect_uri": IG_REDIRECT,
                "code": code,
            },
        )
        assert r.body["user_id"] == int(ig.app_scoped_id)


async def test_debug_token(emu, api, fb, ig, FB) -> None:
    app_token = "1234|s3cret"
    r = await api.get(FB, "/debug_token", token=app_token, input_token=fb.token)
    data = r.body["data"]
    assert data["is_valid"] and data["type"] == "USER" and data["app_id"] == "1234"
    assert data["user_id"] == fb.fb_user_id
    grants = {g["scope"]: g.get("target_ids") for g in data["granular_scopes"]}
    assert grants["instagram_basic"] == [fb.ig_user_id]
    assert grants["pages_show_list"] == [fb.page_id]
    r = await api.get(FB, "/debug_token", token=app_token, input_token=fb.page_token)
    assert r.body["data"]["type"] == "PAGE" and r.body["data"]["expires_at"] == 0
    emu.expire_token(fb.token)
    r = await api.get(FB, "/debug_token", token=app_token, input_token=fb.token)
    assert r.body["data"]["is_valid"] is False and r.body["data"]["error"]["subcode"] == 463
    r = await api.get(FB, "/debug_token", token=app_token, input_token=ig.token)
    assert r.body["data"]["is_valid"] is False


async def test_pages_are_paged_and_page_node(emu, api, FB) -> None:
    user = emu.add_facebook_user("Agency")
    accounts = [emu.add_account(f"client_{i}", fb_user=user) for i in range(3)]
    token = emu.user_token(user)
    r = await api.get(FB, "/me/accounts", token=token, limit=2)
    assert len(r.body["data"]) == 2 and "next" in r.body["paging"]
    assert set(r.body["data"][0]) == {"access_token", "category", "category_list", "name", "id", "tasks"}
    r = await api.get(FB, f"/{accounts[2].page_id}", token=token, fields="instagram_business_account")
    assert r.body == {"instagram_business_account": {"id": accounts[2].ig_user_id}}
    r = await api.get(FB, "/me", token=token)
    assert r.body == {"name": "Agency", "id": user.id}


async def test_dialog_page_loads_are_not_counted_as_api_calls(emu, api, fb, FB) -> None:
    await _fb_code(emu, api)
    assert emu.count_calls() == 0 and emu.count_http_requests() == 0
    assert emu.count_calls(host="www.facebook.com") == 1


async def test_unticked_permissions_are_not_granted(emu, api, fb, ig, FB) -> None:
    emu.dialog_declined_scopes = {"instagram_manage_comments", "instagram_business_manage_comments"}
    code = await _fb_code(emu, api)
    r = await api.get(
        FB, "/oauth/access_token", client_id="1234", client_secret="s3cret", redirect_uri=REDIRECT, code=code
    )
    r = await api.get(FB, "/debug_token", token="1234|s3cret", input_token=r.body["access_token"])
    assert r.body["data"]["scopes"] == ["instagram_basic", "pages_show_list"]
    emu.login_as(ig)
    r = await api.get(
        emu.urls.www_instagram,
        "/oauth/authorize",
        version=None,
        client_id="5678",
        redirect_uri=IG_REDIRECT,
        response_type="code",
        scope="instagram_business_basic,instagram_business_manage_comments",
    )
    code = _query(r.headers["Location"].removesuffix("#_"))["code"]
    form = {"client_id": "5678", "client_secret": "igs3cret", "grant_type": "authorization_code",
            "redirect_uri": IG_REDIRECT, "code": code}
    r = await api.post(emu.urls.api_instagram, "/oauth/access_token", version=None, form=form)
    assert r.body["data"][0]["permissions"] == "instagram_business_basic"


async def test_a_page_without_instagram_is_listed_without_the_field(emu, api, fb, FB) -> None:
    bare = emu.add_page("Corner Bakery")
    r = await api.get(FB, "/me/accounts", token=fb.token, fields="id,name,instagram_business_account{id,username}")
    pages = {p["id"]: p for p in r.body["data"]}
    assert pages[bare.id] == {"id": bare.id, "name": "Corner Bakery"}
    assert pages[fb.page_id]["instagram_business_account"]["id"] == fb.ig_user_id
