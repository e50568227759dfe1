"""Mails as applicants send them: a short note with the filled form attached."""

from __future__ import annotations

from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

# When generated mails are sent: within the seeded course's application period.
SENT_AT = datetime(2009, 6, 1, 9, 30, tzinfo=UTC)


def application_mail(
    sender: str,
    to: str,
    attachment: bytes,
    *,
    sender_name: str = "",
    filename: str = "application-form.pdf",
    subject: str = "Application A901357",
    body: str = "Dear Madam, dear Sir,\n\nPlease find attached my application form.\n",
    headers: dict[str, str] | None = None,
    more_attachments: tuple[tuple[str, bytes], ...] = (),
) -> bytes:
    """An applicant's mail; ``more_attachments`` (file name, bytes) follow the first, as
    the further pages a scanner or phone makes one file each."""
    message = EmailMessage()
    message["From"] = f"{sender_name} <{sender}>" if sender_name else sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(SENT_AT)
    message["Message-ID"] = make_msgid(domain=sender.rsplit("@", 1)[-1])
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(body)
    for name, data in ((filename, attachment), *more_attachments):
        maintype, subtype = (
            ("application", "pdf") if data.startswith(b"%PDF") else ("application", "octet-stream")
        )
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return message.as_bytes()
