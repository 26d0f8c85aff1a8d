"""Secrets never reach a log line, an exception or a call record."""

from bot.graph.redact import MASK, redact_params, redact_text, redact_url, strip_params


def test_redact_text_masks_every_secret_parameter():
    text = (
        "GET /debug_token?input_token=IN123&access_token=1|SECRET&client_secret=CS1&fb_exchange_token=FX1"
        "&code=AQBcode&appsecret_proof=abcdef&limit=5"
    )
    out = redact_text(text)
    for secret in ("IN123", "1|SECRET", "CS1", "FX1", "AQBcode", "abcdef"):
        assert secret not in out
    assert "limit=5" in out


def test_redact_text_masks_bearer_json_and_known_values():
    out = redact_text(
        'Authorization: Bearer EAAtok {"access_token": "EAA2", "code": 190} leaked EAA3', ["EAA3"]
    )
    assert "EAAtok" not in out and "EAA2" not in out and "EAA3" not in out
    assert '"code": 190' in out  # Meta's error code is not a secret


def test_redact_params_and_url():
    assert redact_params({"access_token": "T", "fields": "id"}) == {"access_token": MASK, "fields": "id"}
    url = redact_url("https://h/v25.0/1/media?access_token=T&after=X")
    assert "T&" not in url and "after=X" in url


def test_strip_params_removes_token_from_paging_next():
    url = strip_params("https://h/v25.0/1/media?fields=id&access_token=T&limit=2&after=QVFI")
    assert "access_token" not in url and "after=QVFI" in url and "limit=2" in url
