"""The scheduler really runs the tick (a coroutine function, not a lambda APScheduler would run in a thread)."""

from __future__ import annotations

import asyncio

from bot import jobs
from bot.config import Config


async def test_the_running_app_calls_every_tick_step(aiohttp_client, base_env, slack, monkeypatch):
    from bot.app import create_app

    ran = asyncio.Event()

    async def step(deps) -> None:
        ran.set()

    monkeypatch.setattr(jobs, "TICK_STEPS", [("probe", step)])
    config = Config.from_env({**base_env, "SLACK_API_URL": slack.api_url, "IGBOT_TICK_SECONDS": "1"})
    await aiohttp_client(create_app(config))
    await asyncio.wait_for(ran.wait(), timeout=5)
