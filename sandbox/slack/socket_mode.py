"""Socket Mode: apps.connections.open, the WebSocket, envelopes out and acks back by envelope_id."""

from __future__ import annotations

import asyncio
import json
import secrets
import uuid
from typing import TYPE_CHECKING

from aiohttp import WSMsgType, web

from .errors import SlackError

if TYPE_CHECKING:
    from .server import SlackEmulator

MAX_CONNECTIONS = 10


class SocketMode:
    """The emulated Socket Mode server side: tickets, open connections, pending acks."""

    def __init__(self, emu: SlackEmulator) -> None:
        self.emu = emu
        self.tickets: set[str] = set()
        self.connections: list[web.WebSocketResponse] = []
        self.pending: dict[str, asyncio.Future] = {}
        self.received: list[dict] = []
        self.next_conn = 0

    def open_connection(self) -> dict:
        """Answer apps.connections.open with a one-time WebSocket URL."""
        ticket = secrets.token_hex(16)
        self.tickets.add(ticket)
        url = self.emu.base_url.replace("http://", "ws://", 1)
        return {"url": f"{url}link/?ticket={ticket}&app_id={self.emu.ws.app_id}"}

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """Serve one WebSocket: check the ticket, say hello, then read acks until it closes."""
        ticket = request.query.get("ticket", "")
        if ticket not in self.tickets:
            return web.Response(status=401, text="invalid ticket")
        if len(self.connections) >= MAX_CONNECTIONS:
            return web.Response(status=429, text="too many connections")
        self.tickets.discard(ticket)
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        self.connections.append(ws)
        await ws.send_str(
            json.dumps(
                {
                    "type": "hello",
                    "num_connections": len(self.connections),
                    "debug_info": {
                        "host": "applink-sandbox",
                        "build_number": 1,
                        "approximate_connection_time": 18060,
                    },
                    "connection_info": {"app_id": self.emu.ws.app_id},
                }
            )
        )
        try:
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    continue
                try:
                    data = json.loads(msg.data)
                except ValueError:
                    continue
                self.received.append(data)
                fut = self.pending.get(data.get("envelope_id", "")) if isinstance(data, dict) else None
                if fut is not None and not fut.done():
                    fut.set_result(data)
        finally:
            if ws in self.connections:
                self.connections.remove(ws)
        return ws

    @property
    def connected(self) -> bool:
        """True if at least one app connection is open."""
        return any(not ws.closed for ws in self.connections)

    async def send(self, kind: str, payload: dict, timeout: float) -> dict | None:
        """Send an envelope over one connection and return the ack (None if none came in time)."""
        live = [ws for ws in self.connections if not ws.closed]
        if not live:
            raise SlackError("no_socket_connection")
        ws = live[self.next_conn % len(live)]
        self.next_conn += 1
        envelope_id = str(uuid.uuid4())
        envelope = {
            "envelope_id": envelope_id,
            "payload": payload,
            "type": kind,
            "accepts_response_payload": kind != "events_api" and payload.get("type") != "block_actions",
        }
        if kind == "events_api":
            envelope.update({"retry_attempt": 0, "retry_reason": ""})
        fut = asyncio.get_running_loop().create_future()
        self.pending[envelope_id] = fut
        try:
            await ws.send_str(json.dumps(envelope))
            return await asyncio.wait_for(fut, timeout)
        except TimeoutError:
            return None
        finally:
            self.pending.pop(envelope_id, None)

    async def disconnect_all(self, reason: str = "refresh_requested") -> None:
        """Ask every connection to go away (as Slack does on refresh), then close it."""
        for ws in list(self.connections):
            if not ws.closed:
                await ws.send_str(
                    json.dumps(
                        {"type": "disconnect", "reason": reason, "debug_info": {"host": "applink-sandbox"}}
                    )
                )
                await ws.close()
