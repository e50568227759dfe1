"""Where outgoing mail goes: one protocol, one module per kind of transport."""

from __future__ import annotations

from email.message import EmailMessage
from typing import Protocol


class Transport(Protocol):
    def send(self, message: EmailMessage) -> None:
        """Deliver one finished message, or raise MailboxError."""
        ...

    def check(self) -> str:
        """Log in without sending; say what works, or raise MailboxError."""
        ...
