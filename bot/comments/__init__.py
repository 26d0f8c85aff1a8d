"""Comments in Slack: webhook intake, processing, relay (with burst folding), actions and sync."""
