"""The error a Web API method answers with."""

from __future__ import annotations


class SlackError(Exception):
    """An ``{"ok": false, "error": ...}`` answer, with optional extra fields, HTTP status and headers."""

    def __init__(self, error: str, *, status: int = 200, headers: dict | None = None, **extra) -> None:
        super().__init__(error)
        self.error = error
        self.status = status
        self.headers = headers or {}
        self.extra = extra

    def body(self) -> dict:
        """Return the JSON body Slack would send."""
        return {"ok": False, "error": self.error, **self.extra}


def invalid_arguments(messages: list[str]) -> SlackError:
    """Return an ``invalid_arguments`` error carrying ``[ERROR]`` messages as Slack does."""
    return SlackError("invalid_arguments", response_metadata={"messages": [f"[ERROR] {m}" for m in messages]})


class PersonError(Exception):
    """Something a person could not do in the Slack client (no such button, required field empty, ...)."""
