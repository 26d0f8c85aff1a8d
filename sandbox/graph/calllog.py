"""The call log: every request the emulator answered, queryable by tests."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from .hosts import WWW_FACEBOOK, WWW_INSTAGRAM, host_matches

DIALOG_HOSTS = (WWW_FACEBOOK, WWW_INSTAGRAM)

SECRET_PARAMS = frozenset(
    {
        "access_token",
        "client_secret",
        "appsecret_proof",
        "fb_exchange_token",
        "code",
        "input_token",
    }
)
REDACTED = "<redacted>"


def redact(params: dict[str, Any]) -> dict[str, Any]:
    """Return params with token and secret values replaced."""
    return {k: (REDACTED if k in SECRET_PARAMS else v) for k, v in params.items()}


@dataclass
class CallRecord:
    """One answered call (an HTTP request, or one sub-request of a batch)."""

    seq: int
    time: float
    host: str
    method: str
    path: str  # without the version prefix
    template: str | None  # the matched endpoint, e.g. "/{ig-user-id}/media"
    version: str | None
    params: dict[str, Any]
    status: int = 200
    error_code: int | None = None
    error_subcode: int | None = None
    is_batch: bool = False  # the batch envelope itself (an HTTP request, not a Graph call)
    is_batch_sub: bool = False  # one sub-request of a batch (a Graph call, not an HTTP request)
    account_id: str | None = None
    token_kind: str | None = None
    violations: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Say whether the call succeeded."""
        return self.error_code is None and self.status < 400


def _path_matches(rec: CallRecord, path: str | re.Pattern[str]) -> bool:
    if isinstance(path, re.Pattern):
        return bool(path.search(rec.path))
    return path in (rec.path, rec.template)


@dataclass
class CallLog:
    """All call records, with counting per design.md ("Counting Graph calls")."""

    records: list[CallRecord] = field(default_factory=list)

    def add(self, rec: CallRecord) -> CallRecord:
        """Append a record."""
        self.records.append(rec)
        return rec

    def find(
        self,
        *,
        host: str | None = None,
        method: str | None = None,
        path: str | re.Pattern[str] | None = None,
        account: Any = None,
        error_code: int | None = None,
        ok: bool | None = None,
        include_batch_envelopes: bool = True,
    ) -> list[CallRecord]:
        """Return the records matching every given filter.

        :param host: a host name (``graph.facebook.com``) or flavor (``facebook``/``instagram``)
        :param path: a concrete path (``/1784.../media``), an endpoint template
            (``/{ig-user-id}/media``) or a compiled regex searched in the path
        :param account: an Account or an IG user id
        """
        acct_id = getattr(account, "ig_user_id", account)
        out = []
        for rec in self.records:
            if host and not host_matches(host, rec.host):
                continue
            if method and rec.method != method.upper():
                continue
            if path is not None and not _path_matches(rec, path):
                continue
            if acct_id and rec.account_id != acct_id:
                continue
            if error_code is not None and rec.error_code != error_code:
                continue
            if ok is not None and rec.ok != ok:
                continue
            if rec.is_batch and not include_batch_envelopes:
                continue
            out.append(rec)
        return out

    def _api(self, records: list[CallRecord], filters: dict[str, Any]) -> list[CallRecord]:
        if filters.get("host"):
            return records
        return [r for r in records if r.host not in DIALOG_HOSTS]

    def count_calls(self, **filters: Any) -> int:
        """Count Graph calls: a batch counts as its sub-requests, the envelope not at all.

        Login dialog page loads (www hosts) are not API calls and are only counted when ``host`` names them.
        """
        return len(self._api(self.find(include_batch_envelopes=False, **filters), filters))

    def count_http_requests(self, **filters: Any) -> int:
        """Count HTTP requests to the API hosts: a batch counts once, its sub-requests not at all."""
        return sum(1 for r in self._api(self.find(**filters), filters) if not r.is_batch_sub)

    def violations(self) -> list[str]:
        """Return every protocol violation recorded, as 'METHOD host/path: why' lines."""
        return [f"{r.method} {r.host}{r.path}: {v}" for r in self.records for v in r.violations]

    def clear(self) -> None:
        """Forget every record."""
        self.records.clear()
