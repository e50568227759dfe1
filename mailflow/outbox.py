"""Outgoing mail: queued with the change that caused it, then sent at most once.

A mail is rendered when it is queued, inside the same transaction as the state change,
under an idempotency key (applicant, template, occasion) the database keeps unique.
Sending marks the row ``sending`` and commits before handing it to the transport; a
row found still ``sending`` later (a crash mid-send) is never sent again by itself.
Past a daily cap of mails to one address, the rest wait in the queue for the next day:
whatever loop a rule or a correspondent's robot may start, it cannot flood anyone.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, timedelta
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from mailflow.errors import MailflowError
from mailflow.message import ParsedMail
from mailflow.storage.db import Database
from mailflow.storage.models import OutboxMail, utcnow
from mailflow.templating import MailTemplates
from mailflow.transports import Transport

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Sender:
    """Who mailflow's mails come from, and the domain of their Message-IDs."""

    address: str

    @property
    def domain(self) -> str:
        return self.address.rsplit("@", 1)[-1].strip(">").strip()


RETRY_DELAYS = (
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=6),
    timedelta(hours=12),
)


@dataclass
class Delivery:
    """What one round of sending did: the mails sent, and a line per failed attempt."""

    sent: list[OutboxMail] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def _after_failure(row: OutboxMail, exc: Exception) -> str:
    """Back in the queue for a later try, or ``failed`` once the last try is spent.

    The transport refused the mail, so it did not leave: trying again cannot send it twice.
    """
    row.attempts += 1
    row.error = str(exc)
    if row.attempts > len(RETRY_DELAYS):
        row.status, row.retry_at = "failed", None
        return f"mail {row.id} to {row.recipient} failed {row.attempts} times, gave up: {exc}"
    row.status, row.retry_at = "queued", utcnow() + RETRY_DELAYS[row.attempts - 1]
    return f"mail {row.id} to {row.recipient} not sent ({exc}); next try {row.retry_at:%H:%M} UTC"


class Outbox:
    """Renders mails into the queue and sends the queue: the one way mail leaves mailflow."""

    def __init__(
        self,
        templates: MailTemplates,
        sender: Sender,
        daily_cap: int = 5,
        uncapped: frozenset[str] = frozenset(),
    ) -> None:
        self.templates = templates
        self.sender = sender
        self.daily_cap = daily_cap
        self.uncapped = uncapped  # staff addresses: their notices are never held back

    def queue(
        self,
        session: Session,
        *,
        key: str,
        template: str,
        language: str,
        recipient: str,
        context: dict[str, Any],
        applicant_id: int | None = None,
        reply_to: ParsedMail | None = None,
    ) -> OutboxMail | None:
        """Render and queue a mail, unless one with the same key was ever queued."""
        if session.scalar(select(OutboxMail.id).where(OutboxMail.idempotency_key == key)):
            return None
        rendered = self.templates.render(template, language, context)
        row = OutboxMail(
            idempotency_key=key,
            applicant_id=applicant_id,
            template=template,
            language=language,
            recipient=recipient,
            subject=rendered.subject,
            body=rendered.body,
            message_id=make_msgid(domain=self.sender.domain),
            in_reply_to=reply_to.message_id if reply_to else None,
            references=(reply_to.thread_references or None) if reply_to else None,
            status="queued",
        )
        session.add(row)
        session.flush()
        return row

    def send_queued(self, database: Database, transport: Transport) -> Delivery:
        """Send every queued mail that is due; each outcome is committed on its own."""
        with database.transaction() as session:
            ids = session.scalars(
                select(OutboxMail.id)
                .where(
                    OutboxMail.status == "queued",
                    or_(OutboxMail.retry_at.is_(None), OutboxMail.retry_at <= utcnow()),
                )
                .order_by(OutboxMail.id)
            ).all()
        delivery = Delivery()
        for mail_id in ids:
            with database.transaction() as session:
                row = session.get_one(OutboxMail, mail_id)
                if row.status != "queued" or self._over_daily_cap(session, row):
                    continue
                row.status = "sending"
                message = self.build_message(row)
            try:
                transport.send(message)
            except (MailflowError, OSError) as exc:
                with database.transaction() as session:
                    delivery.problems.append(
                        _after_failure(session.get_one(OutboxMail, mail_id), exc)
                    )
                continue
            with database.transaction() as session:
                done = session.get_one(OutboxMail, mail_id)
                done.status, done.sent_at, done.retry_at = "sent", utcnow(), None
                delivery.sent.append(done)
        return delivery

    def _over_daily_cap(self, session: Session, row: OutboxMail) -> bool:
        """Whether the address already had its day's share; the mail then waits."""
        sent_today = session.scalar(
            select(func.count()).where(
                OutboxMail.recipient == row.recipient,
                OutboxMail.status == "sent",
                OutboxMail.sent_at >= utcnow() - timedelta(days=1),
            )
        )
        if row.recipient.lower() in self.uncapped or (sent_today or 0) < self.daily_cap:
            return False
        log.warning(
            "mail %s to %s waits: %d mails sent there in a day (cap)",
            row.id,
            row.recipient,
            sent_today,
        )
        return True

    def build_message(self, row: OutboxMail) -> EmailMessage:
        """The finished mail; every header value is ours or a validated address."""
        message = EmailMessage()
        message["From"] = self.sender.address
        message["To"] = Address(addr_spec=row.recipient)
        message["Subject"] = " ".join(row.subject.split())
        message["Date"] = format_datetime(row.created_at.replace(tzinfo=UTC))
        message["Message-ID"] = row.message_id
        if row.in_reply_to:
            message["In-Reply-To"] = row.in_reply_to
        if row.references:
            message["References"] = row.references
        message["Auto-Submitted"] = "auto-replied" if row.in_reply_to else "auto-generated"
        message.set_content(row.body)
        return message
