"""One poll cycle: take in new mail, handle each, run due reminders, send what was queued.

The whole cycle holds the worker lock, so a second worker or an overlapping run skips
its turn. Inside it every mail is recorded (``queued``) in a transaction of its own
before it is handled in another; the ledger's unique location is the last guard, as
a mail someone else recorded first cannot be recorded again. A mail left ``queued``
by a crash is handled at the start of the next cycle.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from mailflow.app import Mailflow
from mailflow.errors import MailboxError
from mailflow.intake import put_in_review
from mailflow.ledger import IncomingMail, is_recorded, record
from mailflow.storage.models import OutboxMail, RawMail, utcnow
from mailflow.workflow.engine import Firing
from mailflow.workflow.reminders import run_reminders

log = logging.getLogger(__name__)


@dataclass
class CycleReport:
    received: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    reminders: list[Firing] = field(default_factory=list)
    sent: list[OutboxMail] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # the mailbox could not be read
    send_problems: list[str] = field(default_factory=list)  # mails that did not leave
    skipped: bool = False  # another worker held the lock

    def count(self, status: str) -> None:
        self.received += 1
        self.by_status[status] = self.by_status.get(status, 0) + 1


def run_cycle(flow: Mailflow, now: datetime | None = None) -> CycleReport:
    """Poll once, unless another worker is polling right now.

    ``now`` (naive UTC) is the time the workflow sees; tests pass their own clock.
    The staff files are reloaded first, so an edit takes effect (or is refused) here.
    """
    now = now or utcnow()
    report = CycleReport()
    with flow.lock.hold() as held:
        if not held:
            report.skipped = True
            return report
        flow.reload_rules()
        try:
            _take_in(flow, report, now)
        except MailboxError as exc:  # recorded mails are safe; what is queued still goes
            log.error("%s", exc)
            report.errors.append(str(exc))
        finally:
            flow.source.close()
        with flow.database.transaction(writing=True) as session:
            report.reminders = run_reminders(session, flow.engine, now)
        delivery = flow.outbox.send_queued(flow.database, flow.transport)
        report.sent, report.send_problems = delivery.sent, delivery.problems
    return report


def _take_in(flow: Mailflow, report: CycleReport, now: datetime) -> None:
    for mail, row_id in _left_queued(flow):
        _handle(flow, report, mail, row_id, now)

    def already_seen(mail: IncomingMail) -> bool:
        with flow.database.transaction() as session:
            return is_recorded(session, mail)

    for mail in flow.source.fetch_new(already_seen):
        try:
            with flow.database.transaction() as session:
                row_id = record(session, flow.store, mail).id
        except IntegrityError:
            log.warning("mail %s/%s was taken in by another worker", mail.folder, mail.uid)
            continue
        _handle(flow, report, mail, row_id, now)


def _handle(
    flow: Mailflow, report: CycleReport, mail: IncomingMail, row_id: int, now: datetime
) -> None:
    with flow.database.transaction(writing=True) as session:
        report.count(handle_recorded(flow, session, row_id, now))
    if mail.account == flow.source.account:
        flow.source.after_handling(mail)


def _left_queued(flow: Mailflow) -> list[tuple[IncomingMail, int]]:
    """Mails recorded by an earlier cycle that stopped before handling them."""
    with flow.database.transaction() as session:
        rows = session.scalars(
            select(RawMail).where(RawMail.status == "queued").order_by(RawMail.id)
        ).all()
        return [
            (IncomingMail(row.account, row.folder, row.uidvalidity, row.uid, b""), row.id)
            for row in rows
        ]


def handle_recorded(flow: Mailflow, session: Session, row_id: int, now: datetime) -> str:
    """Handle one recorded mail; a failure leaves it in review with the reason."""
    row = session.get_one(RawMail, row_id)
    savepoint = session.begin_nested()
    try:
        flow.intake.handle(session, row, now)
        savepoint.commit()
    except Exception as exc:  # one bad mail must never stop the worker
        savepoint.rollback()
        log.exception("mail %s could not be handled", row.message_id or row.uid)
        put_in_review(session, row, f"could not be handled: {exc}", now)
    return row.status
