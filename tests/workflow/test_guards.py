"""Each guard a rule may name, answered for an applicant at a moment."""

from __future__ import annotations

from datetime import datetime

import pytest

from mailflow.app import Mailflow
from mailflow.storage.models import Applicant
from mailflow.workflow.events import Event
from mailflow.workflow.guards import GUARDS, Situation, holds

NOW = datetime(2009, 6, 1, 9, 0)


def situation(flow: Mailflow, session, applicant: Applicant, **changes) -> Situation:  # type: ignore[no-untyped-def]
    values = {
        "session": session,
        "applicant": applicant,
        "course": flow.rules.courses["A901357"],
        "form": flow.rules.form_for("A901357"),
        "event": Event("form_received", "test", "test"),
        "now": NOW,
        "held_by": flow.rules.workflow.held_by,
    }
    return Situation(**(values | changes))


def filled(**values: object) -> Applicant:
    applicant = Applicant(course="A901357", state="complete", email="x@example.org")
    for field in ("family_name", "first_names", "sex", "nationality", "passport_number"):
        setattr(applicant, field, "x")
    for field in ("city", "country", "organization", "org_type", "position", "english_level"):
        setattr(applicant, field, "x")
    applicant.funding = "self"
    applicant.date_of_birth = applicant.date_signed = NOW.date()
    for name, value in values.items():
        setattr(applicant, name, value)
    return applicant


def test_every_guard_is_tested() -> None:
    assert set(GUARDS) == {
        "required_fields_present",
        "fields_in_doubt",
        "before_deadline",
        "places_left",
        "cost_sharing_requested",
        "cost_sharing_places_left",
        "cost_sharing_granted",
        "cost_sharing_decided",
    }


def test_required_fields_and_doubt(flow: Mailflow) -> None:
    with flow.database.transaction() as session:
        assert holds("required_fields_present", situation(flow, session, filled()))
        assert holds("not required_fields_present", situation(flow, session, filled(city=None)))
        doubt = Event("form_received", "t", "t", fields_in_doubt=("date_of_birth",))
        assert holds("fields_in_doubt", situation(flow, session, filled(), event=doubt))
        assert not holds("fields_in_doubt", situation(flow, session, filled()))


@pytest.mark.parametrize(
    ("utc", "expected"),
    [("2009-06-15 21:59", True), ("2009-06-15 22:00", False)],  # midnight in Turin
)
def test_before_deadline_in_the_course_time_zone(flow: Mailflow, utc: str, expected: bool) -> None:
    with flow.database.transaction() as session:
        now = datetime.fromisoformat(utc)
        assert holds("before_deadline", situation(flow, session, filled(), now=now)) is expected


def test_places_and_cost_sharing_places(flow: Mailflow) -> None:
    course = flow.rules.courses["A901357"]
    with flow.database.transaction() as session:
        someone = filled(funding="cost_sharing")
        session.add(someone)
        assert holds("places_left", situation(flow, session, someone))
        assert holds("cost_sharing_requested", situation(flow, session, someone))
        for _ in range(course.capacity):
            session.add(filled(state="confirmed"))
        for _ in range(course.cost_sharing_places):
            session.add(filled(state="complete", cost_sharing="granted"))
        session.flush()
        assert not holds("places_left", situation(flow, session, someone))
        assert not holds("cost_sharing_places_left", situation(flow, session, someone))
        assert not holds("cost_sharing_granted", situation(flow, session, someone))


def test_cost_sharing_decided(flow: Mailflow) -> None:
    with flow.database.transaction() as session:
        for decided, expected in ((None, False), ("granted", True), ("refused", True)):
            someone = filled(funding="cost_sharing", cost_sharing=decided)
            now = situation(flow, session, someone)
            assert holds("cost_sharing_decided", now) is expected
            assert holds("not cost_sharing_decided", now) is not expected
