"""The (code, subcode) → class and sentence table."""

import pytest

from bot.graph import errors as E

URL = "https://cdn.example.com/a.jpg"
CTX = {"url": URL, "account": "@shop", "path": "/v25.0/1784/media", "object": "comment 179"}

# (code, subcode, class, words the sentence must contain)
TABLE = [
    (190, None, E.TokenInvalid, ["@shop", "/ig connect"]),
    (190, 458, E.TokenInvalid, ["removed", "/ig connect"]),
    (190, 459, E.TokenInvalid, ["checkpointed", "/ig connect"]),
    (190, 460, E.TokenInvalid, ["password", "/ig connect"]),
    (190, 463, E.TokenInvalid, ["expired", "/ig connect"]),
    (190, 464, E.TokenInvalid, ["not confirmed"]),
    (190, 467, E.TokenInvalid, ["no longer valid"]),
    (190, 492, E.TokenInvalid, ["Page"]),
    (102, None, E.TokenInvalid, ["session", "/ig connect"]),
    (10, None, E.PermissionDenied, ["permission", "/v25.0/1784/media"]),
    (3, None, E.PermissionDenied, ["capability"]),
    (200, None, E.PermissionDenied, ["permission"]),
    (250, None, E.PermissionDenied, ["permission"]),
    (299, None, E.PermissionDenied, ["permission"]),
    (4, None, E.RateLimited, ["app"]),
    (17, None, E.RateLimited, ["@shop"]),
    (32, None, E.RateLimited, ["@shop"]),
    (341, None, E.RateLimited, ["app"]),
    (613, None, E.RateLimited, ["@shop"]),
    (80000, None, E.RateLimited, ["@shop"]),
    (80001, None, E.RateLimited, ["@shop"]),
    (80002, None, E.RateLimited, ["@shop"]),
    (80006, None, E.RateLimited, ["@shop"]),
    (80014, None, E.RateLimited, ["@shop"]),
    (9, 2207042, E.PublishingQuotaReached, ["@shop", "24 hours"]),
    (4, 2207051, E.SpamRestricted, ["@shop", "automated"]),
    (9007, 2207027, E.MediaNotReady, [URL, "processing"]),
    (9004, 2207052, E.MediaFetchFailed, [URL, "public"]),
    (-2, 2207003, E.MediaFetchFailed, [URL, "timed out"]),
    (36000, 2207004, E.InvalidMedia, [URL, "8 MB"]),
    (36001, 2207005, E.InvalidMedia, [URL, "JPEG"]),
    (36002, 2207024, E.InvalidMedia, [URL, "small"]),
    (36003, 2207009, E.InvalidMedia, [URL, "4:5"]),
    (36004, 2207010, E.InvalidMedia, ["2,200"]),
    (36002, None, E.InvalidMedia, [URL]),
    (352, 2207026, E.InvalidMedia, [URL, "MP4"]),
    (100, None, E.InvalidParameter, ["/v25.0/1784/media"]),
    (1, 2207057, E.InvalidParameter, [URL, "thumbnail"]),
    (100, 2207023, E.InvalidParameter, [URL, "media type"]),
    (100, 2207028, E.InvalidParameter, ["2 and 10"]),
    (100, 2207035, E.InvalidParameter, ["product tag"]),
    (100, 2207036, E.InvalidParameter, ["product tag"]),
    (100, 2207037, E.InvalidParameter, ["product tag"]),
    (100, 2207040, E.InvalidParameter, ["20"]),
    (-1, 2207073, E.InvalidParameter, ["delete"]),
    (-2, 2207020, E.ContainerMustBeRecreated, [URL, "expired"]),
    (24, 2207008, E.ContainerMustBeRecreated, [URL, "created again"]),
    (-1, 2207032, E.ContainerMustBeRecreated, [URL, "created again"]),
    (-1, 2207053, E.ContainerMustBeRecreated, [URL, "new container"]),
    (24, 2207006, E.MediaNotFound, [URL]),
    (25, 2207050, E.AccountRestricted, ["@shop", "Instagram app"]),
    (368, None, E.TemporarilyBlocked, ["@shop", "policy"]),
    (506, None, E.DuplicatePost, ["duplicate", "live"]),
    (100, 33, E.NotFound, ["comment 179", "deleted"]),
    (1, None, E.TransientError, ["/v25.0/1784/media"]),
    (2, None, E.TransientError, ["temporarily"]),
    (-1, 2207001, E.TransientError, ["server error"]),
    (-1, None, E.TransientError, []),
    (-2, None, E.TransientError, []),
    (None, 2207082, E.MediaFetchFailed, [URL]),
    (None, 2207085, E.MediaFetchFailed, [URL]),
    (None, 2207081, E.InvalidParameter, ["trial"]),
    (None, 2207089, E.InvalidParameter, ["carousel"]),
]


@pytest.mark.parametrize(("code", "subcode", "cls", "words"), TABLE)
def test_code_maps_to_class_and_sentence(code, subcode, cls, words):
    err = {"message": f"(#{code}) dev text", "type": "OAuthException", "fbtrace_id": "Atrace"}
    if code is not None:
        err["code"] = code
    else:
        err["code"] = 12345  # an undocumented code: the subcode decides
    if subcode is not None:
        err["error_subcode"] = subcode
    exc = E.from_payload({"error": err}, status=400, context=CTX, path=CTX["path"])
    assert type(exc) is cls
    for word in words:
        assert word in exc.sentence
    codes = f"{err['code']}/{subcode}" if subcode else str(code)
    assert exc.sentence.endswith(f"({codes})")
    assert str(exc) == exc.sentence
    assert exc.fbtrace_id == "Atrace"
    assert "{" not in exc.sentence  # every placeholder was filled


def test_every_documented_subcode_has_an_exact_rule():
    documented = {
        (190, 463), (190, 467), (190, 460), (190, 458), (190, 459), (190, 464), (190, 492), (100, 33),
        (-1, 2207001), (-1, 2207032), (-1, 2207053), (-2, 2207003), (-2, 2207020), (1, 2207057), (4, 2207051),
        (9, 2207042), (24, 2207006), (24, 2207008), (25, 2207050), (100, 2207023), (100, 2207028),
        (100, 2207035), (100, 2207036), (100, 2207037), (100, 2207040), (352, 2207026), (9004, 2207052),
        (9007, 2207027), (36000, 2207004), (36001, 2207005), (36003, 2207009), (36004, 2207010),
        (-1, 2207073),
    }  # fmt: skip
    assert documented <= set(E.EXACT_RULES)
    tested = {(c, s) for c, s, _cls, _w in TABLE if s is not None}
    assert set(E.EXACT_RULES) <= tested


def test_subcode_rule_wins_over_code_rule():
    assert type(E.from_payload({"error": {"code": 4, "error_subcode": 2207051}})) is E.SpamRestricted
    assert type(E.from_payload({"error": {"code": 4, "error_subcode": 99}})) is E.RateLimited
    assert type(E.from_payload({"error": {"code": 9, "error_subcode": 2207042}})) is E.PublishingQuotaReached
    assert type(E.from_payload({"error": {"code": 1, "error_subcode": 2207057}})) is E.InvalidParameter
    assert type(E.from_payload({"error": {"code": 100, "error_subcode": 33}})) is E.NotFound


def test_is_transient_and_http_status_fallbacks():
    assert type(E.from_payload({"error": {"code": 777, "is_transient": True}})) is E.TransientError
    assert type(E.from_payload({"error": {"code": 777}})) is E.GraphError
    assert type(E.from_payload(None, status=502)) is E.TransientError
    assert type(E.from_payload("<html>", status=503)) is E.TransientError
    assert type(E.from_payload(None, status=429)) is E.RateLimited
    assert type(E.from_payload(None, status=404)) is E.GraphError


def test_fields_parsed_and_user_message_used_as_detail():
    body = {
        "error": {
            "message": "(#100) Param metric must be one of reach, views",
            "type": "OAuthException",
            "code": 100,
            "error_user_title": "Bad metric",
            "error_user_msg": "The metric impressions is not available",
            "is_transient": False,
            "fbtrace_id": "AbC",
        }
    }
    exc = E.from_payload(body, status=400, path="/v25.0/1/insights", method="GET")
    assert (exc.code, exc.subcode, exc.type, exc.fbtrace_id) == (100, None, "OAuthException", "AbC")
    assert exc.user_title == "Bad metric" and exc.is_transient is False and exc.status == 400
    assert "The metric impressions is not available" in exc.sentence
    assert "/v25.0/1/insights" in exc.sentence


def test_missing_context_reads_naturally():
    exc = E.from_payload({"error": {"code": 9004, "error_subcode": 2207052}})
    assert exc.sentence == (
        "Instagram could not download the media: the URL must be public and return the file itself"
        " (9004/2207052)"
    )


def test_container_status_subcode_maps_like_the_error():
    exc = E.from_status_subcode("ERROR: 2207026", {"url": "https://v.example/a.mp4"})
    assert type(exc) is E.InvalidMedia and "https://v.example/a.mp4" in exc.sentence
    assert exc.sentence.endswith("(352/2207026)")
    exc = E.from_status_subcode("2207082", {"url": URL})
    assert type(exc) is E.MediaFetchFailed and URL in exc.sentence
    other = E.from_status_subcode("Error: something odd", {"url": URL})
    assert type(other) is E.GraphError and "something odd" in other.sentence


def test_pause_flags():
    assert E.AccountNeedsReconnect.pause and E.RateLimited.pause and E.Throttled.pause
    assert E.PublishingQuotaReached.pause and E.MediaNotReady.pause
    assert not E.InvalidMedia.pause and not E.OutcomeUnknown.pause
    assert issubclass(E.Throttled, E.RateLimited) and issubclass(E.AccountNeedsReconnect, E.TokenInvalid)
