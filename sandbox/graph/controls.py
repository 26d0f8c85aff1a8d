"""Test controls of GraphEmulator: webhooks, fixtures, faults, tokens, throttling, the call log."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from .calllog import CallLog, CallRecord
from .faults import Faults, InjectedError
from .fixtures import MediaFetcher, MediaFixture
from .state import FACEBOOK, Account, AppSubscription, State, Token
from .webhooks import Delivery, WebhookDispatcher


class Controls:
    """Mixin of GraphEmulator: what tests and ``igbot sandbox`` use to steer and observe Meta."""

    state: State
    app_id: str
    instagram_app_id: str
    log: CallLog
    faults: Faults
    fetcher: MediaFetcher
    webhooks: WebhookDispatcher
    dialog_fb_user_id: str | None
    dialog_ig_user_id: str | None
    webhook_secret_override: str | None
    urls: Any
    now: Any

    def set_webhook_callback(
        self,
        url: str,
        *,
        fields: tuple[str, ...] = ("comments", "mentions", "live_comments", "story_insights"),
        verify_token: str = "",
        app_secret: str | None = None,
    ) -> None:
        """Subscribe the app's ``instagram`` object to a callback URL directly (no verification GET).

        :param app_secret: sign deliveries with this secret instead of the app's (or Instagram app's) secret
        """
        self.state.subscriptions["instagram"] = AppSubscription("instagram", url, list(fields), verify_token)
        self.webhook_secret_override = app_secret

    @contextmanager
    def webhook_batch(self) -> Iterator[None]:
        """Send every event emitted inside the block as one POST (several entries and changes)."""
        with self.webhooks.batched():
            yield

    async def flush_webhooks(self, timeout: float = 5.0) -> None:
        """Deliver every webhook that is due now and wait for the attempts to finish."""
        await self.webhooks.flush(timeout)

    @property
    def deliveries(self) -> list[Delivery]:
        """Return every webhook POST (with attempts) so far."""
        return self.webhooks.deliveries

    # -- media fixtures, faults --------------------------------------------------------------------

    def add_media_fixture(
        self,
        url: str,
        *,
        content_type: str = "image/jpeg",
        size: int = 300_000,
        width: int | None = 1080,
        height: int | None = 1080,
        duration: float | None = None,
        fail_code: tuple[int, int] | None = None,
        processing_error: int | None = None,
        processing_seconds: float | None = None,
    ) -> MediaFixture:
        """Make a URL "downloadable" by Meta (or fail with ``fail_code`` = (code, subcode))."""
        return self.fetcher.add(
            MediaFixture(
                url,
                content_type,
                size,
                width,
                height,
                duration,
                fail_code,
                processing_error,
                processing_seconds,
            )
        )

    def inject_error(
        self,
        *,
        code: int,
        subcode: int | None = None,
        message: str | None = None,
        http_status: int = 400,
        method: str | None = None,
        path: str | re.Pattern[str] | None = None,
        host: str | None = None,
        times: int | None = 1,
        after_effect: bool = False,
        is_transient: bool | None = None,
    ) -> InjectedError:
        """Answer an error for the next ``times`` matching calls (``after_effect``: after doing the work)."""
        inj = InjectedError(
            code, subcode, message, http_status, times, method, path, host, after_effect, is_transient
        )
        self.faults.injected.append(inj)
        return inj

    def inject_delay(
        self,
        seconds: float,
        *,
        method: str | None = None,
        path: str | re.Pattern[str] | None = None,
        host: str | None = None,
        times: int | None = 1,
        after_effect: bool = True,
    ) -> InjectedError:
        """Hold matching responses for ``seconds`` (real time), by default after doing the work.

        With a client timeout shorter than ``seconds`` this is the "unknown outcome" case: the call's
        effect (say, a publish) happened but the client never saw the answer.
        """
        inj = InjectedError(
            0, times=times, method=method, path=path, host=host, after_effect=after_effect, hang=seconds
        )
        self.faults.injected.append(inj)
        return inj

    def set_latency(self, seconds: float) -> None:
        """Delay every HTTP request by this many (real) seconds."""
        self.faults.latency = seconds

    def set_transient_error_rate(self, rate: float) -> None:
        """Answer code 1/2 transient errors for this fraction of Graph calls (seeded)."""
        self.faults.transient_rate = rate

    # -- tokens and throttling ---------------------------------------------------------------------

    def _tokens_of(self, what: Account | str) -> list[Token]:
        if isinstance(what, str):
            return [self.state.tokens[what]]
        subjects = {what.ig_user_id, what.fb_user_id, what.page_id} - {None}
        return [t for t in self.state.tokens.values() if t.subject in subjects and t.kind != "APP"]

    def revoke_token(self, what: Account | str) -> None:
        """Invalidate a token (or every token of an account) as if the app were deauthorized (190/458)."""
        for tok in self._tokens_of(what):
            tok.revoked = (
                458,
                f"Error validating access token: The user has not authorized application {self.app_id}.",
            )

    def expire_token(self, what: Account | str) -> None:
        """Make a token (or every token of an account) expire now (190/463)."""
        for tok in self._tokens_of(what):
            tok.expires_at = self.now()

    def change_password(self, acct: Account) -> None:
        """Invalidate every token of the account's person (190/460)."""
        for tok in self._tokens_of(acct):
            tok.revoked = (
                460,
                "Error validating access token: The session has been invalidated because the user "
                "changed their password or Facebook has changed the session for security reasons.",
            )

    def throttle(self, acct: Account, minutes: float = 60.0) -> None:
        """Make an account answer 80002 for the next ``minutes`` (on the emulator clock)."""
        acct.throttled_until = self.now() + minutes * 60

    def login_as(self, acct: Account) -> None:
        """Choose who approves the next login dialog (its Facebook person, or the IG account)."""
        if acct.login == FACEBOOK:
            self.dialog_fb_user_id = acct.fb_user_id
        else:
            self.dialog_ig_user_id = acct.ig_user_id

    # -- call log ----------------------------------------------------------------------------------

    @property
    def calls(self) -> list[CallRecord]:
        """Return every call record (HTTP requests and batch sub-requests)."""
        return self.log.records

    def find_calls(self, **filters: Any) -> list[CallRecord]:
        """Return call records matching filters (see ``CallLog.find``)."""
        return self.log.find(**filters)

    def count_calls(self, **filters: Any) -> int:
        """Count Graph calls the way Meta does: a batch counts as its sub-requests."""
        return self.log.count_calls(**filters)

    def count_http_requests(self, **filters: Any) -> int:
        """Count HTTP requests: a batch counts once."""
        return self.log.count_http_requests(**filters)

    @property
    def violations(self) -> list[str]:
        """Return protocol violations seen so far (unversioned or expired-version calls)."""
        return self.log.violations()

    def state_summary(self) -> dict[str, Any]:
        """Describe the accounts (ids and tokens) for humans and the control API."""
        return {
            "accounts": [
                {
                    "username": a.username,
                    "login": a.login,
                    "ig_user_id": a.ig_user_id,
                    "token": a.token,
                    "page_id": a.page_id,
                    "page_token": a.page_token,
                    "app_scoped_id": a.app_scoped_id,
                }
                for a in self.state.accounts.values()
                if not a.is_external
            ],
            "urls": vars(self.urls),
            "app_id": self.app_id,
            "instagram_app_id": self.instagram_app_id,
        }
