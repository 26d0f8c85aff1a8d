"""Slack listeners and HTTP routes: the thin edge of igbot."""

from slack_bolt.async_app import AsyncApp

from handlers import commands, events


def register(app: AsyncApp) -> None:
    """Register every Slack listener on the Bolt app."""
    for surface in (commands, events):
        surface.register(app)
