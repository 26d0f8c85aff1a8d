"""The tick step for posts: publish what is due, then delete uploads whose time is over."""

from __future__ import annotations

import logging

from bot.deps import Deps
from bot.posts import publisher, uploads

log = logging.getLogger(__name__)


async def posts_step(deps: Deps) -> None:
    """Move every due post as far as it can, then remove expired uploaded files."""
    await publisher.publish_due(deps)
    await uploads.remove_expired(deps, now=publisher.now_of(deps))
