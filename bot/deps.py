"""Deps: everything a handler or job may use, built once from Config and passed down."""

from __future__ import annotations

from dataclasses import dataclass, field

import aiohttp
from slack_sdk.web.async_client import AsyncWebClient

from bot.cipher import TokenCipher
from bot.comments.seen import WebhookSeen
from bot.comments.writer import InboxWriter
from bot.config import Config
from bot.graph.client import GraphClient
from bot.instance import Instance
from bot.metrics import Metrics
from bot.outbox import Outbox
from bot.scheduler import Heartbeat
from bot.wakeups import Wakeups
from bot.workers import Workers
from storage.db import Store


@dataclass(frozen=True)
class Deps:
    """The process's shared objects; no module keeps any of them globally."""

    config: Config
    store: Store
    cipher: TokenCipher
    slack: AsyncWebClient
    http: aiohttp.ClientSession
    graph: GraphClient
    metrics: Metrics
    outbox: Outbox
    workers: Workers
    heartbeat: Heartbeat
    instance: Instance
    wakeups: Wakeups = field(default_factory=Wakeups)
    webhook_seen: WebhookSeen = field(default_factory=WebhookSeen)
    inbox_writer: InboxWriter = field(default_factory=InboxWriter)
