"""Logging: text or one JSON object a line, a request id on every line, secrets redacted."""

from __future__ import annotations

import contextvars
import json
import logging
import re
from collections.abc import Iterable

request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")

# Token shapes that must never reach a log line, whatever code wrote them.
SECRET_PATTERNS = re.compile(
    r"(xox[abpe]-[A-Za-z0-9-]+|xapp-[A-Za-z0-9-]+|EAA[A-Za-z0-9]{20,}|IG[A-Za-z0-9]{30,}"
    r"|(?<=access_token=)[^&\s\"']+|(?<=appsecret_proof=)[^&\s\"']+|(?<=client_secret=)[^&\s\"']+)"
)


class ContextFilter(logging.Filter):
    """Attach the current request id and redact secrets from the message."""

    def __init__(self, secrets: Iterable[str] = ()):
        super().__init__()
        self.secrets = [s for s in secrets if len(s) >= 6]

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        message = record.getMessage()
        cleaned = redact(message, self.secrets)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """Replace known secrets and token-shaped strings with [redacted]."""
    for secret in secrets:
        text = text.replace(secret, "[redacted]")
    return SECRET_PATTERNS.sub("[redacted]", text)


class JsonFormatter(logging.Formatter):
    """Format a record as one JSON object."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "request_id": getattr(record, "request_id", "-"),
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = redact(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(level: str, fmt: str, secrets: Iterable[str] = ()) -> None:
    """Set up the root logger for igbot (replacing earlier handlers)."""
    handler = logging.StreamHandler()
    handler.addFilter(ContextFilter(secrets))
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    for chatty in ("aiohttp.access", "apscheduler"):  # a line per request or per tick drowns what matters
        logging.getLogger(chatty).setLevel(logging.WARNING)
