"""Where mail comes from: one protocol, one module per kind of mailbox."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Protocol

from mailflow.ledger import IncomingMail

AlreadySeen = Callable[[IncomingMail], bool]


class MailSource(Protocol):
    """A mailbox that hands over new mails and is told when one has been handled."""

    account: str

    def fetch_new(self, already_seen: AlreadySeen) -> Iterator[IncomingMail]:
        """Mails not yet taken in; ``already_seen`` asks the ledger about one."""
        ...

    def after_handling(self, mail: IncomingMail) -> None:
        """Called once the outcome of a mail is committed (move, flag, or nothing)."""
        ...

    def close(self) -> None:
        """End of a cycle: release the connection, if any."""
        ...

    def check(self) -> str:
        """Log in and look at the folders; say what works, or raise MailboxError."""
        ...
