"""Slack listeners and the Instagram webhook route: the thin edge of igbot."""
