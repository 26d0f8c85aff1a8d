"""Config.from_env: defaults, every variable, and clear messages for bad values."""

import os

import pytest

from bot.config import Config, ConfigError


def test_defaults_match_the_design():
    config = Config.from_env({})
    assert config.slack_api_url == "https://slack.com/api/"
    assert config.graph_api_url == "https://graph.facebook.com"
    assert config.instagram_graph_api_url == "https://graph.instagram.com"
    assert config.graph_api_version == "v25.0"
    assert config.facebook_www_url == "https://www.facebook.com"
    assert config.instagram_www_url == "https://www.instagram.com"
    assert config.instagram_api_url == "https://api.instagram.com"
    assert (config.db_path, config.host, config.port) == (os.path.abspath("igbot.db"), "127.0.0.1", 3000)
    assert (config.tick_seconds, config.check_media_urls) == (30, False)
    assert (config.log_level, config.log_format) == ("INFO", "text")
    assert config.admins == () and not config.socket_mode


def test_every_variable_is_read(base_env):
    env = {**base_env, "SLACK_APP_TOKEN": "xapp-1", "SLACK_API_URL": "http://127.0.0.1:9/api",
           "INSTAGRAM_APP_ID": "99", "INSTAGRAM_APP_SECRET": "igsecret", "GRAPH_API_URL": "http://127.0.0.1:8/",
           "INSTAGRAM_GRAPH_API_URL": "http://127.0.0.1:7", "GRAPH_API_VERSION": "v26.0",
           "FACEBOOK_WWW_URL": "http://127.0.0.1:6", "INSTAGRAM_WWW_URL": "http://127.0.0.1:5",
           "INSTAGRAM_API_URL": "http://127.0.0.1:4", "IGBOT_HOST": "0.0.0.0", "IGBOT_PORT": "8080",
           "IGBOT_PUBLIC_URL": "https://igbot.example.com/", "IGBOT_ADMINS": "U012AB, W0XYZ",
           "IGBOT_TICK_SECONDS": "5", "IGBOT_CHECK_MEDIA_URLS": "1", "IGBOT_LOG_LEVEL": "debug",
           "IGBOT_LOG_FORMAT": "json", "IGBOT_METRICS_TOKEN": "m3trics"}
    config = Config.from_env(env)
    assert config.socket_mode and config.slack_api_url == "http://127.0.0.1:9/api/"
    assert config.graph_api_url == "http://127.0.0.1:8" and config.graph_api_version == "v26.0"
    assert config.public_url == "https://igbot.example.com" and config.admins == ("U012AB", "W0XYZ")
    assert (config.port, config.tick_seconds, config.check_media_urls) == (8080, 5, True)
    assert (config.log_level, config.log_format, config.metrics_token) == ("DEBUG", "json", "m3trics")
    assert config.instagram_app_secret == "igsecret" and config.host == "0.0.0.0"


def test_all_problems_are_reported_together():
    with pytest.raises(ConfigError) as caught:
        Config.from_env({"SLACK_BOT_TOKEN": "xoxp-user", "IGBOT_PORT": "http", "GRAPH_API_VERSION": "25",
                         "IGBOT_ADMINS": "alice", "IGBOT_SECRET_KEY": "short", "IGBOT_LOG_FORMAT": "xml",
                         "SLACK_API_URL": "slack.com", "IGBOT_PUBLIC_URL": "http://igbot.example.com",
                         "IGBOT_CHECK_MEDIA_URLS": "yes", "META_APP_ID": "abc"})
    text = str(caught.value)
    for expected in ("SLACK_BOT_TOKEN must start with 'xoxb-'", "IGBOT_PORT must be a whole number",
                     "GRAPH_API_VERSION must look like v25.0", "IGBOT_ADMINS must be comma-separated",
                     "igbot keygen", "IGBOT_LOG_FORMAT must be one of text, json", "SLACK_API_URL must be",
                     "IGBOT_PUBLIC_URL must be the public https URL", "IGBOT_CHECK_MEDIA_URLS must be 0 or 1",
                     "META_APP_ID must be the numeric app id"):
        assert expected in text
    assert len(caught.value.problems) == 10


def test_serve_needs_slack_and_meta_settings():
    problems = Config.from_env({}).serve_problems()
    assert [p.split(" ")[0] for p in problems] == ["SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "META_APP_ID",
                                                   "META_APP_SECRET", "META_WEBHOOK_VERIFY_TOKEN"]


def test_socket_mode_makes_the_signing_secret_optional(base_env):
    env = {k: v for k, v in base_env.items() if k != "SLACK_SIGNING_SECRET"}
    assert Config.from_env({**env, "SLACK_APP_TOKEN": "xapp-1-A"}).serve_problems() == []
    assert Config.from_env(env).serve_problems()[0].startswith("SLACK_SIGNING_SECRET")


def test_secrets_are_not_in_the_repr(base_env):
    config = Config.from_env(base_env)
    for secret in config.secrets():
        assert secret not in repr(config)
