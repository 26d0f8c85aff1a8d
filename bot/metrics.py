"""Prometheus metrics on a registry of the app's own (no global registry)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge
from prometheus_client.core import CounterMetricFamily
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
        self.webhook_deliveries = Counter("igbot_webhook_deliveries", "Meta webhook deliveries, by result.",
                                          ["result"], registry=self.registry)
        self.webhook_changes = Counter("igbot_webhook_changes", "Webhook changes, by field and outcome: received, "
                                       "duplicate, or invalid (dropped for its shape, never stored).",
                                       ["field", "outcome"], registry=self.registry)
        self.comments_relayed = Counter("igbot_comments_relayed", "Comments and mentions queued for Slack, by "
                                        "account, kind and whether they were folded.",
                                        [ACCOUNT_LABEL, "kind", "folded"], registry=self.registry)
        self.comment_actions = Counter("igbot_comment_actions", "Reply, hide, unhide and delete attempts, by "
                                       "account, action and result.", [ACCOUNT_LABEL, "action", "result"],
                                       registry=self.registry)
        self.comments_synced = Counter("igbot_comments_synced", "Comments found by sync that no webhook "
                                       "delivered, by account.", [ACCOUNT_LABEL], registry=self.registry)
        self.digests_sent = Counter("igbot_digests_sent", "Digests queued for Slack, by kind (scheduled, manual) "
                                    "and where the chart went (inline, thread, none).", ["kind", "chart"],
                                    registry=self.registry)
        self.posts_published = Counter("igbot_posts_published", "Posts published, by type (image, carousel, "
                                       "reel, story).", ["kind"], registry=self.registry)
        self.posts_failed = Counter("igbot_posts_failed", "Posts that failed, by type.", ["kind"],
                                    registry=self.registry)
        self.failed_rows = Gauge("igbot_failed_rows", "Work set aside because processing it raised, by kind "
                                 "(inbox, comments, outbox, posts, digests); see `igbot failed list`.", ["kind"],
                                 registry=self.registry)
        self.accounts = Gauge("igbot_accounts", "Connected Instagram accounts, by status.", ["status"],
                              registry=self.registry)

    def watch_graph(self, counters) -> None:
        """Export the Graph client's counters (calls counted as Meta counts them, and HTTP requests)."""
        self.registry.register(_GraphCollector(counters))

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


class _GraphCollector:
    """Read the Graph client's CallCounters at scrape time."""

    def __init__(self, counters):
        self._counters = counters

    def describe(self):
        return []

    def collect(self):
        snap = self._counters.snapshot()
        calls = CounterMetricFamily("igbot_graph_calls", "Graph API calls (a batch counts each sub-request).")
        calls.add_metric([], snap["calls"])
        yield calls
        http = CounterMetricFamily("igbot_graph_http_requests", "HTTP requests sent to Meta.")
        http.add_metric([], snap["http_requests"])
        yield http
        retries = CounterMetricFamily("igbot_graph_retries", "Graph reads retried after a transient error.")
        retries.add_metric([], snap["retries"])
        yield retries
        per_account = CounterMetricFamily("igbot_graph_account_calls", "Graph calls per account.",
                                          labels=[ACCOUNT_LABEL])
        for account, count in snap["per_account"].items():
            per_account.add_metric([account], count)
        yield per_account
        per_endpoint = CounterMetricFamily("igbot_graph_endpoint_calls", "Graph calls per endpoint.",
                                           labels=["endpoint"])
        for name, count in snap["per_endpoint"].items():
            per_endpoint.add_metric([name], count)
        yield per_endpoint
        errors = CounterMetricFamily("igbot_graph_errors", "Graph errors by kind.", labels=["error"])
        for name, count in snap["errors"].items():
            errors.add_metric([name], count)
        yield errors
