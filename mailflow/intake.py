"""Handling one recorded mail: classify it, read its form, update the applicant, answer.

Everything here happens in the caller's transaction, so the ledger status, the
applicant, its history and the outbox rows it queues are committed together or not
at all. What cannot be handled is left in the ledger with status ``review`` and why.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from mailflow.classify import automatic_reply_reason
from mailflow.course import Course
from mailflow.documents.formspec import FormSpec
from mailflow.documents.reader import Document, applications, looks_like_document, read_form
from mailflow.documents.reading import FormReading
from mailflow.errors import DocumentError
from mailflow.message import ParsedMail, parse_mail
from mailflow.outbox import Outbox
from mailflow.storage.models import Applicant, FormReadingRecord, RawMail, StateChange

DATE_FIELDS = ("date_of_birth", "date_signed")


@dataclass(frozen=True)
class Intake:
    """What handling a mail needs: the forms, the courses, and the outbox."""

    forms: Mapping[str, FormSpec]
    courses: Mapping[str, Course]
    outbox: Outbox
    own_addresses: frozenset[str]

    def handle(self, session: Session, row: RawMail) -> None:
        """Decide the fate of one ledger row; sets its status and reason."""
        mail = parse_mail(Path(row.stored_path).read_bytes())
        robot = automatic_reply_reason(mail, self.own_addresses)
        if robot:
            row.status, row.reason = "ignored", f"automatic mail, not answered ({robot})"
            return
        found = self._find_form(mail)
        if isinstance(found, str):
            row.status, row.reason = "review", found
            return
        attachment_name, reading = found
        spec = self.forms[reading.form_id]
        course = self.courses.get(spec.course)
        if course is None:
            row.status, row.reason = (
                "review",
                f"form {spec.form_id} names unknown course {spec.course}",
            )
            return
        recipient = _address_of(reading) or mail.sender
        if not recipient:
            row.status, row.reason = "review", "no e-mail address on the form or the mail"
            return
        applicant = self._applicant_for(session, course, recipient, reading, row)
        session.add(
            FormReadingRecord(
                applicant=applicant,
                raw_mail_id=row.id,
                attachment=attachment_name,
                form_id=reading.form_id,
                channel=reading.channel,
                fields=reading.to_json()["fields"],
                problems=reading.problems,
            )
        )
        self.outbox.queue(
            session,
            key=f"applicant:{applicant.id}:acknowledgement:application",
            template="acknowledgement",
            language=applicant.language,
            recipient=recipient,
            context=mail_context(applicant, course),
            applicant_id=applicant.id,
            reply_to=mail,
        )
        row.applicant_id = applicant.id
        row.status, row.reason = "processed", f"application form read ({reading.channel})"

    def _find_form(self, mail: ParsedMail) -> tuple[str, FormReading] | str:
        """The first attachment(s) holding a known form, named, or why there is none.

        Each PDF is read on its own; the page images of one mail are the pages of one
        application, in the order they were attached (see ``applications``).
        """
        documents = [
            Document(attachment.filename or f"attachment {number}", attachment.data)
            for number, attachment in enumerate(mail.attachments, start=1)
            if looks_like_document(attachment.filename, attachment.content_type, attachment.data)
        ]
        problems = []
        for group in applications(documents):
            name = ", ".join(document.name for document in group)
            try:
                reading = read_form(group, self.forms)
            except DocumentError as exc:
                problems.append(str(exc))
                continue
            if reading is not None:
                return name, reading
            problems.append(f"{name}: no known application form in it")
        if not problems:
            return "no application form attached"
        return "; ".join(problems)

    def _applicant_for(
        self, session: Session, course: Course, email: str, reading: FormReading, row: RawMail
    ) -> Applicant:
        """The applicant this form belongs to, created or updated with its values."""
        applicant = session.scalar(
            select(Applicant).where(Applicant.course == course.code, Applicant.email == email)
        )
        if applicant is None:
            applicant = Applicant(course=course.code, state="received", email=email)
            session.add(applicant)
            event, cause, from_state = "form received", "application form received", None
        else:
            event, cause, from_state = (
                "form received",
                "a newer form replaces the earlier one",
                applicant.state,
            )
        apply_values(applicant, reading)
        session.flush()
        session.add(
            StateChange(
                applicant_id=applicant.id,
                from_state=from_state,
                to_state=applicant.state,
                event=event,
                cause=f"{cause} (mail {row.message_id or row.uid})",
                raw_mail_id=row.id,
            )
        )
        return applicant


def _address_of(reading: FormReading) -> str | None:
    value = reading.values().get("email")
    return str(value) if value else None


def apply_values(applicant: Applicant, reading: FormReading) -> None:
    """Copy the values read with confidence onto the applicant's columns."""
    for name, value in reading.values().items():
        if not hasattr(Applicant, name):
            continue
        if name in DATE_FIELDS and isinstance(value, str):
            setattr(applicant, name, date.fromisoformat(value))
        else:
            setattr(applicant, name, value)


def mail_context(applicant: Applicant, course: Course) -> dict[str, Any]:
    """What a template may use: the applicant and the course facts."""
    return {"applicant": applicant, "course": course}
