"""Health of the process and, for trusted callers, of each account — from stored values only."""

from __future__ import annotations

import hmac
import ipaddress

from bot.deps import Deps
from storage import accounts as account_rows
from storage import failed as failed_rows
from storage import outbox as outbox_rows
from storage import tokens as token_rows
from storage.db import ping

FORWARDING_HEADERS = ("X-Forwarded-For", "Forwarded", "X-Real-IP")


def is_trusted(remote: str | None, headers, metrics_token: str) -> bool:
    """Return True for a loopback caller not behind a proxy, or one with the metrics bearer token."""
    auth = headers.get("Authorization", "")
    if metrics_token and hmac.compare_digest(auth.encode(), f"Bearer {metrics_token}".encode()):
        return True
    if any(h in headers for h in FORWARDING_HEADERS):
        return False
    try:
        return remote is not None and ipaddress.ip_address(remote).is_loopback
    except ValueError:
        return False


async def process_health(deps: Deps, scheduler_running: bool) -> dict:
    """Return whether the database, scheduler and workers are alive."""
    try:
        await deps.store.run(ping)
        database = "ok"
    except Exception as exc:  # the database is the one thing /healthz must report, whatever broke it
        database = f"error: {type(exc).__name__}"
    scheduler = "running" if scheduler_running and not deps.heartbeat.stale(deps.config.tick_seconds) \
        else "stopped"
    workers = deps.workers.alive()
    ok = database == "ok" and scheduler == "running" and all(workers.values())
    body = {"status": "ok" if ok else "unhealthy", "database": database, "scheduler": scheduler,
            "workers": workers, "instance": deps.instance.id}
    if database == "ok":
        body["failed"] = await failed_work(deps)
    return body


async def failed_work(deps: Deps) -> dict[str, int]:
    """Count the rows workers set aside, per kind (`igbot failed list` shows them), and export the counts."""
    counts = await deps.store.run(failed_rows.counts)
    for kind, count in counts.items():
        deps.metrics.failed_rows.labels(kind=kind).set(count)
    return counts


async def account_health(deps: Deps) -> list[dict]:
    """Return per-account health from stored rows; never a secret."""

    def read(db):
        out = []
        for account in account_rows.list_accounts(db):
            token = token_rows.get_token(db, account["id"]) or {}
            out.append({
                "username": account["username"], "login": account["login"], "status": account["status"],
                "status_reason": account["status_reason"], "channel_id": account["channel_id"],
                "token_stored": bool(token), "token_expires_at": token.get("expires_at"),
                "data_access_expires_at": token.get("data_access_expires_at"), "ig_user_id": account["ig_user_id"],
            })
        return out

    accounts = await deps.store.run(read)
    for entry in accounts:
        entry["graph_usage"] = (await deps.graph.usage(entry.pop("ig_user_id")))["account"]
    return accounts


async def parked_slack_errors(deps: Deps) -> list[dict]:
    """Return Slack writes that were parked, with the reason Slack gave."""
    items = await deps.store.run(outbox_rows.parked_items)
    return [{"outbox_id": i["id"], "channel_id": i["channel_id"], "error": i["error"], "created_at": i["created_at"]}
            for i in items]
