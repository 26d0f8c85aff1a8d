"""Rate limits as Meta counts them (graph-api.md §7): BUC per account, the platform limit per app.

Instagram Platform calls count against the Business Use Case budget of the account they concern (calls in a
rolling 24 h) and carry ``X-Business-Use-Case-Usage``; code 80002 once it is spent. App-token calls
(``debug_token``, app subscriptions) count against the app's platform limit, 200 × the app's users per rolling
hour, and carry ``X-App-Usage``; code 4 once it is spent. (Business Discovery and Hashtag Search, the other
platform-limited calls, are not emulated.)
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field

from .errors import GraphError
from .state import DAY, Account

HOUR = 3600.0
CALLS_PER_USER_PER_HOUR = 200


@dataclass
class RateLimiter:
    """Count Instagram calls per account (rolling 24 h) and app-token calls per app (rolling hour)."""

    headers_after: int = 3  # usage headers appear once this many calls were counted
    buc_key: str = "ig_user_id"  # or "page_id": which id keys X-Business-Use-Case-Usage (FB Login)
    app_budget_per_hour: int | None = None  # None: 200 × the app's users
    app_calls: list[float] = field(default_factory=list)

    def app_budget(self, users: int) -> int:
        """Return the app's platform budget per hour for this many users."""
        return self.app_budget_per_hour or CALLS_PER_USER_PER_HOUR * max(1, users)

    def count(self, account: Account | None, now: float) -> None:
        """Record one call: against the account's BUC budget when it concerns one, else against the app."""
        if account is None:
            self.app_calls.append(now)
            self.app_calls[:] = [t for t in self.app_calls if t > now - HOUR]
            return
        account.call_times.append(now)
        account.call_times[:] = [t for t in account.call_times if t > now - DAY]

    def regain_minutes(self, account: Account, now: float) -> int:
        """Minutes until the account is back under its budget."""
        excess = len(account.call_times) - account.call_budget
        if excess < 0:
            return 0
        leaves_at = account.call_times[excess] + DAY
        return max(1, math.ceil((leaves_at - now) / 60))

    def check(self, account: Account | None, now: float, *, users: int) -> None:
        """Raise 80002 when the account's budget is spent, 4 when the app's is (the call still counted)."""
        if account is None:
            if len(self.app_calls) > self.app_budget(users):
                raise GraphError(4, "(#4) Application request limit reached", is_transient=True,
                                 headers=self.app_headers(users))
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

    def usage_headers(self, account: Account | None, now: float, *, users: int) -> dict[str, str]:
        """Return the usage headers for a response: the account's BUC, or the app's for app-token calls."""
        if account is None:
            return self.app_headers(users) if len(self.app_calls) >= self.headers_after else {}
        return self.headers(account, now)

    def app_headers(self, users: int) -> dict[str, str]:
        """Return ``X-App-Usage`` for the app's platform budget."""
        pct = self._pct(len(self.app_calls), self.app_budget(users))
        return {"X-App-Usage": json.dumps({"call_count": pct, "total_time": max(1, pct // 2),
                                           "total_cputime": max(1, pct // 2)})}

    def headers(self, account: Account, now: float, *, force: bool = False) -> dict[str, str]:
        """Return ``X-Business-Use-Case-Usage`` for an account, once enough calls were made."""
        if not force and len(account.call_times) < self.headers_after:
            return {}
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
        return {"X-Business-Use-Case-Usage": json.dumps(buc)}
