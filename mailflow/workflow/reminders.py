"""Time rules: reminders and other steps counted from the course dates in the rules.

Nothing is scheduled ahead: each run computes, from the course file as it is now, which
time rules are due today in the course's time zone, so a date staff change moves its
reminders with it. A rule reaches only applicants in its ``while_in`` states at that
moment, and the fired-rule record makes each reminder go once however often this runs.
The caller passes ``now`` (naive UTC), so tests decide what day it is.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from mailflow.course import Course
from mailflow.errors import MailflowError
from mailflow.storage.models import Applicant
from mailflow.workflow.engine import Engine, Firing
from mailflow.workflow.events import TIME_EVENT, Event
from mailflow.workflow.guards import local_today
from mailflow.workflow.rulebook import Rule

log = logging.getLogger(__name__)


def due_rules(engine: Engine, course: Course, now: datetime) -> Iterator[tuple[Rule, date]]:
    """The time rules due today for a course, each with the day it falls on.

    A rule counted back from a date stays due until that date (a run missed on the
    day itself is caught up); one counted forward stays due from its day on.
    """
    today = local_today(course, now)
    for rule in engine.rules.workflow.time_rules():
        assert rule.at is not None
        reference = course.dates[rule.at.date_name]
        falls_on = reference + timedelta(days=rule.at.days)
        last_day = reference if rule.at.days < 0 else date.max
        if falls_on <= today <= last_day:
            yield rule, falls_on


def run_reminders(session: Session, engine: Engine, now: datetime) -> list[Firing]:
    """Fire every due time rule for the applicants it names; one failure stops no other."""
    firings: list[Firing] = []
    for course in engine.rules.courses.values():
        for rule, falls_on in due_rules(engine, course, now):
            applicants = session.scalars(
                select(Applicant)
                .where(Applicant.course == course.code, Applicant.state.in_(rule.while_in))
                .order_by(Applicant.id)
            ).all()
            event = Event(
                name=TIME_EVENT,
                occasion=f"day-{falls_on.isoformat()}",
                cause=f"{_describe(rule)} ({falls_on:%d %B %Y}, {course.timezone})",
            )
            for applicant in applicants:
                firings += _fire_one(session, engine, rule, applicant, event, now)
    return firings


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
