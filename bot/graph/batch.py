"""Graph batch requests (≤ 50 per HTTP request, Facebook host only); one call each for Instagram Login."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from . import errors as E
from .account import GraphAccount, Priority
from .call import Call

if TYPE_CHECKING:
    from .client import GraphClient

log = logging.getLogger("bot.graph")

MAX_BATCH = 50


@dataclass(frozen=True)
class BatchRequest:
    """One request of a batch: a path relative to the version ("{media-id}/insights") and its parameters."""

    path: str
    params: Mapping[str, Any] = field(default_factory=dict)
    method: str = "GET"
    context: Mapping[str, Any] = field(default_factory=dict)

    @property
    def relative_url(self) -> str:
        """Return the path with its query, as Meta's ``relative_url``."""
        path = self.path.lstrip("/")
        if not self.params:
            return path
        sep = "&" if "?" in path else "?"
        return f"{path}{sep}{urlencode({k: _text(v) for k, v in self.params.items()}, safe=',(){}')}"


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def as_request(item: BatchRequest | str | tuple[str, Mapping[str, Any]]) -> BatchRequest:
    """Accept a BatchRequest, a relative path, or a (path, params) pair."""
    if isinstance(item, BatchRequest):
        return item
    if isinstance(item, str):
        return BatchRequest(item)
    path, params = item
    return BatchRequest(path, dict(params))


def chunks(items: Sequence[int], size: int = MAX_BATCH) -> list[list[int]]:
    """Split a list into lists of at most size items."""
    return [list(items[i : i + size]) for i in range(0, len(items), size)]


async def run_batch(
    client: GraphClient,
    account: GraphAccount,
    requests: Sequence[Any],
    *,
    priority: Priority = Priority.BACKGROUND,
) -> list[Any]:
    """Run requests as batches; return one parsed body or GraphError per request, in order."""
    if account.login != "facebook":
        raise ValueError(
            "batch requests are only sent to the Facebook host; use get_many for Instagram Login"
        )
    reqs = [as_request(r) for r in requests]
    results: list[Any] = [None] * len(reqs)
    pending = list(range(len(reqs)))
    attempt = 1
    while pending:
        stop: E.GraphError | None = None
        for chunk in chunks(pending):
            if stop is not None:
                for i in chunk:
                    results[i] = stop
                continue
            try:
                answers = await _send_chunk(client, account, [reqs[i] for i in chunk], priority)
            except E.GraphError as exc:
                for i in chunk:
                    results[i] = exc
                if exc.pause:
                    stop = exc
                continue
            for i, answer in zip(chunk, answers, strict=True):
                results[i] = await _sub_result(client, account, reqs[i], answer, priority)
        again = [i for i in pending if isinstance(results[i], E.TransientError) and reqs[i].method == "GET"]
        if not again or stop is not None or attempt >= client.settings.retry.attempts:
            break
        delay = client.settings.retry.delay(attempt, client.rng)
        client.counters.retries += 1
        log.debug(
            "graph retry %d batched requests after transient errors (waiting %.2fs)", len(again), delay
        )
        await client.sleep(delay)
        attempt += 1
        pending = again
    return results


async def _send_chunk(
    client: GraphClient, account: GraphAccount, reqs: list[BatchRequest], priority: Priority
) -> list[Any]:
    reads = all(r.method.upper() == "GET" for r in reqs)
    payload = [{"method": r.method.upper(), "relative_url": r.relative_url} for r in reqs]
    call = Call(
        method="POST",
        url=client.url("", host=client.settings.graph_url),
        form={"batch": json.dumps(payload, separators=(",", ":")), "include_headers": "false"},
        token=account.token,
        account=account,
        priority=priority,
        retry=reads,
        write=not reads,
        context={"action": f"a batch of {len(reqs)} requests"},
        calls=len(reqs),
    )
    body = await client.send(call)
    if not isinstance(body, list) or len(body) != len(reqs):
        raise E.TransientError(
            "Instagram sent an unreadable answer to a batch request; try again in a moment"
        )
    return body


async def _sub_result(
    client: GraphClient, account: GraphAccount, req: BatchRequest, answer: Any, priority: Priority
) -> Any:
    path = "/" + req.relative_url.split("?", 1)[0]
    ctx = {"path": path, "object": f"item {path.split('/')[1]}", "account": account.label, **req.context}
    if not isinstance(answer, dict):
        return E.TransientError(E.render("Instagram did not finish {path} within the batch; try again", ctx))
    status = answer.get("code")
    try:
        body = json.loads(answer.get("body") or "null")
    except ValueError:
        body = None
    if isinstance(status, int) and status < 400 and not (isinstance(body, dict) and "error" in body):
        return body
    exc = E.from_payload(body, status=status, context=ctx, method=req.method.upper(), path=path)
    sub = Call(
        method=req.method.upper(),
        url=client.url(path),
        token=account.token,
        account=account,
        priority=priority,
        write=req.method.upper() != "GET",
        context=dict(ctx),
    )
    client.counters.errors[exc.codes or type(exc).__name__] += 1
    return await client.classify(sub, exc, body, ctx, regain=0.0, sent=True)


async def run_many(
    client: GraphClient,
    account: GraphAccount,
    requests: Sequence[Any],
    *,
    priority: Priority = Priority.BACKGROUND,
) -> list[Any]:
    """Run GET requests as batches on the Facebook host, else one call each (a few at a time)."""
    reqs = [as_request(r) for r in requests]
    if account.login == "facebook":
        return await run_batch(client, account, reqs, priority=priority)
    gate = asyncio.Semaphore(max(1, client.settings.concurrency))

    async def one(req: BatchRequest) -> Any:
        async with gate:
            try:
                return await client.request(
                    req.method, req.path, account, params=req.params, priority=priority, context=req.context
                )
            except E.GraphError as exc:
                return exc

    return list(await asyncio.gather(*(one(r) for r in reqs)))
