"""Connecting Instagram accounts: links, OAuth flows, token lifecycle."""
