"""The env file: `igbot init` writes it, every command reads it (strictly) before Config.from_env."""

from __future__ import annotations

import difflib
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

DEFAULT_NAME = "igbot.env"
NAME = re.compile(r"^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=(.*)$")


@dataclass(frozen=True)
class Variable:
    """One setting: whether igbot needs it, what it is for, and its default (None: no default)."""

    name: str
    required: bool
    meaning: str
    default: str | None = None


VARIABLES = (
    Variable("SLACK_BOT_TOKEN", True, "bot token (xoxb-…): Slack app > OAuth & Permissions > Bot User OAuth Token"),
    Variable("SLACK_SIGNING_SECRET", True, "Slack app > Basic Information > Signing Secret (not needed with "
             "SLACK_APP_TOKEN)"),
    Variable("SLACK_APP_TOKEN", False, "app-level token (xapp-…) to use Socket Mode instead of a public URL"),
    Variable("SLACK_API_URL", False, "Slack Web API base URL", "https://slack.com/api/"),
    Variable("META_APP_ID", True, "Meta App Dashboard > App settings > Basic > App ID"),
    Variable("META_APP_SECRET", True, "Meta App Dashboard > App settings > Basic > App secret"),
    Variable("INSTAGRAM_APP_ID", False, "Instagram-Login app id: Instagram > API setup with Instagram login"),
    Variable("INSTAGRAM_APP_SECRET", False, "Instagram-Login app secret, beside INSTAGRAM_APP_ID"),
    Variable("META_WEBHOOK_VERIFY_TOKEN", True, "any random string; the same value goes in the Meta webhook's "
             "Verify token"),
    Variable("GRAPH_API_URL", False, "Graph host for Facebook-Login accounts", "https://graph.facebook.com"),
    Variable("INSTAGRAM_GRAPH_API_URL", False, "Graph host for Instagram-Login accounts",
             "https://graph.instagram.com"),
    Variable("GRAPH_API_VERSION", False, "Graph API version on every call", "v25.0"),
    Variable("FACEBOOK_WWW_URL", False, "where the Facebook Login dialog lives", "https://www.facebook.com"),
    Variable("INSTAGRAM_WWW_URL", False, "where the Instagram Login dialog lives", "https://www.instagram.com"),
    Variable("INSTAGRAM_API_URL", False, "Instagram Login's code-for-token exchange", "https://api.instagram.com"),
    Variable("IGBOT_DB", True, "the SQLite database file (an absolute path, so any working directory finds it)"),
    Variable("IGBOT_SECRET_KEY", True, "encrypts the stored tokens; keep it: without it they cannot be read"),
    Variable("IGBOT_HOST", False, "HTTP listen address (keep loopback behind a reverse proxy)", "127.0.0.1"),
    Variable("IGBOT_PORT", False, "HTTP listen port", "3000"),
    Variable("IGBOT_PUBLIC_URL", False, "set it: the public https URL of this service, e.g. "
             "https://igbot.example.com (/ig connect, webhooks and uploads need it)"),
    Variable("IGBOT_ADMINS", False, "set it: comma-separated Slack member ids with every right (profile > ⋮ > "
             "Copy member ID); without it nobody can act until a role is granted"),
    Variable("IGBOT_TICK_SECONDS", False, "how often the scheduler looks for due work", "30"),
    Variable("IGBOT_CHECK_MEDIA_URLS", False, "1: check each media URL before queueing a post", "0"),
    Variable("IGBOT_LOG_LEVEL", False, "DEBUG, INFO, WARNING or ERROR", "INFO"),
    Variable("IGBOT_LOG_FORMAT", False, "text, or json for one JSON object a line", "text"),
    Variable("IGBOT_METRICS_TOKEN", False, "bearer token for per-account detail in /healthz and /metrics from "
             "other hosts"),
)
KNOWN = {v.name for v in VARIABLES}


class EnvFileError(Exception):
    """The env file cannot be used; `problems` name each bad line (never its value)."""

    def __init__(self, path: Path, problems: list[str]):
        self.path, self.problems = path, problems
        super().__init__(f"{path}: " + "; ".join(problems))


@dataclass(frozen=True)
class EnvFile:
    """The env file a command read: where it is and what it set (empty when there is none)."""

    path: Path
    values: dict[str, str]
    found: bool

    def describe(self) -> str:
        """One line for start-up logs and the doctor: which file was read and what wins over it."""
        if not self.found:
            return (f"none ({self.path} does not exist): settings come from the environment only; "
                    "`igbot init` writes one")
        filled = sum(1 for value in self.values.values() if value)
        return f"{self.path} ({filled} setting(s) filled in; variables set in the environment override it)"

    def loose_mode(self) -> str | None:
        """Say how to fix an env file that other users can read, or None."""
        if self.found and self.path.stat().st_mode & 0o077:
            return f"{self.path} can be read by other users; run `chmod 600 {self.path}`"
        return None


def default_path() -> Path:
    """Where commands look for the env file without --env-file: igbot.env in the working directory."""
    return Path(DEFAULT_NAME).absolute()


def read(path: Path, *, required: bool) -> EnvFile:
    """Read and parse an env file (an absolute path); a missing file is an error only when it was asked for."""
    try:
        text = path.read_text(encoding="utf-8-sig")  # an editor may add a byte-order mark
    except FileNotFoundError:
        if required:
            raise EnvFileError(path, ["the file does not exist (`igbot --env-file PATH init` writes one)"]) from None
        return EnvFile(path, {}, found=False)
    except (OSError, UnicodeDecodeError) as exc:
        raise EnvFileError(path, [f"cannot be read ({type(exc).__name__})"]) from None
    return EnvFile(path, parse(text, path), found=True)


def parse(text: str, path: Path) -> dict[str, str]:
    """Parse NAME=value lines (comments, blank lines, '…' and "…" quotes); raise EnvFileError naming every bad line."""
    values: dict[str, str] = {}
    seen: dict[str, int] = {}
    problems = []
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        match = NAME.match(stripped)
        if not match:
            problems.append(f"line {number}: expected NAME=value (comments start with #)")
            continue
        name, raw = match.group(1), match.group(2).strip()
        try:
            value = _value(raw)
        except ValueError as exc:
            problems.append(f"line {number}: {name} {exc}")
            continue
        if name not in KNOWN:
            close = difflib.get_close_matches(name, sorted(KNOWN), n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            problems.append(f"line {number}: {name} is not an igbot setting{hint}")
        elif name in seen:
            problems.append(f"line {number}: {name} is already set on line {seen[name]}")
        else:
            seen[name] = number
            values[name] = value
    if problems:
        raise EnvFileError(path, problems)
    return values


def _value(raw: str) -> str:
    """Return the value of one line's right-hand side; raise ValueError saying what is wrong."""
    if raw[:1] in ("'", '"'):
        quote = raw[0]
        value, rest = _quoted(raw[1:], quote)
        if rest.strip() and not rest.strip().startswith("#"):
            raise ValueError(f"has text after its closing {quote}")
        return value
    value = re.split(r"\s+#", raw, maxsplit=1)[0].strip()
    if re.search(r"\s", value) or any(q in value for q in "'\""):
        raise ValueError("has spaces or quotes: put the whole value in quotes")
    return value


def _quoted(body: str, quote: str) -> tuple[str, str]:
    """Split a quoted value from what follows; "…" knows the escapes \\\\, \\" and \\n, '…' none."""
    out, i = [], 0
    while i < len(body):
        char = body[i]
        if char == quote:
            return "".join(out), body[i + 1:]
        if char == "\\" and quote == '"' and i + 1 < len(body):
            out.append({"n": "\n", "\\": "\\", '"': '"'}.get(body[i + 1], "\\" + body[i + 1]))
            i += 2
            continue
        out.append(char)
        i += 1
    raise ValueError(f"has no closing {quote}")


def template(*, secret_key: str, db_path: str) -> str:
    """The text `igbot init` writes: every setting with a comment, required ones marked, secrets filled in."""
    filled = {"IGBOT_SECRET_KEY": secret_key, "IGBOT_DB": db_path,
              "META_WEBHOOK_VERIFY_TOKEN": secrets.token_urlsafe(32)}
    lines = ["# igbot settings, written by `igbot init`. Every igbot command reads this file (pass another one",
             "# with `igbot --env-file PATH …`); a variable set in the environment overrides the line here.",
             "# Format: NAME=value; # starts a comment; quote values with spaces ('…' or \"…\").",
             "# Fill in every REQUIRED line that is still empty, then run `igbot doctor`.", ""]
    for variable in VARIABLES:
        lines.append(f"# {'REQUIRED' if variable.required else 'optional'}: {variable.meaning}")
        if variable.default is not None:
            lines.append(f"# {variable.name}={variable.default}")
        else:
            lines.append(f"{variable.name}={filled.get(variable.name, '')}")
    return "\n".join(lines) + "\n"


def write_new(path: Path, text: str) -> None:
    """Create the env file with mode 0600; raise FileExistsError if it is already there."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
