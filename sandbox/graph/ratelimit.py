"""Business Use Case rate limits: usage headers and 80002 throttling (graph-api.md §7)."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field

from .errors import GraphError
from .state import DAY, Account

HOUR = 3600.0


@dataclass
class RateLimiter:
    """Count calls per account (rolling 24 h) and per app (rolling hour)."""

    headers_after: int = 3  # usage headers appear once an account made this many calls
    buc_key: str = "ig_user_id"  # or "page_id": which id keys X-Business-Use-Case-Usage (FB Login)
    app_budget_per_hour: int = 2000
    app_calls: list[float] = field(default_factory=list)

    def count(self, account: Account | None, now: float) -> None:
        """Record one call against the app and, when known, the account."""
        self.app_calls.append(now)
        self.app_calls[:] = [t for t in self.app_calls if t > now - HOUR]
        if account is not None:
            account.call_times.append(now)
            account.call_times[:] = [t for t in account.call_times if t > now - DAY]

    def regain_minutes(self, account: Account, now: float) -> int:
        """Minutes until the account is back under its budget."""
        excess = len(account.call_times) - account.call_budget
        if excess < 0:
            return 0
        leaves_at = account.call_times[excess] + DAY
        return max(1, math.ceil((leaves_at - now) / 60))

    def check(self, account: Account | None, now: float) -> None:
        """Raise 80002 when the account's budget is spent (the call still counted)."""
        if account is None:
            return
        forced = account.throttled_until > now
        if forced or len(account.call_times) > account.call_budget:
            raise GraphError(
                80002,
                "There have been too many calls to this Instagram account. Wait a bit and try again. "
                "For more info, please refer to https://developers.facebook.com/docs/graph-api/overview/rate-limiting.",
                is_transient=True,
                headers=self.headers(account, now, force=True),
            )

    def _pct(self, used: int, budget: int) -> int:
        return min(100, math.floor(100 * used / max(1, budget)))

    def headers(self, account: Account | None, now: float, *, force: bool = False) -> dict[str, str]:
        """Return the usage headers for a response, once enough calls were made."""
        if account is None or (not force and len(account.call_times) < self.headers_after):
            return {}
        app_pct = self._pct(len(self.app_calls), self.app_budget_per_hour)
        pct = self._pct(len(account.call_times), account.call_budget)
        regain = self.regain_minutes(account, now)
        if account.throttled_until > now:
            pct = 100
            regain = max(regain, math.ceil((account.throttled_until - now) / 60))
        key = account.page_id if self.buc_key == "page_id" and account.page_id else account.ig_user_id
        buc = {
            key: [
                {
                    "type": "instagram",
                    "call_count": pct,
                    "total_cputime": max(1, pct // 2),
                    "total_time": max(1, pct // 2),
                    "estimated_time_to_regain_access": regain,
                }
            ]
        }
        return {
            "X-App-Usage": json.dumps(
                {
                    "call_count": app_pct,
                    "total_time": max(1, app_pct // 2),
                    "total_cputime": max(1, app_pct // 2),
                }
            ),
            "X-Business-Use-Case-Usage": json.dumps(buc),
        }
