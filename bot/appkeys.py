"""Typed keys for what the aiohttp application holds."""

from aiohttp import web
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from slack_bolt.async_app import AsyncApp

from bot.config import Config
from bot.deps import Deps

CONFIG = web.AppKey("config", Config)
DEPS = web.AppKey("deps", Deps)
BOLT = web.AppKey("bolt", AsyncApp)
SCHEDULER = web.AppKey("scheduler", AsyncIOScheduler)
SANDBOX = web.AppKey("sandbox", bool)
