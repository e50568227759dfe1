"""Handling one recorded mail: classify it, read its form, turn it into a workflow event.

Intake decides what a mail is and whom it is about; what happens next is for the rules
(workflow/engine.py). Everything happens in the caller's transaction, so the ledger
status, the applicant, its history and the outbox rows are committed together or not at
all. What cannot be handled is left in the ledger with status ``review`` and why.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from mailflow.classify import (
    automatic_reply_reason,
    body_text,
    bounced_addresses,
    find_applicant,
    is_bounce,
    withdrawal_said,
)
from mailflow.course import Course
from mailflow.documents.reader import Document, applications, looks_like_document, read_form
from mailflow.documents.reading import FormReading
from mailflow.errors import DocumentError
from mailflow.message import ParsedMail, parse_mail
from mailflow.storage.models import (
    Applicant,
    FormReadingRecord,
    RawMail,
    ReviewItem,
    StateChange,
)
from mailflow.workflow.engine import Engine, Firing
from mailflow.workflow.events import Event

DATE_FIELDS = ("date_of_birth", "date_signed")
_NOT_FROM_FORM = ("id", "course", "state", "language", "created_at", "updated_at")
_WORKFLOW_COLUMNS = ("cost_sharing", "address_bad")
FORM_COLUMNS = tuple(
    column.name
    for column in Applicant.__table__.columns
    if column.name not in _NOT_FROM_FORM + _WORKFLOW_COLUMNS
)


@dataclass(frozen=True)
class Intake:
    """What handling a mail needs: the rule set (through the engine) and our addresses."""

    engine: Engine
    own_addresses: frozenset[str]

    def handle(
        self, session: Session, row: RawMail, now: datetime, sender: str | None = None
    ) -> list[Firing]:
        """Decide the fate of one ledger row; sets its status and reason.

        ``sender`` is the applicant's address when a person gives it (a fax without an
        address on the form): the mail is then handled as if it came from there.
        """
        raw = Path(row.stored_path).read_bytes()
        mail = parse_mail(raw)
        robot = automatic_reply_reason(mail, self.own_addresses)
        if robot:
            return self._automatic(session, row, raw, mail, robot, now)
        if sender:
            mail = replace(mail, sender=sender.lower())
        fax_gateway = self.engine.rules.workflow.fax_gateway
        fax = bool(fax_gateway) and mail.sender == fax_gateway
        found = self._find_form(mail)
        if not isinstance(found, str):
            return self._application(session, row, mail, found[0], found[1], fax, now)
        applicant = find_applicant(session, mail, by_sender=not fax)
        if applicant is None:
            put_in_review(session, row, found, now)
            return []
        said = withdrawal_said(mail, self.engine.rules.workflow.withdrawal_words)
        own = bool(applicant.email) and (mail.sender or "").lower() == applicant.email.lower()
        if said and not (said == "clear" and own and not fax):
            row.applicant_id = applicant.id
            why = (
                "the withdrawal comes from another address than the applicant's"
                if said == "clear"
                else "the mail mentions withdrawing but does not plainly say so"
            )
            put_in_review(
                session,
                row,
                f"{why} ({mail.sender or 'no sender'}, applicant {applicant.id} "
                f"<{applicant.email}>); if it is one: "
                "`mailflow review resolve N --as withdrawal`",
                now,
            )
            return []
        withdrawal = said == "clear"
        event = Event(
            name="withdrawal" if withdrawal else "unclear_mail",
            occasion=f"mail-{row.id}",
            cause=f"{'withdrawal' if withdrawal else 'mail without a form'} (mail {_name(row)})",
            raw_mail_id=row.id,
            reply_to=mail,
        )
        return self._fire(session, row, applicant, event, now)

    def _automatic(
        self,
        session: Session,
        row: RawMail,
        raw: bytes,
        mail: ParsedMail,
        robot: str,
        now: datetime,
    ) -> list[Firing]:
        """Never answered; a bounce marks the addresses it names as bad."""
        row.status, row.reason = "ignored", f"automatic mail, not answered ({robot})"
        if not is_bounce(mail):
            return []
        firings: list[Firing] = []
        addresses = bounced_addresses(raw)
        bounced = session.scalars(select(Applicant).where(Applicant.email.in_(addresses))).all()
        for applicant in bounced:
            applicant.address_bad = True
            event = Event(
                name="address_bounced",
                occasion=f"mail-{row.id}",
                cause=f"mail to {applicant.email} bounced (mail {_name(row)})",
                raw_mail_id=row.id,
            )
            firings += self.engine.fire(session, applicant, event, now)
            row.applicant_id = applicant.id
        if bounced:
            row.reason = f"bounce: marked {', '.join(a.email or '' for a in bounced)} as bad"
        return firings

    def _application(
        self,
        session: Session,
        row: RawMail,
        mail: ParsedMail,
        document: str,
        reading: FormReading,
        fax: bool,
        now: datetime,
    ) -> list[Firing]:
        rules = self.engine.rules
        spec = rules.forms[reading.form_id]
        course = rules.courses.get(spec.course)
        if course is None:
            put_in_review(session, row, f"form {spec.form_id} names an unknown course", now)
            return []
        on_form = reading.values().get("email")
        recipient = str(on_form) if on_form else (None if fax else mail.sender)
        if not recipient:
            why = "fax without an e-mail address on the form" if fax else "no e-mail address"
            put_in_review(session, row, why, now)
            return []
        applicant = self._applicant_for(session, course, recipient, reading, mail, fax, row, now)
        session.add(
            FormReadingRecord(
                applicant=applicant,
                raw_mail_id=row.id,
                attachment=document,
                form_id=reading.form_id,
                channel=reading.channel,
                fields=reading.to_json()["fields"],
                problems=reading.problems,
                read_at=now,
            )
        )
        earlier_address = applicant.email
        apply_values(applicant, reading)
        applicant.email = applicant.email or recipient
        if applicant.email != earlier_address:
            applicant.address_bad = False
        applicant.language = rules.workflow.language_for(
            applicant.mother_tongue, applicant.country, f"{mail.subject}\n{body_text(mail)}"
        )
        event = Event(
            name="form_received",
            occasion=f"mail-{row.id}",
            cause=f"form read from {document} ({reading.channel}, mail {_name(row)})",
            fields_in_doubt=tuple(reading.needing_review()),
            raw_mail_id=row.id,
            reply_to=mail,
        )
        return self._fire(session, row, applicant, event, now)

    def _applicant_for(
        self,
        session: Session,
        course: Course,
        email: str,
        reading: FormReading,
        mail: ParsedMail,
        fax: bool,
        row: RawMail,
        now: datetime,
    ) -> Applicant:
        """The applicant a form belongs to, else a new one.

        The same address in the same course is the same person only if the form names
        them: a training office sending several people's forms from one address makes
        one applicant per person. A form sent in our thread (or naming our reference)
        from another address belongs to that applicant only if it names the same person:
        a colleague's form forwarded by an applicant is a new application, not a change
        of address.
        """
        sharing = session.scalars(
            select(Applicant)
            .where(Applicant.course == course.code, Applicant.email == email)
            .order_by(Applicant.id)
        ).all()
        applicant = next((a for a in sharing if _same_person(a, reading, course)), None)
        if applicant is None and not sharing:
            threaded = find_applicant(session, mail, course.code, by_sender=False)
            if threaded is not None and _same_person(threaded, reading, course):
                applicant = threaded
        if applicant is None:
            applicant = Applicant(
                course=course.code, state=self.engine.rules.workflow.initial, email=email
            )
            session.add(applicant)
            session.flush()
            from_state, cause = None, "application form received"
        else:
            from_state, cause = applicant.state, "a newer form replaces the earlier one"
        session.add(
            StateChange(
                applicant_id=applicant.id,
                at=now,
                from_state=from_state,
                to_state=applicant.state,
                event="form_received",
                cause=f"{cause} ({'fax' if fax else 'mail'} {_name(row)})",
                raw_mail_id=row.id,
            )
        )
        return applicant

    def _fire(
        self, session: Session, row: RawMail, applicant: Applicant, event: Event, now: datetime
    ) -> list[Firing]:
        row.applicant_id = applicant.id
        firings = self.engine.fire(session, applicant, event, now)
        if not firings:
            why = f"{event.name}: no rule answers it in state {applicant.state}"
            put_in_review(session, row, why, now)
        else:
            row.status = "review" if any(f.needs_person for f in firings) else "processed"
            row.reason = f"{event.name}: {', '.join(f.rule.name for f in firings)}"
        return firings

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
                reading = read_form(group, self.engine.rules.forms)
            except DocumentError as exc:
                problems.append(str(exc))
                continue
            if reading is not None:
                return name, reading
            problems.append(f"{name}: no known application form in it")
        if not problems:
            return "no application form attached"
        return "; ".join(problems)


def put_in_review(session: Session, row: RawMail, reason: str, now: datetime) -> None:
    """Leave a mail for a person: its ledger status says so, and `mailflow review` lists it."""
    row.status, row.reason = "review", reason
    session.add(
        ReviewItem(applicant_id=row.applicant_id, raw_mail_id=row.id, reason=reason, created_at=now)
    )


def _same_person(applicant: Applicant, reading: FormReading, course: Course) -> bool:
    """Whether a form names this applicant (by family and first names, when both give one)."""
    if applicant.course != course.code:
        return False
    values = reading.values()
    for name in ("family_name", "first_names"):
        written, known = values.get(name), getattr(applicant, name)
        if written and known and _folded(str(written)) != _folded(known):
            return False
    return True


def _folded(name: str) -> str:
    """A name compared without case, accents or spacing (a form may be read either way)."""
    plain = unicodedata.normalize("NFKD", name.casefold())
    return " ".join("".join(c for c in plain if not unicodedata.combining(c)).split())


def _name(row: RawMail) -> str:
    return row.message_id or f"#{row.id}"


def apply_values(applicant: Applicant, reading: FormReading) -> None:
    """The newer form wins: every form column takes the value read with confidence, or none."""
    values = reading.values()
    for name in FORM_COLUMNS:
        value = values.get(name)
        is_date = name in DATE_FIELDS and isinstance(value, str)
        setattr(applicant, name, date.fromisoformat(str(value)) if is_date else value)
