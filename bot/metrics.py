"""Prometheus metrics on a registry of the app's own (no global registry)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge
from prometheus_client.exposition import generate_latest

ACCOUNT_LABEL = "account"


class Metrics:
    """The counters and gauges igbot exports at /metrics."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.http_requests = Counter("igbot_http_requests", "HTTP requests served, by route and status.",
                                     ["route", "status"], registry=self.registry)
        self.slack_commands = Counter("igbot_slack_commands", "Slash commands received, by subcommand.",
                                      ["subcommand"], registry=self.registry)
        self.digests_sent = Counter("igbot_digests_sent", "Digests queued for Slack, by kind (scheduled, manual) "
                                    "and where the chart went (inline, thread, none).", ["kind", "chart"],
                                    registry=self.registry)
        self.accounts = Gauge("igbot_accounts", "Connected Instagram accounts, by status.", ["status"],
                              registry=self.registry)

    def render(self, *, include_accounts: bool) -> bytes:
        """Return the text exposition; without per-account series unless allowed."""
        if include_accounts:
            return generate_latest(self.registry)
        return generate_latest(_WithoutAccounts(self.registry))


class _WithoutAccounts:
    """A registry view that drops every sample labelled with an account."""

    def __init__(self, registry: CollectorRegistry):
        self._registry = registry

    def collect(self):
        for family in self._registry.collect():
            family.samples = [s for s in family.samples if ACCOUNT_LABEL not in s.labels]
            yield family
