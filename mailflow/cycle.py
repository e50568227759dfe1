"""One poll cycle: take in new mail, handle each, then send what was queued.

The whole cycle holds the worker lock, so a second worker or an overlapping run skips
its turn. Inside it every mail is recorded (``queued``) in a transaction of its own
before it is handled in another; the ledger's unique location is the last guard, as
a mail someone else recorded first cannot be recorded again. A mail left ``queued``
by a crash is handled at the start of the next cycle.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from mailflow.app import Mailflow
from mailflow.errors import MailboxError
from mailflow.ledger import IncomingMail, is_recorded, record
from mailflow.storage.models import OutboxMail, RawMail

log = logging.getLogger(__name__)


@dataclass
class CycleReport:
    received: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    sent: list[OutboxMail] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    skipped: bool = False  # another worker held the lock

    def count(self, status: str) -> None:
        self.received += 1
        self.by_status[status] = self.by_status.get(status, 0) + 1


def run_cycle(flow: Mailflow) -> CycleReport:
    """Poll once, unless another worker is polling right now."""
    report = CycleReport()
    with flow.lock.hold() as held:
        if not held:
            report.skipped = True
            return report
        try:
            _take_in(flow, report)
        except MailboxError as exc:  # recorded mails are safe; what is queued still goes
            log.error("%s", exc)
            report.errors.append(str(exc))
        finally:
            flow.source.close()
        report.sent = list(flow.outbox.send_queued(flow.database, flow.transport))
    return report


def _take_in(flow: Mailflow, report: CycleReport) -> None:
    for mail, row_id in _left_queued(flow):
        _handle(flow, report, mail, row_id)

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
        _handle(flow, report, mail, row_id)


def _handle(flow: Mailflow, report: CycleReport, mail: IncomingMail, row_id: int) -> None:
    with flow.database.transaction() as session:
        report.count(handle_recorded(flow, session, row_id))
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


def handle_recorded(flow: Mailflow, session: Session, row_id: int) -> str:
    """Handle one recorded mail; a failure leaves it in review with the reason."""
    row = session.get_one(RawMail, row_id)
    savepoint = session.begin_nested()
    try:
        flow.intake.handle(session, row)
        savepoint.commit()
    except Exception as exc:  # one bad mail must never stop the worker
        savepoint.rollback()
        log.exception("mail %s could not be handled", row.message_id or row.uid)
        row.status, row.reason = "review", f"could not be handled: {exc}"
    return row.status
