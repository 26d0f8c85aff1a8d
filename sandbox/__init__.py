"""Offline emulators of the Instagram Graph API and the Slack Web API."""
