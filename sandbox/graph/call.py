"""One Graph call as handlers see it: host, path, merged params, token and resolved target."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from .errors import GraphError, invalid_param
from .fields import FieldReq, parse_fields

if TYPE_CHECKING:
    from .endpoints import Endpoint
    from .state import Account, Token


@dataclass
class Call:
    """A request (or batch sub-request) on its way through the emulator."""

    host: str
    method: str
    path: str  # without the version prefix
    version: str | None
    params: dict[str, Any]
    base_url: str
    header_token: str | None = None
    is_batch_sub: bool = False
    token: Token | None = None
    token_in_params: bool = False
    endpoint: Endpoint | None = None
    target_id: str | None = None
    target: Any = None
    account: Account | None = None
    violations: list[str] = field(default_factory=list)
    response_headers: dict[str, str] = field(default_factory=dict)  # set by handlers (a batch's usage)
    _fields: list[FieldReq] | None = None
    _fields_parsed: bool = False

    @property
    def fields(self) -> list[FieldReq] | None:
        """Return the parsed ``fields`` param (None when absent)."""
        if not self._fields_parsed:
            self._fields = parse_fields(self.params.get("fields"))
            self._fields_parsed = True
        return self._fields

    def param(self, name: str, default: Any = None) -> Any:
        """Return one param (str values as sent)."""
        return self.params.get(name, default)

    def require(self, name: str) -> Any:
        """Return a required param or answer 100."""
        value = self.params.get(name)
        if value is None or value == "":
            raise GraphError(100, f"(#100) The parameter {name} is required")
        return value

    def bool_param(self, name: str, default: bool | None = None) -> bool | None:
        """Parse a boolean param the way Graph does (true/false/1/0)."""
        value = self.params.get(name)
        if value is None:
            return default
        if isinstance(value, bool):
            return value
        text = str(value).lower()
        if text in ("true", "1"):
            return True
        if text in ("false", "0"):
            return False
        raise invalid_param(f"Param {name} must be a boolean")

    def int_param(self, name: str, default: int | None = None) -> int | None:
        """Parse an integer param or answer 100."""
        value = self.params.get(name)
        if value is None or value == "":
            return default
        try:
            return int(value)
        except (TypeError, ValueError):
            raise invalid_param(f"Param {name} must be an integer") from None

    def time_param(self, name: str) -> float | None:
        """Parse a ``since``/``until`` style param (None when absent)."""
        return time_value(self.params.get(name), name)

    def list_param(self, name: str) -> list[str]:
        """Parse a comma list or JSON array param."""
        return split_list(self.params.get(name), name)


def time_value(value: Any, name: str) -> float | None:
    """Parse a ``datetime`` parameter as Graph does: a Unix time, or an ISO date or date-time (UTC if unzoned)."""
    if value is None or value == "":
        return None
    text = str(value).strip()
    try:
        return float(text)
    except ValueError:
        pass
    try:
        moment = datetime.fromisoformat(text.replace("+0000", "+00:00"))
    except ValueError:
        raise invalid_param(f"Param {name} must be a Unix timestamp or an ISO 8601 date") from None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


def split_list(value: Any, name: str) -> list[str]:
    """Parse a list parameter the way Graph does: ``a,b``, ``["a","b"]`` or a JSON list already decoded."""
    if value is None or value == "":
        return []
    if isinstance(value, list):
        return [str(v).strip() for v in value if str(v).strip()]
    text = str(value).strip()
    if text.startswith("["):
        try:
            items = json.loads(text)
        except ValueError:
            raise invalid_param(f"Param {name} must be a list") from None
        if not isinstance(items, list):
            raise invalid_param(f"Param {name} must be a list")
        return split_list(items, name)
    return [p.strip() for p in text.split(",") if p.strip()]
