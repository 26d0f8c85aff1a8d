"""Posts from Slack: parse and validate, store, publish exactly once through the scheduler, report."""
