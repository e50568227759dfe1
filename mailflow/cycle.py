"""One poll cycle: take in new mail, handle each, run due reminders, send what was queued."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from mailflow.app import Mailflow
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


def run_cycle(flow: Mailflow, now: datetime | None = None) -> CycleReport:
    """Poll once. Each mail is recorded, then handled in a transaction of its own.

    ``now`` (naive UTC) is the time the workflow sees; tests pass their own clock.
    The staff files are reloaded first, so an edit takes effect (or is refused) here.
    """
    now = now or utcnow()
    flow.reload_rules()
    report = CycleReport()

    def already_seen(mail: IncomingMail) -> bool:
        with flow.database.transaction() as session:
            return is_recorded(session, mail)

    for mail in flow.source.fetch_new(already_seen):
        with flow.database.transaction() as session:
            row_id = record(session, flow.store, mail).id
        with flow.database.transaction() as session:
            status = handle_recorded(flow, session, row_id, now)
        report.received += 1
        report.by_status[status] = report.by_status.get(status, 0) + 1
        flow.source.after_handling(mail)
    with flow.database.transaction() as session:
        report.reminders = run_reminders(session, flow.engine, now)
    report.sent = list(flow.outbox.send_queued(flow.database, flow.transport))
    return report


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
