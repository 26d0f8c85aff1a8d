"""Batch requests on graph.facebook.com: up to 50 sub-requests, each counted as a call (§3.4)."""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

from .call import Call
from .errors import GraphError, invalid_param, missing_param
from .versions import is_version

if TYPE_CHECKING:
    from .server import GraphEmulator

MAX_BATCH = 50
# Meta reports the usage the whole batch spent on the batch response itself.
USAGE_HEADERS = frozenset({"x-app-usage", "x-business-use-case-usage"})
REFERENCE = re.compile(r"\{result=([^:}]+):\$\.([^}]+)\}")


def _lookup(body: Any, path: str) -> list[str]:
    nodes = [body]
    for part in path.split("."):
        nxt: list[Any] = []
        for node in nodes:
            if part == "*" and isinstance(node, list):
                nxt.extend(node)
            elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
                nxt.append(node[int(part)])
            elif isinstance(node, dict) and part in node:
                nxt.append(node[part])
        nodes = nxt
    return [str(n) for n in nodes]


def _resolve_refs(text: str, results: dict[str, Any]) -> str:
    def sub(m: re.Match[str]) -> str:
        name, path = m.group(1), m.group(2)
        if name not in results:
            raise invalid_param(f"Batch reference to unknown or failed request {name}")
        return ",".join(_lookup(results[name], path))

    return REFERENCE.sub(sub, text)


async def run_batch(emu: GraphEmulator, envelope: Call) -> list[dict[str, Any] | None]:
    """Run a batch envelope's sub-requests in order and return Meta's result array."""
    raw = envelope.params.get("batch")
    if raw is None:
        raise missing_param("batch")
    try:
        items = json.loads(raw) if isinstance(raw, str) else raw
    except ValueError:
        raise invalid_param("The batch parameter must be a JSON array") from None
    if not isinstance(items, list) or not items:
        raise invalid_param("The batch parameter must be a non-empty JSON array")
    if len(items) > MAX_BATCH:
        raise GraphError(1, "(#1) Too many requests in batch message. Maximum batch size is 50")
    include_headers = str(envelope.params.get("include_headers", "true")).lower() != "false"
    referenced = {str(i.get("depends_on")) for i in items if isinstance(i, dict) and i.get("depends_on")}
    referenced |= {
        m.group(1)
        for i in items
        if isinstance(i, dict)
        for m in REFERENCE.finditer(f"{i.get('relative_url', '')} {i.get('body', '')}")
    }
    named: dict[str, Any] = {}
    failed: set[str] = set()
    out: list[dict[str, Any] | None] = []
    for item in items:
        if not isinstance(item, dict) or "relative_url" not in item:
            raise invalid_param("Each batch item needs method and relative_url")
        name = item.get("name")
        depends = item.get("depends_on")
        if depends and depends in failed:
            out.append(None)
            if name:
                failed.add(name)
            continue
        try:
            rel = _resolve_refs(str(item["relative_url"]), named)
            body = _resolve_refs(str(item.get("body", "")), named)
        except GraphError as err:
            out.append({"code": err.http_status, "body": json.dumps(err.body(emu.trace_id()))})
            continue
        parts = urlsplit(rel if rel.startswith("/") else "/" + rel)
        segs = [s for s in parts.path.split("/") if s]
        version = envelope.version
        if segs and is_version(segs[0]):
            version = segs.pop(0)
        params: dict[str, Any] = dict(parse_qsl(parts.query, keep_blank_values=True))
        params.update(parse_qsl(body, keep_blank_values=True))
        if "appsecret_proof" in envelope.params and "access_token" not in params:
            params.setdefault("appsecret_proof", envelope.params["appsecret_proof"])
        token = envelope.params.get("access_token") or envelope.header_token
        sub = Call(
            envelope.host,
            str(item.get("method", "GET")).upper(),
            "/" + "/".join(segs),
            version,
            params,
            envelope.base_url,
            header_token=token,
            is_batch_sub=True,
        )
        status, result, headers = await emu.execute(sub)
        envelope.response_headers.update({k: v for k, v in headers.items() if k.lower() in USAGE_HEADERS})
        if name and status == 200:
            named[name] = result
        elif name:
            failed.add(name)
        if status == 200 and name and item.get("omit_response_on_success", name in referenced):
            out.append(None)
            continue
        entry: dict[str, Any] = {"code": status, "body": json.dumps(result)}
        if include_headers:
            entry["headers"] = [
                {"name": k, "value": v}
                for k, v in {"Content-Type": "application/json; charset=UTF-8", **headers}.items()
            ]
        out.append(entry)
    return out


async def post_batch(emu: GraphEmulator, call: Call) -> list[dict[str, Any] | None]:
    """POST graph.facebook.com/{version}/ with ``batch=[…]``."""
    return await run_batch(emu, call)
