"""Helpers of the workflow tests: edit staff files, run cycles at a time, make mails."""

from __future__ import annotations

from datetime import datetime
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

from sqlalchemy import select

from mailflow.app import Mailflow
from mailflow.cycle import CycleReport, run_cycle
from mailflow.samplegen.people import Person
from mailflow.storage.models import Applicant, OutboxMail

COURSE_ADDRESS = "a901357@itcilo.example"


def edit(path: Path, old: str, new: str) -> None:
    """Change a staff file as a course assistant would: replace one piece of text."""
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def cycle(flow: Mailflow, when: str) -> CycleReport:
    """One worker cycle at a UTC time written ``2009-06-01 09:00``."""
    return run_cycle(flow, datetime.fromisoformat(when))


def person(base: Person, **written: str) -> Person:
    """The same generated person with some fields written differently."""
    return Person(written={**base.written, **written}, truth=base.truth)


def plain_mail(sender: str, subject: str, body: str, **headers: str) -> bytes:
    """A mail without attachment, as a person (or a mail server) writes one."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = COURSE_ADDRESS
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain=sender.rsplit("@", 1)[-1])
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(body)
    return message.as_bytes()


def mails(flow: Mailflow) -> list[OutboxMail]:
    with flow.database.transaction() as session:
        return list(session.scalars(select(OutboxMail).order_by(OutboxMail.id)))


def applicant(flow: Mailflow, email: str) -> Applicant:
    with flow.database.transaction() as session:
        found = session.scalars(select(Applicant).where(Applicant.email == email)).all()
        assert len(found) == 1, f"{len(found)} applicants with {email}"
        found[0].history  # noqa: B018  (loaded while the session is open)
        found[0].readings  # noqa: B018
        return found[0]
