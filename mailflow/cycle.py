"""One poll cycle: take in new mail, handle each, then send what was queued."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from mailflow.app import Mailflow
from mailflow.ledger import IncomingMail, is_recorded, record
from mailflow.storage.models import OutboxMail, RawMail

log = logging.getLogger(__name__)


@dataclass
class CycleReport:
    received: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    sent: list[OutboxMail] = field(default_factory=list)


def run_cycle(flow: Mailflow) -> CycleReport:
    """Poll once. Each mail is recorded, then handled in a transaction of its own."""
    report = CycleReport()

    def already_seen(mail: IncomingMail) -> bool:
        with flow.database.transaction() as session:
            return is_recorded(session, mail)

    for mail in flow.source.fetch_new(already_seen):
        with flow.database.transaction() as session:
            row_id = record(session, flow.store, mail).id
        with flow.database.transaction() as session:
            status = handle_recorded(flow, session, row_id)
        report.received += 1
        report.by_status[status] = report.by_status.get(status, 0) + 1
        flow.source.after_handling(mail)
    report.sent = list(flow.outbox.send_queued(flow.database, flow.transport))
    return report


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
