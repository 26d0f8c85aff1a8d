"""The demo's readable transcript: what people did, what Slack showed, which Graph calls followed."""

from __future__ import annotations

from collections.abc import Callable


class Transcript:
    """Collect and print transcript lines as the demo plays."""

    def __init__(self, echo: Callable[[str], None] = print):
        self._echo = echo
        self.lines: list[str] = []

    def _line(self, text: str) -> None:
        self.lines.append(text)
        self._echo(text)

    def heading(self, text: str) -> None:
        """Start a scene."""
        self._line("")
        self._line(f"── {text} " + "─" * max(0, 72 - len(text)))

    def slack(self, person: str, what: str) -> None:
        """A person did something in Slack."""
        self._line(f"  {person} ▸ {what}")

    def instagram(self, what: str) -> None:
        """Something happened on Instagram."""
        self._line(f"  Instagram ▸ {what}")

    def action(self, who: str, what: str) -> None:
        """Anyone else did something."""
        self._line(f"  {who} ▸ {what}")

    def shown(self, what: str) -> None:
        """What appeared as a result."""
        self._line(f"    ↳ {what}")

    def graph_call(self, method: str, path: str, status: int, count: int = 1) -> None:
        """A Graph API call igbot made (count: how many identical ones in a row)."""
        times = f"  ×{count}" if count > 1 else ""
        self._line(f"      Graph {method} {path} → {status}{times}")

    def verdict(self, ok: bool, text: str) -> None:
        """The check of a step."""
        self._line(f"  {'✓' if ok else '✗'} {text}")
