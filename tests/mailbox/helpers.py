"""Helpers of the mailbox tests: settings tables for the servers, small mails, lookups."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any

from sqlalchemy import select

from mailflow.app import Mailflow
from mailflow.demo import COURSE_ADDRESS
from mailflow.storage.models import RawMail
from mailflow.testing.dovecot import Dovecot, MailUser
from mailflow.testing.net import Certificate
from mailflow.testing.smtpd import SmtpServer

SMTP_USERS = {"course-smtp": "smtp pässword"}


def imap_mailbox(dovecot: Dovecot, user: MailUser, **overrides: Any) -> dict[str, Any]:
    """The [mailbox] table for a Dovecot account, plain on loopback unless overridden;
    an override of None removes the key."""
    table: dict[str, Any] = {
        "kind": "imap",
        "host": dovecot.host,
        "port": dovecot.port,
        "security": "none",
        "username": user.name,
        "password_env": "MAILFLOW_IMAP_PASSWORD",
        "folders": ["INBOX"],
    }
    table.update(overrides)
    return {key: value for key, value in table.items() if value is not None}


def smtp_section(server: SmtpServer, certificate: Certificate, **overrides: Any) -> dict[str, Any]:
    table: dict[str, Any] = {
        "host": "127.0.0.1",
        "port": server.port,
        "security": "starttls",
        "username": "course-smtp",
        "password_env": "MAILFLOW_SMTP_PASSWORD",
        "ca_file": str(certificate.cert),
        "envelope_from": "bounces@itcilo.example",
    }
    table.update(overrides)
    return table


def note(subject: str, sender: str = "someone@example.org", message_id: bool = True) -> bytes:
    """A small mail without a form: handled quickly, left for review."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = COURSE_ADDRESS
    message["Subject"] = subject
    if message_id:
        message["Message-ID"] = make_msgid(domain="example.org")
    message.set_content(f"About: {subject}\n")
    return message.as_bytes()


def ledger(flow: Mailflow) -> list[RawMail]:
    with flow.database.transaction() as session:
        return list(session.scalars(select(RawMail).order_by(RawMail.id)))


def folder_uids(dovecot: Dovecot, user: MailUser, folder: str) -> list[int]:
    with dovecot.client(user) as client:
        client.select_folder(folder, readonly=True)
        return list(client.search(["ALL"]))
