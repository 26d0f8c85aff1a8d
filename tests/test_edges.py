"""The edge validators on their own: JSON depth, ids, webhook change shapes, Slack payload shapes."""

import json

import pytest

from bot.edges import ids, meta, safe_json
from bot.edges.slack import payload_problem


def test_json_depth_counts_brackets_outside_strings_only():
    assert safe_json.loads(json.dumps({"a": "[" * 500 + '\\"{' * 100})) == {"a": "[" * 500 + '\\"{' * 100}
    assert safe_json.loads("[" * 64 + "]" * 64) is not None
    with pytest.raises(safe_json.BadJSON, match="deeper than 64"):
        safe_json.loads("[" * 65 + "]" * 65)
    with pytest.raises(safe_json.BadJSON, match="deeper"):
        safe_json.loads('{"a":' * 10_000 + "1" + "}" * 10_000)
    with pytest.raises(safe_json.BadJSON, match="not UTF-8"):
        safe_json.loads(b'{"a": "\xff"}')


@pytest.mark.parametrize(("value", "expected"), [
    ("1", 1), ("9223372036854775807", 2**63 - 1), (42, 42), ("9223372036854775808", None), ("0", None),
    ("-1", None), ("١٢", None), (" 1", None), ("1_0", None), ("", None), (None, None), (True, None), ([1], None),
    ("99999999999999999999999", None),
])
def test_row_ids_are_plain_digits_in_sqlite_range(value, expected):
    assert ids.row_id(value) == expected


def test_the_published_webhook_samples_are_valid():
    samples = [  # graph-api.md §6.6: Instagram Login, Facebook Login, mentions, a caption mention
        {"field": "comments", "value": {"id": "17900000000000001", "from": {"id": "1790000", "username": "anna"},
                                        "text": "Komt deze ook in beige?", "parent_id": "17900000000000000",
                                        "media": {"id": "17850000000000000", "media_product_type": "FEED"}}},
        {"field": "comments", "value": {"comment_id": "17900000000000002", "text": "x",
                                        "media": {"id": "1785", "ad_id": "1", "original_media_id": "2"}}},
        {"field": "mentions", "value": {"comment_id": "17894227972186120", "media_id": "17918195224117851"}},
        {"field": "mentions", "value": {"media_id": "17918195224117851"}},
        {"field": "story_insights", "value": {"media_id": "18023345989012587", "reach": 17}},
    ]
    assert [meta.change_problem(change) for change in samples] == [None] * len(samples)
    assert meta.entry_problem({"id": "17841405726653026", "time": 1520622968}) is None


@pytest.mark.parametrize(("value", "problem"), [
    ({"id": ["1"]}, "comments.value.id"), ({"id": "1", "from": {"username": 5}}, "from.username"),
    ({"id": "1", "text": ["x"]}, "comments.value.text"), ({"text": "no id"}, "needs `id` or `comment_id`"),
])
def test_a_comment_of_the_wrong_shape_is_named(value, problem):
    assert problem in meta.change_problem({"field": "comments", "value": value})


def test_slack_payloads_of_the_right_shape_pass_and_the_wrong_ones_are_named():
    click = {"type": "block_actions", "user": {"id": "U0SAM"}, "actions": [{"action_id": "comment_hide",
                                                                           "value": "12"}],
             "channel": {"id": "C0SOCIAL"}, "message": {"user": "U0BOT", "team": "T1"}, "response_url": "https://x"}
    assert payload_problem(click) is None
    assert "actions[0].value" in payload_problem({**click, "actions": [{"action_id": "comment_hide",
                                                                        "value": ["987654"]}]})
    assert "payload.user" in payload_problem({k: v for k, v in click.items() if k != "user"})
    event = {"type": "event_callback", "event": {"type": "app_home_opened", "user": "U0SAM", "tab": "home"}}
    assert payload_problem(event) is None
    assert "payload.event.user" in payload_problem({**event, "event": {"type": "app_home_opened"}})
    command = {"command": "/ig", "text": "help", "user_id": "U0SAM", "channel_id": "C0SOCIAL",
               "is_enterprise_install": "false", "enterprise_id": ""}
    assert payload_problem(command) is None
    submitted = {"type": "view_submission", "user": {"id": "U0SAM"},
                 "view": {"id": "V1", "type": "modal", "callback_id": "comment_reply",
                          "private_metadata": '{"comment": 12, "channel": "C0SOCIAL"}',
                          "state": {"values": {"reply": {"text": {"type": "plain_text_input", "value": "hi"}}}}}}
    assert payload_problem(submitted) is None
    assert "private_metadata" in payload_problem({**submitted, "view": {**submitted["view"],
                                                                        "private_metadata": "{bad"}})
