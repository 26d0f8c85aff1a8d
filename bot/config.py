"""Configuration: one frozen dataclass built from the environment in exactly one place."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from urllib.parse import urlsplit

from cryptography.fernet import Fernet

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
LOG_FORMATS = ("text", "json")
SLACK_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
GRAPH_VERSION = re.compile(r"^v\d+\.\d+$")

# Variables that point igbot at Meta and Slack; `demo` and `sandbox` ignore all of them.
EXTERNAL_PREFIXES = ("SLACK_", "META_", "INSTAGRAM_", "GRAPH_", "FACEBOOK_")


class ConfigError(Exception):
    """Raised with every problem found in the environment, each with how to fix it."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass(frozen=True)
class Config:
    """Everything igbot reads from its environment, with design.md's defaults."""

    slack_bot_token: str = field(default="", repr=False)
    slack_signing_secret: str = field(default="", repr=False)
    slack_app_token: str = field(default="", repr=False)
    slack_api_url: str = "https://slack.com/api/"
    meta_app_id: str = ""
    meta_app_secret: str = field(default="", repr=False)
    instagram_app_id: str = ""
    instagram_app_secret: str = field(default="", repr=False)
    meta_webhook_verify_token: str = field(default="", repr=False)
    graph_api_url: str = "https://graph.facebook.com"
    instagram_graph_api_url: str = "https://graph.instagram.com"
    graph_api_version: str = "v25.0"
    facebook_www_url: str = "https://www.facebook.com"
    instagram_www_url: str = "https://www.instagram.com"
    instagram_api_url: str = "https://api.instagram.com"
    db_path: str = "./igbot.db"
    secret_key: str = field(default="", repr=False)
    host: str = "127.0.0.1"
    port: int = 3000
    public_url: str = ""
    admins: tuple[str, ...] = ()
    tick_seconds: int = 30
    check_media_urls: bool = False
    log_level: str = "INFO"
    log_format: str = "text"
    metrics_token: str = field(default="", repr=False)

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Config:
        """Build a Config from environment variables; raise ConfigError listing every bad value."""
        parser = _EnvParser(env)
        values = {
            "slack_bot_token": parser.text("SLACK_BOT_TOKEN", prefix="xoxb-"),
            "slack_signing_secret": parser.text("SLACK_SIGNING_SECRET"),
            "slack_app_token": parser.text("SLACK_APP_TOKEN", prefix="xapp-"),
            "slack_api_url": parser.url("SLACK_API_URL", cls.slack_api_url, trailing_slash=True),
            "meta_app_id": parser.digits("META_APP_ID"),
            "meta_app_secret": parser.text("META_APP_SECRET"),
            "instagram_app_id": parser.digits("INSTAGRAM_APP_ID"),
            "instagram_app_secret": parser.text("INSTAGRAM_APP_SECRET"),
            "meta_webhook_verify_token": parser.text("META_WEBHOOK_VERIFY_TOKEN"),
            "graph_api_url": parser.url("GRAPH_API_URL", cls.graph_api_url),
            "instagram_graph_api_url": parser.url("INSTAGRAM_GRAPH_API_URL", cls.instagram_graph_api_url),
            "graph_api_version": parser.version("GRAPH_API_VERSION", cls.graph_api_version),
            "facebook_www_url": parser.url("FACEBOOK_WWW_URL", cls.facebook_www_url),
            "instagram_www_url": parser.url("INSTAGRAM_WWW_URL", cls.instagram_www_url),
            "instagram_api_url": parser.url("INSTAGRAM_API_URL", cls.instagram_api_url),
            "db_path": parser.path("IGBOT_DB", cls.db_path),
            "secret_key": parser.fernet_key("IGBOT_SECRET_KEY"),
            "host": parser.text("IGBOT_HOST") or cls.host,
            "port": parser.integer("IGBOT_PORT", cls.port, low=1, high=65535),
            "public_url": parser.public_url("IGBOT_PUBLIC_URL"),
            "admins": parser.user_ids("IGBOT_ADMINS"),
            "tick_seconds": parser.integer("IGBOT_TICK_SECONDS", cls.tick_seconds, low=1, high=3600),
            "check_media_urls": parser.flag("IGBOT_CHECK_MEDIA_URLS"),
            "log_level": parser.choice("IGBOT_LOG_LEVEL", cls.log_level, LOG_LEVELS, upper=True),
            "log_format": parser.choice("IGBOT_LOG_FORMAT", cls.log_format, LOG_FORMATS),
            "metrics_token": parser.text("IGBOT_METRICS_TOKEN"),
        }
        if parser.problems:
            raise ConfigError(parser.problems)
        return cls(**values)

    @property
    def socket_mode(self) -> bool:
        """True when Slack traffic arrives over Socket Mode."""
        return bool(self.slack_app_token)

    def serve_problems(self) -> list[str]:
        """List what `igbot serve` needs but is missing, each with how to fix it."""
        problems = []
        if not self.slack_bot_token:
            problems.append("SLACK_BOT_TOKEN is not set: copy the Bot User OAuth Token (xoxb-…) from "
                            "your Slack app's OAuth & Permissions page.")
        if not self.slack_signing_secret and not self.slack_app_token:
            problems.append("SLACK_SIGNING_SECRET is not set: copy it from your Slack app's Basic Information "
                            "page (or set SLACK_APP_TOKEN to use Socket Mode).")
        if not (self.meta_app_id or self.instagram_app_id):
            problems.append("META_APP_ID is not set: copy the App ID from your Meta app's App settings > Basic "
                            "page (or set INSTAGRAM_APP_ID for Instagram Login only).")
        if not (self.meta_app_secret or self.instagram_app_secret):
            problems.append("META_APP_SECRET is not set: copy the App Secret from your Meta app's "
                            "App settings > Basic page (or set INSTAGRAM_APP_SECRET for Instagram Login only).")
        if not self.meta_webhook_verify_token:
            problems.append("META_WEBHOOK_VERIFY_TOKEN is not set: choose any random string and enter the "
                            "same value as the Verify Token of your Meta app's Instagram webhook.")
        return problems

    def secrets(self) -> list[str]:
        """Return every secret value, so logs can redact them."""
        names = ("slack_bot_token", "slack_signing_secret", "slack_app_token", "meta_app_secret",
                 "instagram_app_secret", "meta_webhook_verify_token", "secret_key", "metrics_token")
        return [value for name in names if (value := getattr(self, name))]

    def with_overrides(self, **changes: object) -> Config:
        """Return a copy with some fields changed."""
        return replace(self, **changes)


class _EnvParser:
    """Read typed values from an environment mapping, collecting problems instead of raising."""

    def __init__(self, env: Mapping[str, str]):
        self.env = env
        self.problems: list[str] = []

    def _raw(self, name: str) -> str:
        return self.env.get(name, "").strip()

    def text(self, name: str, prefix: str = "") -> str:
        value = self._raw(name)
        if value and prefix and not value.startswith(prefix):
            self.problems.append(f"{name} must start with {prefix!r}; check you copied the right token.")
        return value

    def path(self, name: str, default: str) -> str:
        value = self._raw(name) or default
        return value if value == ":memory:" else os.path.abspath(os.path.expanduser(value))

    def digits(self, name: str) -> str:
        value = self._raw(name)
        if value and not value.isdigit():
            self.problems.append(f"{name} must be the numeric app id (for example 123456789012345).")
        return value

    def url(self, name: str, default: str, trailing_slash: bool = False) -> str:
        value = self._raw(name) or default
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            self.problems.append(f"{name} must be an http(s) URL, for example {default}.")
            return default
        if trailing_slash and not value.endswith("/"):
            value += "/"
        if not trailing_slash:
            value = value.rstrip("/")
        return value

    def public_url(self, name: str) -> str:
        value = self._raw(name).rstrip("/")
        if not value:
            return ""
        parts = urlsplit(value)
        loopback = parts.hostname in ("localhost", "127.0.0.1", "::1")
        if not parts.netloc or not (parts.scheme == "https" or (parts.scheme == "http" and loopback)):
            self.problems.append(f"{name} must be the public https URL of this service, "
                                 "for example https://igbot.example.com.")
            return ""
        return value

    def version(self, name: str, default: str) -> str:
        value = self._raw(name) or default
        if not GRAPH_VERSION.match(value):
            self.problems.append(f"{name} must look like {default} (a 'v', major and minor number).")
            return default
        return value

    def integer(self, name: str, default: int, *, low: int, high: int) -> int:
        raw = self._raw(name)
        if not raw:
            return default
        try:
            value = int(raw)
        except ValueError:
            value = low - 1
        if not low <= value <= high:
            self.problems.append(f"{name} must be a whole number from {low} to {high} (got {raw!r}).")
            return default
        return value

    def flag(self, name: str) -> bool:
        raw = self._raw(name) or "0"
        if raw not in ("0", "1"):
            self.problems.append(f"{name} must be 0 or 1 (got {raw!r}).")
        return raw == "1"

    def choice(self, name: str, default: str, options: tuple[str, ...], upper: bool = False) -> str:
        raw = self._raw(name) or default
        value = raw.upper() if upper else raw.lower()
        if value not in options:
            self.problems.append(f"{name} must be one of {', '.join(options)} (got {raw!r}).")
            return default
        return value

    def user_ids(self, name: str) -> tuple[str, ...]:
        ids = tuple(part.strip() for part in self._raw(name).split(",") if part.strip())
        bad = [i for i in ids if not SLACK_USER_ID.match(i)]
        if bad:
            self.problems.append(f"{name} must be comma-separated Slack user ids like U012ABCDEF "
                                 f"(not {', '.join(bad)}); find one under a profile's ⋮ > Copy member ID.")
        return tuple(i for i in ids if i not in bad)

    def fernet_key(self, name: str) -> str:
        value = self._raw(name)
        if value:
            try:
                Fernet(value.encode())
            except (ValueError, TypeError):
                self.problems.append(f"{name} is not a valid key: generate one with `igbot keygen`.")
                return ""
        return value
