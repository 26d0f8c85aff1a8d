"""Due work: the steps of the scheduler tick and the periodic jobs, as tables each capability extends."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from bot.comments import sync as comment_sync
from bot.connect import lifecycle
from bot.connect.reconnect import alert_step
from bot.deps import Deps
from bot.posts.runner import posts_step

log = logging.getLogger(__name__)

Step = Callable[[Deps], Awaitable[None]]

# (name, step) run in order on every tick; a failing step is logged and does not stop the others. Digests are
# not a step: they run in their own worker (bot.digests.runner.run_worker), so no digest holds up a post.
TICK_STEPS: list[tuple[str, Step]] = [
    ("reconnect_alerts", alert_step),
    ("posts", posts_step),
]

# (job id, interval in seconds, job) run by APScheduler besides the tick.
PERIODIC_JOBS: list[tuple[str, int, Step]] = [
    ("comments_sync", comment_sync.INTERVAL_SECONDS, comment_sync.sync_all),
    ("token_check", lifecycle.TOKEN_CHECK_SECONDS, lifecycle.check_tokens),
    ("subscription_check", lifecycle.INTERVAL_SECONDS, lifecycle.check_subscriptions),
    ("username_refresh", lifecycle.INTERVAL_SECONDS, lifecycle.refresh_usernames),
]


async def tick(deps: Deps) -> None:
    """Run every tick step once."""
    for name, step in TICK_STEPS:
        try:
            await step(deps)
        except Exception:  # one broken step must not starve the others of their turn
            log.exception("tick step %s failed", name)
