"""One poll cycle end to end on a generated mailbox folder."""

from __future__ import annotations

from datetime import datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

from sqlalchemy import func, select

from mailflow.app import Mailflow
from mailflow.cycle import run_cycle
from mailflow.demo import COURSE_ADDRESS
from mailflow.samplegen.mails import application_mail
from mailflow.storage.models import Applicant, OutboxMail, RawMail, StateChange

AT = datetime(2009, 6, 1, 9, 30)  # within the seeded course's application period


def sent_mails(workdir: Path) -> list[EmailMessage]:
    outbox = workdir / "outbox"
    return (
        [
            message_from_bytes(p.read_bytes(), policy=policy.default)  # type: ignore[misc]
            for p in sorted(outbox.glob("*.eml"))
        ]
        if outbox.exists()
        else []
    )


def count(flow: Mailflow, model) -> int:  # type: ignore[no-untyped-def]
    with flow.database.transaction() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_each_application_gets_an_applicant_and_one_acknowledgement(
    flow: Mailflow, workdir: Path, people, deliver
) -> None:
    applicants = people(6)
    mails = {str(p.truth["email"]): deliver(p) for p in applicants}

    report = run_cycle(flow, AT)

    assert report.received == 6 and report.by_status == {"processed": 6}
    assert len(report.sent) == 6
    with flow.database.transaction() as session:
        stored = {a.email: a for a in session.scalars(select(Applicant))}
        for person in applicants:
            applicant = stored[str(person.truth["email"])]
            assert applicant.state == "complete"
            assert applicant.family_name.casefold() == str(person.truth["family_name"]).casefold()
            assert applicant.nationality == person.truth["nationality"]
            assert applicant.date_of_birth.isoformat() == person.truth["date_of_birth"]
            assert applicant.phone == person.truth["phone"]
            assert [c.to_state for c in applicant.history] == ["received", "complete", "complete"]
            assert {c.event for c in applicant.history} == {"form_received"}
    replies = {str(m["To"]): m for m in sent_mails(workdir)}
    assert set(replies) == set(mails)
    for address, path in mails.items():
        original = message_from_bytes(path.read_bytes(), policy=policy.default)
        reply = replies[address]
        assert reply["In-Reply-To"] == original["Message-ID"]
        assert original["Message-ID"] in reply["References"]
        assert reply["Auto-Submitted"] == "auto-replied"
        assert reply["Message-ID"].endswith("@itcilo.example>")
        assert "Multi-stakeholder partnerships" in reply["Subject"]
        body = reply.get_content()
        if stored[address].language == "en":  # the others are checked in tests/workflow
            assert "13 July 2009" in body and "EUR 2,000" in body and "15 June 2009" in body


def test_a_second_cycle_sends_nothing_and_new_mail_is_picked_up(
    flow: Mailflow, workdir: Path, people, deliver
) -> None:
    first, second = people(2)
    deliver(first)
    assert len(run_cycle(flow, AT).sent) == 1

    again = run_cycle(flow, AT)
    assert again.received == 0 and again.sent == []

    deliver(second)
    later = run_cycle(flow, AT)
    assert later.received == 1 and len(later.sent) == 1
    assert len(sent_mails(workdir)) == 2
    assert (workdir / "inbox").is_dir() and len(list((workdir / "inbox").glob("*.eml"))) == 2


def test_every_mail_is_stored_raw_and_recorded(flow: Mailflow, people, deliver) -> None:
    path = deliver(people(1)[0])
    run_cycle(flow, AT)
    with flow.database.transaction() as session:
        row = session.scalars(select(RawMail)).one()
        assert Path(row.stored_path).read_bytes() == path.read_bytes()
        assert row.status == "processed" and row.applicant_id is not None
        assert row.uid == path.name


def test_acknowledgement_goes_to_the_address_on_the_form(
    flow: Mailflow, workdir: Path, people, deliver
) -> None:
    person = people(1)[0]
    deliver(person, sender="colleague@office.example")
    run_cycle(flow, AT)
    [reply] = sent_mails(workdir)
    assert str(reply["To"]) == person.truth["email"]


def test_without_an_address_on_the_form_the_sender_is_answered(
    flow: Mailflow, workdir: Path, people, deliver
) -> None:
    person = people(1)[0]
    person.written["email"] = ""
    deliver(person, sender="Someone@Office.Example")
    run_cycle(flow, AT)
    [reply] = sent_mails(workdir)
    assert str(reply["To"]) == "someone@office.example"


def test_the_same_person_twice_is_one_applicant_with_both_forms_in_history(
    flow: Mailflow, workdir: Path, people, deliver
) -> None:
    person = people(1)[0]
    deliver(person)
    run_cycle(flow, AT)
    person.written["position"] = "Director of Planning"
    deliver(person)
    report = run_cycle(flow, AT)

    assert report.sent == []
    with flow.database.transaction() as session:
        applicant = session.scalars(select(Applicant)).one()
        assert applicant.position == "Director of Planning"
        assert [
            c.cause.split(" (")[0] for c in applicant.history if not c.cause.startswith("rule ")
        ] == ["application form received", "a newer form replaces the earlier one"]
        assert len(applicant.readings) == 2
    assert len(sent_mails(workdir)) == 1


def test_automatic_replies_are_recorded_but_never_answered(
    flow: Mailflow, workdir: Path, people, deliver, form_spec
) -> None:
    from mailflow.samplegen.fillable import fill_form

    person = people(1)[0]
    pdf = fill_form(form_spec, person.written)
    for headers in (
        {"Auto-Submitted": "auto-replied"},
        {"Precedence": "bulk"},
        {"List-Id": "<list.example.org>"},
    ):
        deliver(
            raw=application_mail(str(person.truth["email"]), COURSE_ADDRESS, pdf, headers=headers)
        )
    deliver(raw=application_mail("MAILER-DAEMON@mx.example", COURSE_ADDRESS, pdf))
    deliver(raw=application_mail(COURSE_ADDRESS, COURSE_ADDRESS, pdf))

    report = run_cycle(flow, AT)

    assert report.by_status == {"ignored": 5} and report.sent == []
    assert count(flow, Applicant) == 0
    with flow.database.transaction() as session:
        assert all(r.reason.startswith("automatic mail") for r in session.scalars(select(RawMail)))


def test_mail_that_cannot_be_handled_goes_to_review_with_its_reason(
    flow: Mailflow, workdir: Path, deliver
) -> None:
    deliver(raw=application_mail("a@example.org", COURSE_ADDRESS, b"%PDF-1.4 broken"))
    deliver(
        raw=application_mail("b@example.org", COURSE_ADDRESS, b"plain bytes", filename="cv.docx")
    )
    deliver(raw=b"\xff\xfe not a mail at all \x00")
    report = run_cycle(flow, AT)

    assert report.by_status == {"review": 3} and report.sent == []
    with flow.database.transaction() as session:
        reasons = [r.reason for r in session.scalars(select(RawMail).order_by(RawMail.id))]
        stored = [Path(r.stored_path).exists() for r in session.scalars(select(RawMail))]
    assert "damaged PDF" in reasons[0]
    assert reasons[1] == "no application form attached"
    assert reasons[2] == "no application form attached"
    assert all(stored)
    assert count(flow, StateChange) == 0 and count(flow, OutboxMail) == 0
