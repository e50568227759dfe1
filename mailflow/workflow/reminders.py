"""Time rules: reminders and other steps counted from the course dates in the rules.

Nothing is scheduled ahead: each run computes, from the course file as it is now (or
from when an applicant entered their state: ``10 days after entering``), which time
rules are due today in the course's time zone, so a date staff change moves its
reminders with it. A rule reaches only applicants in its ``while_in`` states at that
moment, and the fired-rule record makes each reminder go once however often this runs.
The caller passes ``now`` (naive UTC), so tests decide what day it is.
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from mailflow.course import Course
from mailflow.errors import MailflowError
from mailflow.storage.models import Applicant, StateChange
from mailflow.workflow.engine import Engine, Firing
from mailflow.workflow.events import TIME_EVENT, Event
from mailflow.workflow.guards import local_today
from mailflow.workflow.model import ENTERING, Rule

log = logging.getLogger(__name__)


def falls_on(session: Session, rule: Rule, course: Course, applicant: Applicant) -> date | None:
    """The day (course time) a time rule falls on for one applicant (None: never).

    A reminder (a rule counted from a course date that does not change the state) falls
    only for applicants already in the state when its day began: a form found incomplete
    after the reminder day is not reminded in the same breath. A step that moves the
    applicant on (joining instructions) still catches up with those who enter late.
    """
    assert rule.at is not None
    entered = entered_at(session, applicant)
    if rule.at.date_name == ENTERING:
        if entered is None:
            return None
        reference = local_today(course, entered)
    else:
        reference = course.dates[rule.at.date_name]
    day = reference + timedelta(days=rule.at.days)
    late = entered is not None and entered >= _start_of(day, course)
    if late and rule.at.date_name != ENTERING and rule.to is None:
        return None  # a reminder of what they were just told the moment they entered
    return day


def entered_at(session: Session, applicant: Applicant) -> datetime | None:
    """When (naive UTC) the applicant entered the state they are in."""
    return session.scalar(
        select(func.max(StateChange.at)).where(
            StateChange.applicant_id == applicant.id,
            StateChange.to_state == applicant.state,
            or_(StateChange.from_state.is_(None), StateChange.from_state != applicant.state),
        )
    )


def _start_of(day: date, course: Course) -> datetime:
    """The first moment of a course day, as naive UTC (how the history keeps times)."""
    local = datetime.combine(day, time(), tzinfo=ZoneInfo(course.timezone))
    return local.astimezone(UTC).replace(tzinfo=None)


def is_due(rule: Rule, course: Course, day: date, now: datetime) -> bool:
    """Due from its day; one counted back from a course date stays due until that date
    (a run missed on the day itself is caught up), others stay due from then on."""
    assert rule.at is not None
    today = local_today(course, now)
    if rule.at.date_name != ENTERING and rule.at.days < 0:
        return day <= today <= course.dates[rule.at.date_name]
    return day <= today


def run_reminders(session: Session, engine: Engine, now: datetime) -> list[Firing]:
    """Fire every due time rule for the applicants it names; one failure stops no other."""
    firings: list[Firing] = []
    for course in engine.rules.courses.values():
        for rule in engine.rules.workflow.time_rules():
            applicants = session.scalars(
                select(Applicant)
                .where(Applicant.course == course.code, Applicant.state.in_(rule.while_in))
                .order_by(Applicant.id)
            ).all()
            for applicant in applicants:
                day = falls_on(session, rule, course, applicant)
                if day is None or not is_due(rule, course, day, now):
                    continue
                event = Event(
                    name=TIME_EVENT,
                    occasion=f"day-{day.isoformat()}",
                    cause=f"{_describe(rule)} ({day:%d %B %Y}, {course.timezone})",
                )
                firings += _fire_one(session, engine, rule, applicant, event, now)
    return firings


def calendar(session: Session, engine: Engine) -> list[str]:
    """The time rules counted from course dates, the day each falls on, and for how many
    applicants as things stand: what `mailflow status` shows, so a changed date shows."""
    lines = []
    for course in engine.rules.courses.values():
        for rule in engine.rules.workflow.time_rules():
            assert rule.at is not None
            if rule.at.date_name == ENTERING:
                lines.append(f"{course.code} {rule.name!r}: {_describe(rule)}, per applicant")
                continue
            day = course.dates[rule.at.date_name] + timedelta(days=rule.at.days)
            waiting = session.scalar(
                select(func.count(Applicant.id)).where(
                    Applicant.course == course.code, Applicant.state.in_(rule.while_in)
                )
            )
            lines.append(
                f"{course.code} {rule.name!r}: {day:%d %B %Y} ({_describe(rule)}); "
                f"{waiting} applicant(s) in {', '.join(rule.while_in)} now"
            )
    return lines


def _fire_one(
    session: Session, engine: Engine, rule: Rule, applicant: Applicant, event: Event, now: datetime
) -> list[Firing]:
    if applicant.state not in rule.while_in:  # moved by an earlier rule of this run
        return []
    savepoint = session.begin_nested()
    try:
        if not engine.guards_hold(session, applicant, rule, event, now):
            savepoint.commit()
            return []
        firings = engine.apply(session, applicant, rule, event, now)
        savepoint.commit()
        return firings
    except MailflowError:
        savepoint.rollback()
        log.exception("rule %r could not fire for applicant %s", rule.name, applicant.id)
        return []


def _describe(rule: Rule) -> str:
    assert rule.at is not None
    days = abs(rule.at.days)
    if not days:
        return f"on {rule.at.date_name}"
    direction = "before" if rule.at.days < 0 else "after"
    return f"{days} day{'s' if days > 1 else ''} {direction} {rule.at.date_name}"
