"""Hosts, tokens, versions, params, error JSON and the call log of the Graph emulator."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import replace

from sandbox.graph import GraphEmulator


async def test_each_host_is_its_own_listener(emu: GraphEmulator) -> None:
    urls = vars(emu.urls)
    assert len(set(urls.values())) == len(urls) == 6
    assert all(u.startswith("http://127.0.0.1:") for u in urls.values())


async def test_token_in_header_or_param(emu, api, fb, FB) -> None:
    r1 = await api.get(FB, f"/{fb.ig_user_id}", token=fb.token, fields="username")
    r2 = await api.get(FB, f"/{fb.ig_user_id}", token=fb.token, token_in_query=True, fields="username")
    assert r1.status == r2.status == 200
    assert r1.body == r2.body == {"username": "demo_shop"}


async def test_error_json_shape_and_missing_token(api, fb, FB) -> None:
    r = await api.get(FB, f"/{fb.ig_user_id}")
    assert r.status == 400
    assert r.code == (104, None)
    assert set(r.error) >= {"message", "type", "code", "fbtrace_id"}
    assert r.headers["x-fb-trace-id"] == r.error["fbtrace_id"]


async def test_unknown_expired_password_revoked_tokens(emu, api, fb, ig, FB, IG, clock) -> None:
    assert (await api.get(FB, "/me", token="EAAnope")).code == (190, None)
    emu.expire_token(ig)
    assert (await api.get(IG, "/me", token=ig.token)).code == (190, 463)
    emu.change_password(fb)
    r = await api.get(FB, f"/{fb.ig_user_id}", token=fb.token)
    assert r.code == (190, 460)
    other = emu.add_account("other_shop", login="instagram")
    emu.revoke_token(other.token)
    assert (await api.get(IG, "/me", token=other.token)).code == (190, 458)


async def test_token_works_only_on_its_flavors_host(api, fb, ig, FB, IG) -> None:
    assert (await api.get(IG, "/me", token=fb.token)).code == (190, None)
    assert (await api.get(FB, f"/{ig.ig_user_id}", token=ig.token)).code == (190, None)


async def test_wrong_host_object_answers_100_33(emu, api, fb, ig, IG) -> None:
    # an Instagram-Login token cannot see a Facebook-Login account's node
    assert (await api.get(IG, f"/{fb.ig_user_id}/media", token=ig.token)).code == (100, 33)
    # the app-scoped id is not the account id
    assert (await api.get(IG, f"/{ig.app_scoped_id}/media", token=ig.token)).code == (100, 33)
    media = emu.add_media(ig)
    assert (await api.delete(IG, f"/{media.id}", token=ig.token)).code == (100, 33)


async def test_facebook_only_features_refused_on_instagram_host(emu, api, ig, IG) -> None:
    r = await api.get(IG, "/me", token=ig.token, fields="mentioned_comment.comment_id(1){id}")
    assert r.code == (100, None) and "nonexisting field (mentioned_comment)" in r.error["message"]
    r = await api.post(IG, "/", token=ig.token, batch="[]")
    assert r.code == (100, 33)
    r = await api.post(IG, "/me/media", token=ig.token, media_type="REELS", upload_type="resumable")
    assert r.code[0] == 100


async def test_instagram_login_app_scoped_id(api, ig, IG) -> None:
    r = await api.get(IG, "/me", token=ig.token, fields="id,user_id,username")
    assert r.body == {"id": ig.app_scoped_id, "user_id": ig.ig_user_id, "username": "ig_shop"}
    assert ig.app_scoped_id != ig.ig_user_id


async def test_caption_and_product_type_can_be_switched_off_on_instagram_host(clock, api) -> None:
    emu = GraphEmulator(clock=clock, instagram_hidden_media_fields=("caption", "media_product_type"))
    async with emu:
        ig = emu.add_account("ig_shop", login="instagram")
        m = emu.add_media(ig, caption="hello")
        r = await api.get(emu.urls.graph_instagram, f"/{m.id}", token=ig.token, fields="caption")
        assert r.code == (100, None)
        r = await api.get(emu.urls.graph_instagram, f"/{m.id}", token=ig.token, fields="media_type,permalink")
        assert r.status == 200


async def test_versions_unversioned_and_expired_are_served_but_recorded(emu, api, fb, ig, FB, IG) -> None:
    assert (await api.get(FB, f"/{fb.ig_user_id}", token=fb.token, version=None)).status == 200
    assert (await api.get(FB, f"/{fb.ig_user_id}", token=fb.token, version="v18.0")).status == 200
    assert (await api.get(FB, f"/{fb.ig_user_id}", token=fb.token, version="v24.0")).status == 200
    assert len(emu.violations) == 2
    assert "unversioned" in emu.violations[0] and "expired version v18.0" in emu.violations[1]
    r = await api.get(FB, f"/{fb.ig_user_id}", token=fb.token, version="v99.0")
    assert r.code == (2500, None)


async def test_instagram_token_endpoints_are_unversioned(emu, api, ig, IG, clock) -> None:
    clock.advance(2 * 86400)
    r = await api.get(
        IG, "/refresh_access_token", version=None, grant_type="ig_refresh_token", access_token=ig.token
    )
    assert r.status == 200
    assert emu.violations == []


async def test_appsecret_proof_checked_when_sent(clock, api) -> None:
    emu = GraphEmulator(clock=clock, require_appsecret_proof=True)
    async with emu:
        fb = emu.add_account("demo_shop")
        ig = emu.add_account("ig_shop", login="instagram")
        FB, IG = emu.urls.graph_facebook, emu.urls.graph_instagram
        r = await api.get(FB, f"/{fb.ig_user_id}", token=fb.token)
        assert r.code == (100, None) and "appsecret_proof" in r.error["message"]
        good = hmac.new(b"s3cret", fb.token.encode(), hashlib.sha256).hexdigest()
        assert (await api.get(FB, f"/{fb.ig_user_id}", token=fb.token, appsecret_proof=good)).status == 200
        assert (await api.get(FB, f"/{fb.ig_user_id}", token=fb.token, appsecret_proof="00")).code == (
            100,
            None,
        )
        ig_proof = hmac.new(b"igs3cret", ig.token.encode(), hashlib.sha256).hexdigest()
        assert (await api.get(IG, "/me", token=ig.token, appsecret_proof=ig_proof)).status == 200


async def test_params_merged_from_query_form_and_json(emu, api, fb, FB) -> None:
    m = emu.add_media(fb)
    c = emu.add_comment(m, "hi")
    assert (await api.post(FB, f"/{c.id}", token=fb.token, form={"hide": "true"})).body == {"success": True}
    assert emu.state.comments[c.id].hidden
    assert (await api.post(FB, f"/{c.id}", token=fb.token, json_body={"hide": False})).status == 200
    assert not emu.state.comments[c.id].hidden
    assert (await api.post(FB, f"/{c.id}", token=fb.token, hide="true")).status == 200


async def test_unknown_params_and_fields_refused(emu, api, fb, FB) -> None:
    r = await api.get(FB, f"/{fb.ig_user_id}/media", token=fb.token, sort="desc")
    assert r.code == (100, None) and "sort" in r.error["message"]
    r = await api.get(FB, f"/{fb.ig_user_id}", token=fb.token, fields="username,nope")
    assert "nonexisting field (nope)" in r.error["message"]
    r = await api.get(FB, f"/{fb.ig_user_id}/nope", token=fb.token)
    assert r.code == (100, None)
    r = await api.get(FB, "/999999", token=fb.token)
    assert r.code == (100, 33)


async def test_call_log_redacts_and_records(emu, api, fb, FB) -> None:
    await api.get(FB, f"/{fb.ig_user_id}/media", token=fb.token, token_in_query=True, limit=5)
    rec = emu.calls[-1]
    assert rec.host == "graph.facebook.com" and rec.method == "GET"
    assert rec.path == f"/{fb.ig_user_id}/media" and rec.template == "/{ig-user-id}/media"
    assert rec.params == {"access_token": "<redacted>", "limit": "5"}
    assert rec.status == 200 and rec.account_id == fb.ig_user_id and rec.version == "v25.0"
    assert emu.count_calls(path="/{ig-user-id}/media") == 1
    assert emu.count_calls(host="instagram") == 0


async def test_field_aliases_and_unknown_modifiers_refused(emu, api, fb, FB) -> None:
    r = await api.get(FB, f"/{fb.ig_user_id}", token=fb.token, fields="username.as(name)")
    assert r.code == (100, None) and "aliases" in r.error["message"]
    r = await api.get(FB, f"/{fb.ig_user_id}", token=fb.token, fields="media.order(asc){id}")
    assert r.code[0] == 2500


async def test_method_override_works_but_is_a_violation_and_multi_id_is_refused(emu, api, fb, FB) -> None:
    m = emu.add_media(fb)
    r = await api.get(FB, f"/{m.id}", token=fb.token, method="delete")
    assert r.status == 200 and r.body == {"success": True, "deleted_id": m.id} and m.deleted
    assert emu.find_calls(path="/{ig-media-id}")[0].method == "DELETE"
    assert emu.violations == [f"DELETE graph.facebook.com/{m.id}: HTTP method override (method=) is being removed "
                              "by Meta (v26.0/v27.0)"]
    emu.log.records.clear()
    r = await api.get(FB, f"/{m.id}", token=fb.token, method="put")
    assert r.code == (100, None) and "method" in r.error["message"]
    r = await api.get(FB, "/", token=fb.token, ids=m.id)
    assert r.code == (100, 33)


async def test_internal_errors_answer_code_1_and_are_kept(emu, api, fb, FB) -> None:
    async def boom(emu, call):
        raise RuntimeError("bug")

    table = emu._tables["graph.facebook.com"]
    emu._tables["graph.facebook.com"] = [
        replace(e, handler=boom) if (e.method, e.path) == ("GET", "/{ig-user-id}") else e for e in table
    ]
    r = await api.get(FB, f"/{fb.ig_user_id}", token=fb.token)
    assert r.status == 500 and r.code == (1, None)
    assert len(emu.internal_errors) == 1
    emu.internal_errors.clear()
