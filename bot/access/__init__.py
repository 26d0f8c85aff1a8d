"""Who may do what: roles per account, the check before every action, the audit log, and `/ig access`."""

from bot.access.authorize import Decision, authorize, record

__all__ = ["Decision", "authorize", "record"]
