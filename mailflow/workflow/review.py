"""What needs a person: open review items, with what the form reader saw, and resolving them.

Resolving an item may correct values on the applicant (a date read in doubt, say) and
then hands the workflow a ``review_resolved`` event, so the rules decide what follows;
or say whose a mail is, which is then handled again as theirs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from mailflow.documents.normalize import Hints, normalize_email
from mailflow.errors import MailflowError
from mailflow.intake import FORM_COLUMNS, Intake
from mailflow.message import parse_mail
from mailflow.storage.models import Applicant, FormReadingRecord, RawMail, ReviewItem
from mailflow.workflow.engine import Firing
from mailflow.workflow.events import Event

# What a person may say a reviewed mail was; the staff decisions have their own commands.
RESOLVING_EVENTS = ("review_resolved", "withdrawal")


@dataclass(frozen=True)
class FieldSeen:
    name: str
    value: Any
    confidence: float
    status: str


@dataclass(frozen=True)
class ReviewEntry:
    item: ReviewItem
    applicant: Applicant | None
    mail: RawMail | None
    fields: list[FieldSeen]


def open_items(session: Session) -> list[ReviewEntry]:
    """Every open item, oldest first, with the latest form reading of its applicant."""
    items = session.scalars(
        select(ReviewItem).where(ReviewItem.status == "open").order_by(ReviewItem.id)
    ).all()
    entries = []
    for item in items:
        applicant = session.get(Applicant, item.applicant_id) if item.applicant_id else None
        mail = session.get(RawMail, item.raw_mail_id) if item.raw_mail_id else None
        entries.append(ReviewEntry(item, applicant, mail, _latest_fields(session, applicant)))
    return entries


def _latest_fields(session: Session, applicant: Applicant | None) -> list[FieldSeen]:
    if applicant is None:
        return []
    reading = session.scalars(
        select(FormReadingRecord)
        .where(FormReadingRecord.applicant_id == applicant.id)
        .order_by(FormReadingRecord.id.desc())
    ).first()
    if reading is None:
        return []
    return [
        FieldSeen(name, seen.get("value"), float(seen.get("confidence", 0)), seen.get("status"))
        for name, seen in reading.fields.items()
    ]


def resolve(
    session: Session,
    intake: Intake,
    item_id: int,
    values: dict[str, str],
    note: str,
    now: datetime,
    event_name: str = "review_resolved",
) -> list[Firing]:
    """Close an item; the rules then act on what the person decided.

    For an applicant, ``values`` correct their fields and an event follows:
    ``review_resolved``, or the one the person names (a mail read as a ``withdrawal``),
    answered in the thread of the item's mail. For a mail nobody could be found for,
    ``email`` names the applicant's address (a fax without one, say) and the mail is
    handled again as theirs; without ``email`` it is handled again as it came (the
    course its form names now exists, say), and refused while it still cannot be.
    """
    if event_name not in RESOLVING_EVENTS:
        raise MailflowError(f"event {event_name!r}; write one of {', '.join(RESOLVING_EVENTS)}")
    item = session.get(ReviewItem, item_id)
    if item is None or item.status != "open":
        raise MailflowError(f"no open review item {item_id}; see `mailflow review`")
    item.status, item.resolution, item.resolved_at = "resolved", note or "resolved", now
    if item.applicant_id is None:
        return _handle_again(session, intake, item, values, now)
    applicant = session.get_one(Applicant, item.applicant_id)
    for name, text in values.items():
        setattr(applicant, name, _typed(name, text))
    changed = ", ".join(f"{k}={v}" for k, v in values.items())
    mail = session.get(RawMail, item.raw_mail_id) if item.raw_mail_id else None
    event = Event(
        name=event_name,
        occasion=f"review-{item_id}",
        cause=f"review item {item_id} resolved" + (f" ({changed})" if changed else ""),
        raw_mail_id=item.raw_mail_id,
        reply_to=parse_mail(Path(mail.stored_path).read_bytes()) if mail else None,
        reason=note,
    )
    return intake.engine.fire(session, applicant, event, now)


def _handle_again(
    session: Session, intake: Intake, item: ReviewItem, values: dict[str, str], now: datetime
) -> list[Firing]:
    if not values:
        return _handle_mail_again(session, intake, item, now)
    if set(values) != {"email"} or item.raw_mail_id is None:
        raise MailflowError(
            f"review item {item.id} is a mail without an applicant: only --set email=ADDRESS "
            "(whose mail it is) can be given"
        )
    address = normalize_email(values["email"], Hints())
    if not address.ok or not address.value:
        raise MailflowError(f"--set email={values['email']!r}: {address.note or 'empty'}")
    row = session.get_one(RawMail, item.raw_mail_id)
    return intake.handle(session, row, now, sender=str(address.value))


def _handle_mail_again(
    session: Session, intake: Intake, item: ReviewItem, now: datetime
) -> list[Firing]:
    """A mail nobody's (a form naming a course staff have since added, a mail that
    failed): handled again from its raw copy, or refused, the item left open."""
    if item.raw_mail_id is None:
        raise MailflowError(
            f"review item {item.id} names no applicant and no mail: nothing to handle again"
        )
    row = session.get_one(RawMail, item.raw_mail_id)
    try:
        firings = intake.handle(session, row, now)
    except MailflowError:
        raise
    except Exception as exc:  # what made the worker fail on it still does
        raise MailflowError(
            f"review item {item.id}: the mail still cannot be handled: {exc}; "
            "fix that and resolve again"
        ) from None
    if not firings and row.status == "review":
        raise MailflowError(
            f"review item {item.id}: the mail still cannot be handled ({row.reason}); "
            "fix that and resolve again, or give --set email=ADDRESS if you know whose it is"
        )
    return firings


def _typed(name: str, text: str) -> object:
    if name not in FORM_COLUMNS:
        raise MailflowError(f"unknown field {name!r}; write one of {', '.join(FORM_COLUMNS)}")
    if name == "email":  # it becomes a mail header: only a well-formed address will do
        address = normalize_email(text, Hints())
        if not address.ok:
            raise MailflowError(f"email: {address.note}")
        return address.value
    kind = Applicant.__table__.columns[name].type.python_type
    try:
        if kind is date:
            return date.fromisoformat(text)
        return int(text) if kind is int else text
    except ValueError:
        raise MailflowError(f"{name}: {text!r} is not a {kind.__name__}") from None
