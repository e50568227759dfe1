"""The conditions a rule may name in ``guards``: each a small question about the applicant.

Staff combine them in workflow.toml (``"places_left"``, ``"not required_fields_present"``);
the code only answers them, so the wording of a rule never hides logic.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from mailflow.course import Course
from mailflow.documents.formspec import FormSpec
from mailflow.storage.models import Applicant
from mailflow.workflow.events import Event


@dataclass(frozen=True)
class Situation:
    """Everything a guard may look at, for one applicant at one moment."""

    session: Session
    applicant: Applicant
    course: Course
    form: FormSpec | None
    event: Event
    now: datetime
    held_by: tuple[str, ...]


def missing_fields(applicant: Applicant, form: FormSpec | None) -> list[str]:
    """The labels of required fields the applicant has no value for, in form order."""
    if form is None:
        return []
    return [
        field.label
        for field in form.fields
        if field.required and getattr(applicant, field.name, None) in (None, "")
    ]


def local_today(course: Course, now: datetime) -> date:
    """Today's date where the course takes place (``now`` is naive UTC or aware)."""
    aware = now if now.tzinfo else now.replace(tzinfo=ZoneInfo("UTC"))
    return aware.astimezone(ZoneInfo(course.timezone)).date()


def _count(situation: Situation, *conditions: ColumnElement[bool]) -> int:
    query = select(func.count(Applicant.id)).where(
        Applicant.course == situation.course.code, *conditions
    )
    return situation.session.scalar(query) or 0


def _places_left(s: Situation) -> bool:
    return _count(s, Applicant.state.in_(s.held_by)) < s.course.capacity


def _cost_sharing_places_left(s: Situation) -> bool:
    return _count(s, Applicant.cost_sharing == "granted") < s.course.cost_sharing_places


GUARDS: dict[str, Callable[[Situation], bool]] = {
    "required_fields_present": lambda s: not missing_fields(s.applicant, s.form),
    "fields_in_doubt": lambda s: bool(s.event.fields_in_doubt),
    "before_deadline": lambda s: local_today(s.course, s.now) <= s.course.application_deadline,
    "places_left": _places_left,
    "cost_sharing_requested": lambda s: s.applicant.funding == "cost_sharing",
    "cost_sharing_places_left": _cost_sharing_places_left,
    "cost_sharing_granted": lambda s: s.applicant.cost_sharing == "granted",
    "cost_sharing_decided": lambda s: s.applicant.cost_sharing in ("granted", "refused"),
}


def guard_name(guard: str) -> str:
    """The guard a rule names, without its ``not``."""
    return guard.removeprefix("not ").strip()


def holds(guard: str, situation: Situation) -> bool:
    """Whether a guard as written in a rule (maybe ``not X``) holds."""
    value = GUARDS[guard_name(guard)](situation)
    return not value if guard.startswith("not ") else value
