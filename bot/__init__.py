"""igbot: run an Instagram account's daily work from Slack."""
