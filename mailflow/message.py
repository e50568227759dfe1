"""An incoming mail taken apart: the headers mailflow needs and the attached documents."""

from __future__ import annotations

from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import getaddresses, parseaddr


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class ParsedMail:
    """The parts of a mail the workflow looks at; everything else stays in the raw copy."""

    message_id: str | None
    sender: str | None
    subject: str
    in_reply_to: str | None
    references: tuple[str, ...]
    headers: EmailMessage
    attachments: tuple[Attachment, ...]

    @property
    def thread_references(self) -> str:
        """The References header of a reply to this mail (RFC 5322 section 3.6.4)."""
        chain = [*self.references, *([self.message_id] if self.message_id else [])]
        return " ".join(chain)


def parse_mail(raw: bytes) -> ParsedMail:
    """Parse leniently: a malformed header never stops the mail from being handled."""
    message = BytesParser(policy=policy.default).parsebytes(raw)
    assert isinstance(message, EmailMessage)
    return ParsedMail(
        message_id=_header(message, "Message-ID"),
        sender=_address(message, "Reply-To") or _address(message, "From"),
        subject=_header(message, "Subject") or "",
        in_reply_to=_header(message, "In-Reply-To"),
        references=tuple((_header(message, "References") or "").split()),
        headers=message,
        attachments=tuple(_attachments(message)),
    )


def _header(message: EmailMessage, name: str) -> str | None:
    try:
        value = message.get(name)
    except (ValueError, IndexError):  # a header the parser cannot make sense of
        value = message.get_all(name, failobj=[None])[0]
    return " ".join(str(value).split()) if value is not None else None


def _address(message: EmailMessage, name: str) -> str | None:
    value = _header(message, name)
    if not value:
        return None
    addresses = [addr for _, addr in getaddresses([value]) if "@" in addr]
    return addresses[0].lower() if addresses else parseaddr(value)[1].lower() or None


def _attachments(message: EmailMessage) -> list[Attachment]:
    found = []
    for part in message.walk():
        if part.is_multipart():
            continue
        filename = part.get_filename()
        if not filename and part.get_content_maintype() in ("text", "multipart"):
            continue
        data = part.get_payload(decode=True)
        if isinstance(data, bytes):
            found.append(Attachment(filename or "unnamed", part.get_content_type(), data))
    return found
