"""Slack listeners and HTTP routes: the thin edge of igbot."""

from slack_bolt.async_app import AsyncApp

from handlers import actions, commands, events, options, views


def register(app: AsyncApp) -> None:
    """Register every Slack listener on the Bolt app."""
    for surface in (commands, events, actions, views, options):
        surface.register(app)
