"""No secret in any captured log line, exception text or call record."""

import logging

import pytest

from bot.graph import GraphError, appsecret_proof, media, tokens
from bot.graph import comments as C

from .conftest import APP_SECRET, IG_APP_SECRET, IG_TOKEN, TOKEN, graph_error


async def test_no_secret_anywhere(client, stub, fb_account, ig_account, caplog):
    caplog.set_level(logging.DEBUG)
    leak = f"Invalid OAuth access token {TOKEN} (access_token={TOKEN}, client_secret={APP_SECRET})"
    stub.on("GET", "/fb/v25.0/1784100", graph_error(190, 467, message=leak, error_user_msg=leak))
    stub.on(
        "GET",
        "/fb/v25.0/oauth/access_token",
        lambda seen: graph_error(
            100, message=f"bad {seen.query.get('code') or seen.query['fb_exchange_token']}"
        ),
    )
    stub.on("GET", "/fb/v25.0/debug_token", graph_error(190, message=f"bad app token 111|{APP_SECRET}"))
    stub.on("POST", "/igapi/oauth/access_token", (502, {"error": {"message": f"secret {IG_APP_SECRET}"}}))
    stub.on("GET", "/ig/access_token", graph_error(1, message=f"token IGQshortSECRET {IG_APP_SECRET}"))
    stub.on("POST", "/ig/v25.0/179/replies", graph_error(100, 33, message=f"nope {IG_TOKEN}"))

    raised: list[GraphError] = []
    attempts = [
        media.profile(client, fb_account),
        tokens.facebook_code_to_token(client, "AQBsecretCODE", "https://bot.example/cb"),
        tokens.facebook_long_lived(client, "EAAshortSECRET"),
        tokens.debug_token(client, "EAAinputSECRET"),
        tokens.instagram_code_to_token(client, "AQDsecretCODE", "https://bot.example/cb"),
        tokens.instagram_long_lived(client, "IGQshortSECRET"),
        C.reply(client, ig_account, "179", "hello"),
    ]
    for coro in attempts:
        with pytest.raises(GraphError) as info:
            await coro
        raised.append(info.value)

    secrets = [
        TOKEN,
        IG_TOKEN,
        APP_SECRET,
        IG_APP_SECRET,
        "AQBsecretCODE",
        "AQDsecretCODE",
        "EAAshortSECRET",
        "EAAinputSECRET",
        "IGQshortSECRET",
        appsecret_proof(TOKEN, APP_SECRET),
    ]
    ours = [r for r in caplog.records if r.name.startswith("bot.")]  # not the stub server's access log
    texts = [r.getMessage() for r in ours] + [f"{r.args!r}" for r in ours]
    for exc in raised:
        texts += [str(exc), repr(exc), exc.sentence, exc.message or "", exc.user_msg or "", f"{exc.args!r}"]
    texts += [repr(rec) for rec in client.counters.records]
    texts.append(repr(client.counters.snapshot()))
    texts += [repr(fb_account), repr(ig_account)]
    blob = "\n".join(texts)
    assert len(client.counters.records) >= 7
    for secret in secrets:
        assert secret not in blob, secret
    assert "[redacted]" in blob  # the leaked values were masked, not merely absent
