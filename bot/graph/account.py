"""The account a Graph call is made for, and the priority of the call."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Literal

Login = Literal["facebook", "instagram"]


class Priority(enum.Enum):
    """Who is waiting for a call: a person (Reply, Hide, Publish now) or background work (sync, digests)."""

    PERSON = "person"
    BACKGROUND = "background"


@dataclass(frozen=True)
class GraphAccount:
    """An Instagram account as the client needs it: whose budget a call spends, its host and token."""

    id: str  # igbot's key for the account (its ig_user_id)
    ig_user_id: str
    login: Login
    token: str = field(repr=False)
    page_id: str | None = None
    username: str | None = None  # only used in sentences for people

    @property
    def label(self) -> str:
        """Name the account for people ("@shop" or "account 1784…")."""
        return f"@{self.username}" if self.username else f"account {self.ig_user_id}"
