"""Events API listeners: the routing table."""

from slack_bolt.async_app import AsyncApp

from handlers.events import app_home

EVENTS = {"app_home_opened": app_home.handle_app_home_opened}


def register(app: AsyncApp) -> None:
    """Register every event listener."""
    for name, fn in EVENTS.items():
        app.event(name)(fn)
