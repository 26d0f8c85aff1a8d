"""manifest.yml: valid under Slack's official schema, and in step with the listeners in code."""

import json
from pathlib import Path

import pytest
import yaml

from handlers.commands import COMMANDS
from handlers.events import EVENTS
from tests.specs import SHARED

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def manifest() -> dict:
    return yaml.safe_load((ROOT / "manifest.yml").read_text())


@pytest.mark.specs
def test_manifest_is_valid_under_slacks_schema(manifest):
    import jsonschema

    schema = SHARED / "specs" / "slack" / "manifest.schema.json"
    jsonschema.validate(manifest, json.loads(schema.read_text()))


def test_slash_commands_match_the_code(manifest):
    declared = {c["command"] for c in manifest["features"]["slash_commands"]}
    assert declared == set(COMMANDS)
    for command in manifest["features"]["slash_commands"]:
        assert command["should_escape"] is False and command["usage_hint"] and command["description"]


def test_events_match_the_code(manifest):
    assert set(manifest["settings"]["event_subscriptions"]["bot_events"]) == set(EVENTS)


def test_every_url_is_the_one_slack_events_route(manifest):
    settings = manifest["settings"]
    urls = {settings["event_subscriptions"]["request_url"], settings["interactivity"]["request_url"],
            settings["interactivity"]["message_menu_options_url"],
            *(c["url"] for c in manifest["features"]["slash_commands"])}
    assert urls == {"https://YOUR_HOST/slack/events"}
    assert settings["socket_mode_enabled"] is False


def test_scopes_cover_the_features(manifest):
    needed = {"chat:write", "chat:write.public", "commands", "files:read", "files:write", "channels:read",
              "channels:join", "channels:history", "groups:read", "groups:history", "im:write", "users:read"}
    assert needed <= set(manifest["oauth_config"]["scopes"]["bot"])
