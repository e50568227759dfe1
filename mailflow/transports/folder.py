"""The embedded default transport: each outgoing mail becomes an .eml file in a folder."""

from __future__ import annotations

import os
import re
from email.message import EmailMessage
from pathlib import Path

from mailflow.errors import MailboxError


class FolderTransport:
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def send(self, message: EmailMessage) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        stem = re.sub(r"[^A-Za-z0-9.@-]+", "_", str(message["Message-ID"]).strip("<>"))
        path = self.folder / f"{stem}.eml"
        temporary = path.with_suffix(".tmp")
        temporary.write_bytes(message.as_bytes())
        os.replace(temporary, path)

    def check(self) -> str:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise MailboxError(f"outbox folder {self.folder} cannot be made: {exc}") from None
        if not os.access(self.folder, os.W_OK):
            raise MailboxError(f"outbox folder {self.folder} is not writable")
        return f"folder {self.folder} writable"
