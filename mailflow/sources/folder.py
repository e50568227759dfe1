"""The embedded default mailbox: a folder of .eml files, for trying mailflow out.

New files are picked up; handled ones stay where they are and are recorded in the
ledger by file name, so the folder can be inspected after a run.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from mailflow.errors import MailboxError
from mailflow.ledger import IncomingMail
from mailflow.sources import AlreadySeen


class FolderSource:
    def __init__(self, folder: Path, account: str = "folder") -> None:
        self.folder = folder
        self.account = account

    def fetch_new(self, already_seen: AlreadySeen) -> Iterator[IncomingMail]:
        if not self.folder.is_dir():
            raise MailboxError(f"mailbox folder {self.folder} does not exist")
        for path in sorted(self.folder.glob("*.eml")):
            probe = IncomingMail(self.account, str(self.folder), "0", path.name, b"")
            if already_seen(probe):
                continue
            yield IncomingMail(self.account, str(self.folder), "0", path.name, path.read_bytes())

    def after_handling(self, mail: IncomingMail) -> None:
        """Handled files are left in place: the ledger remembers them."""

    def close(self) -> None:
        """Nothing to release: files are read as they are needed."""

    def check(self) -> str:
        if not self.folder.is_dir():
            raise MailboxError(f"mailbox folder {self.folder} does not exist")
        count = sum(1 for _ in self.folder.glob("*.eml"))
        return f"folder {self.folder} readable, {count} .eml file(s)"
