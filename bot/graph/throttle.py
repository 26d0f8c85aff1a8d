"""Usage headers, per-key usage state and the throttle that holds calls back to stay under Meta's limits."""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from .account import Priority
from .errors import Throttled, wait_words
from .state import GraphStateStore

APP_KEY = "app"
NOT_PERCENT = frozenset({"estimated_time_to_regain_access", "type", "ads_api_access_tier"})
MIN_BLOCK = 60.0  # seconds without calls after a throttle signal that names no regain time
MAX_BLOCK = 3600.0


PLATFORM_EDGES = frozenset({"ig_hashtag_search", "recent_media", "top_media"})  # Hashtag Search


def account_key(account_id: str) -> str:
    """Return the usage key for an account."""
    return f"account:{account_id}"


def platform_limited(path: str, params: Mapping[str, Any]) -> bool:
    """Say whether an account's call counts against the app's platform limit rather than the account's BUC:
    Business Discovery and Hashtag Search do (graph-api.md §7); every other Instagram call is BUC."""
    return "business_discovery" in str(params.get("fields", "")) or bool(PLATFORM_EDGES & set(path.split("/")))


@dataclass(frozen=True)
class UsageReading:
    """What one response's usage headers say (all values are percentages; regain time in minutes)."""

    app: dict[str, float]
    buc: dict[str, list[dict[str, Any]]]
    app_pct: float | None
    buc_pct: float | None
    regain_minutes: float


def _load(raw: str | None) -> Any:
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return None


def _percentages(values: Mapping[str, Any]) -> list[float]:
    return [float(v) for k, v in values.items() if k not in NOT_PERCENT and isinstance(v, int | float)]


def parse_usage(headers: Mapping[str, str]) -> UsageReading | None:
    """Read ``X-App-Usage`` and ``X-Business-Use-Case-Usage`` (every key, every business object)."""
    lower = {k.lower(): v for k, v in headers.items()}
    app = _load(lower.get("x-app-usage"))
    buc = _load(lower.get("x-business-use-case-usage"))
    app = app if isinstance(app, dict) else {}
    buc = {k: v for k, v in buc.items() if isinstance(v, list)} if isinstance(buc, dict) else {}
    if not app and not buc:
        return None
    entries = [e for items in buc.values() for e in items if isinstance(e, dict)]
    buc_values = [p for e in entries for p in _percentages(e)]
    regain = [float(e.get("estimated_time_to_regain_access") or 0) for e in entries]
    app_values = _percentages(app)
    return UsageReading(
        app={k: v for k, v in app.items() if isinstance(v, int | float)},
        buc=buc,
        app_pct=max(app_values) if app_values else None,
        buc_pct=max(buc_values) if buc_values else None,
        regain_minutes=max(regain, default=0.0),
    )


@dataclass
class UsageState:
    """Usage and throttle windows for one key ("app" or "account:<id>"), as persisted."""

    pct: float = 0.0  # highest percentage in the last reading
    detail: dict[str, Any] = field(default_factory=dict)  # the last reading's raw values
    observed_at: float = 0.0
    regain_minutes: float = 0.0
    blocked_until: float = 0.0  # no calls at all before this
    paused_until: float = 0.0  # background calls wait until this
    strikes: int = 0  # rate-limit errors in a row, for the backoff when Meta names no regain time

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-able dict."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> UsageState:
        """Rebuild from a stored dict, ignoring unknown keys."""
        names = cls.__dataclass_fields__
        return cls(**{k: v for k, v in (data or {}).items() if k in names})


class Throttle:
    """Hold calls back per key: all calls while blocked, background ones while usage is over the threshold."""

    def __init__(
        self,
        store: GraphStateStore,
        *,
        clock: Callable[[], float],
        threshold: float = 80.0,
        cooldown: float = 600.0,
        rng: random.Random | None = None,
    ) -> None:
        self._store = store
        self._clock = clock
        self.threshold = threshold
        self.cooldown = cooldown
        self._rng = rng or random.Random()
        self._states: dict[str, UsageState] = {}
        self._saved: dict[str, dict[str, Any]] = {}

    async def get(self, key: str) -> UsageState:
        """Return the state for key, loading it from the store the first time."""
        if key not in self._states:
            data = await self._store.load_usage(key)
            self._states[key] = UsageState.from_dict(data)
            self._saved[key] = self._states[key].to_dict()
        return self._states[key]

    async def _save(self, key: str) -> None:
        data = self._states[key].to_dict()
        if data != self._saved.get(key):
            await self._store.save_usage(key, data)
            self._saved[key] = data

    async def admit(self, keys: Iterable[str], priority: Priority, *, label: str = "this account") -> None:
        """Raise Throttled if a call on these keys must wait; return otherwise."""
        now = self._clock()
        for key in keys:
            st = await self.get(key)
            whom = "igbot's app" if key == APP_KEY else label
            if now < st.blocked_until:
                raise Throttled(
                    f"Meta's request limit for {whom} is reached; igbot makes no calls for it for "
                    f"{wait_words(st.blocked_until - now)}",
                    retry_at=st.blocked_until,
                    scope="app" if key == APP_KEY else "account",
                )
            if priority is Priority.BACKGROUND and now < st.paused_until:
                raise Throttled(
                    f"Meta's request limit for {whom} is {st.pct:.0f}% used; background work waits "
                    f"{wait_words(st.paused_until - now)} so people's actions still go through",
                    retry_at=st.paused_until,
                    scope="app" if key == APP_KEY else "account",
                )

    async def observe(self, key: str, pct: float, detail: dict[str, Any], regain_minutes: float) -> None:
        """Record a usage reading and open or close the throttle windows it implies."""
        st = await self.get(key)
        now = self._clock()
        st.pct, st.detail, st.observed_at, st.regain_minutes = pct, detail, now, regain_minutes
        regain = regain_minutes * 60.0
        if pct >= 100.0 or regain > 0:
            st.blocked_until = max(st.blocked_until, now + max(regain, MIN_BLOCK))
        if pct >= self.threshold:
            st.paused_until = max(st.paused_until, now + max(regain, self.cooldown))
        else:
            st.paused_until = 0.0
        await self._save(key)

    async def limited(self, key: str, regain_minutes: float = 0.0) -> float:
        """Record a rate-limit error; return the time calls on key may resume."""
        st = await self.get(key)
        now = self._clock()
        st.strikes += 1
        wait = regain_minutes * 60.0 if regain_minutes > 0 else min(MAX_BLOCK, MIN_BLOCK * 2 ** (st.strikes - 1))
        wait *= 1.0 + self._rng.random() * 0.1
        st.blocked_until = max(st.blocked_until, now + wait)
        st.paused_until = max(st.paused_until, st.blocked_until)
        await self._save(key)
        return st.blocked_until

    async def succeeded(self, key: str) -> None:
        """Reset the rate-limit backoff after a successful call."""
        st = await self.get(key)
        if st.strikes:
            st.strikes = 0
            await self._save(key)

    def forget(self, key: str) -> None:
        """Drop the cached state for key (it is reloaded from the store on next use)."""
        self._states.pop(key, None)
        self._saved.pop(key, None)

    async def report(self, key: str) -> dict[str, Any]:
        """Return the usage for key as shown by /healthz and /ig accounts."""
        st = await self.get(key)
        now = self._clock()
        return {
            "pct": st.pct,
            "detail": st.detail,
            "observed_at": st.observed_at or None,
            "regain_minutes": st.regain_minutes,
            "blocked_until": st.blocked_until if st.blocked_until > now else None,
            "background_paused_until": st.paused_until if st.paused_until > now else None,
        }
