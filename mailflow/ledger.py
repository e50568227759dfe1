"""Intake: every mail is stored raw and recorded before anything else happens to it.

The raw copy is content-addressed (its SHA-256 names the file), so storing the same
mail twice costs nothing and nothing received is ever lost, whatever happens later.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from mailflow.message import parse_mail
from mailflow.storage.models import RawMail


@dataclass(frozen=True)
class IncomingMail:
    """A mail as a source hands it over, with where it was found.

    A source asking ``already_seen`` before downloading passes an empty ``raw`` and,
    when the location alone cannot decide (first contact with a folder, or UIDVALIDITY
    changed), the mail's ``message_id``.
    """

    account: str
    folder: str
    uidvalidity: str
    uid: str
    raw: bytes
    message_id: str | None = None


class RawMailStore:
    """Raw mails on disk, one file per distinct content."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def save(self, raw: bytes) -> tuple[str, Path]:
        digest = hashlib.sha256(raw).hexdigest()
        path = self.root / digest[:2] / f"{digest}.eml"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            # a temporary name of its own: two workers may store the same mail at once
            handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
            with os.fdopen(handle, "wb") as file:
                file.write(raw)
            os.replace(temporary, path)  # never leave a half-written mail under its real name
        return digest, path


def is_recorded(session: Session, mail: IncomingMail) -> bool:
    """Whether this mail was already taken in from this account.

    Its location decides first; the Message-ID and the content hash (both indexed)
    recognise it under a new location, after a UIDVALIDITY change or a folder rebuilt.
    """
    same_account = RawMail.account == mail.account
    at_location = select(RawMail.id).where(
        same_account,
        RawMail.folder == mail.folder,
        RawMail.uidvalidity == mail.uidvalidity,
        RawMail.uid == mail.uid,
    )
    if session.scalar(at_location) is not None:
        return True
    if mail.message_id:
        by_id = select(RawMail.id).where(same_account, RawMail.message_id == mail.message_id)
        if session.scalar(by_id.limit(1)) is not None:
            return True
    if mail.raw:
        digest = hashlib.sha256(mail.raw).hexdigest()
        by_hash = select(RawMail.id).where(same_account, RawMail.sha256 == digest)
        return session.scalar(by_hash.limit(1)) is not None
    return False


def record(session: Session, store: RawMailStore, mail: IncomingMail) -> RawMail:
    """Store the raw mail and write its ledger row as ``queued``."""
    digest, path = store.save(mail.raw)
    try:
        parsed = parse_mail(mail.raw)
        message_id, sender, subject = parsed.message_id, parsed.sender, parsed.subject
    except Exception:  # the raw copy is safe; the handling step reports the damage
        message_id = sender = subject = None
    row = RawMail(
        account=mail.account,
        folder=mail.folder,
        uidvalidity=mail.uidvalidity,
        uid=mail.uid,
        message_id=message_id,
        sha256=digest,
        stored_path=str(path),
        sender=sender,
        subject=subject,
        status="queued",
    )
    session.add(row)
    session.flush()
    return row
