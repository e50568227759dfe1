"""What the cycle promises whatever the mailbox: a crash loses nothing, a broken mailbox
does not stop the outbox, a second worker waits its turn."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import select

from mailflow.app import Mailflow
from mailflow.cycle import run_cycle
from mailflow.errors import MailboxError
from mailflow.ledger import IncomingMail, record
from mailflow.storage.models import OutboxMail, RawMail


def test_a_mail_left_queued_by_a_crash_is_handled_by_the_next_cycle(
    flow: Mailflow,
    people,
    deliver,  # type: ignore[no-untyped-def]
) -> None:
    (person,) = people(1)
    path = deliver(person)
    mail = IncomingMail(flow.source.account, str(path.parent), "0", path.name, path.read_bytes())
    with flow.database.transaction() as session:
        record(session, flow.store, mail)  # recorded, then the worker died

    report = run_cycle(flow)

    assert report.by_status == {"processed": 1}
    with flow.database.transaction() as session:
        assert session.scalars(select(RawMail.status)).all() == ["processed"]
        assert len(session.scalars(select(OutboxMail)).all()) == 1


class BrokenMailbox:
    """A mailbox whose server went away after the first mail."""

    def __init__(self, inner, account: str) -> None:  # type: ignore[no-untyped-def]
        self.inner, self.account = inner, account

    def fetch_new(self, already_seen) -> Iterator[IncomingMail]:  # type: ignore[no-untyped-def]
        for mail in self.inner.fetch_new(already_seen):
            yield mail
            raise MailboxError("IMAP imap.centre.example: connection lost")

    def after_handling(self, mail: IncomingMail) -> None:
        self.inner.after_handling(mail)

    def close(self) -> None:
        self.inner.close()

    def check(self) -> str:
        return self.inner.check()


def test_a_mailbox_failure_is_reported_and_queued_mail_still_goes_out(
    flow: Mailflow,
    workdir: Path,
    people,
    deliver,  # type: ignore[no-untyped-def]
) -> None:
    for person in people(2):
        deliver(person)
    flow.source = BrokenMailbox(flow.source, flow.source.account)

    report = run_cycle(flow)

    assert report.received == 1
    assert report.errors == ["IMAP imap.centre.example: connection lost"]
    assert len(report.sent) == 1
    assert len(list((workdir / "outbox").glob("*.eml"))) == 1
