"""block_actions listeners (buttons, overflow menus, selects): the routing table."""

from slack_bolt.async_app import AsyncApp

from handlers.actions import comments, connect, posts, reconnect
from handlers.commands import accounts as account_commands
from handlers.events import app_home
from handlers.views import compose

# action_id (or re.Pattern) -> listener
ACTIONS: dict = {**comments.ACTIONS, **posts.ACTIONS, **compose.ACTIONS, **connect.ACTIONS,
                 **reconnect.ACTIONS, **account_commands.ACTIONS, **app_home.ACTIONS}


def register(app: AsyncApp) -> None:
    """Register every block action."""
    for action_id, fn in ACTIONS.items():
        app.action(action_id)(fn)
