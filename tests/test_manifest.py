"""manifest.yml: valid under Slack's official schema, and in step with the listeners in code."""

import json
from pathlib import Path

import pytest
import yaml

from handlers.commands import COMMANDS
from handlers.events import EVENTS

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = ROOT.parent / "shared" / "specs" / "slack" / "manifest.schema.json"


@pytest.fixture(scope="module")
def manifest() -> dict:
    return yaml.safe_load((ROOT / "manifest.yml").read_text())


def test_manifest_is_valid_under_slacks_schema(manifest):
    if not SCHEMA.exists():
        pytest.skip(f"Slack's manifest schema is not beside the project ({SCHEMA} is absent)")
    import jsonschema

    jsonschema.validate(manifest, json.loads(SCHEMA.read_text()))


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
