"""The outbox queues a mail once per key and sends it at most once."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from mailflow.app import Mailflow
from mailflow.cycle import run_cycle
from mailflow.outbox import Outbox, Sender
from mailflow.storage.models import Applicant, OutboxMail
from mailflow.templating import MailTemplates
from mailflow.workflow.context import mail_context


def queue_one(flow: Mailflow, key: str = "k1", context: dict | None = None) -> int | None:
    with flow.database.transaction() as session:
        course = next(iter(flow.rules.courses.values()))
        applicant = Applicant(
            course=course.code,
            state="received",
            email="x@example.org",
            first_names="Ana",
            family_name="Ilić",
        )
        session.add(applicant)
        session.flush()
        row = flow.outbox.queue(
            session,
            key=key,
            template="acknowledgement",
            language="en",
            recipient="x@example.org",
            context=context or mail_context(applicant, course, flow.rules.form_for(course.code)),
            applicant_id=applicant.id,
        )
        return row.id if row else None


def test_the_same_key_is_queued_once(flow: Mailflow) -> None:
    assert queue_one(flow, "same") is not None
    assert queue_one(flow, "same") is None


def test_a_mail_left_sending_by_a_crash_is_not_sent_again(flow: Mailflow, workdir: Path) -> None:
    mail_id = queue_one(flow)
    with flow.database.transaction() as session:
        session.get_one(OutboxMail, mail_id).status = "sending"
    assert flow.outbox.send_queued(flow.database, flow.transport).sent == []
    assert not (workdir / "outbox").exists()


def test_a_failed_send_is_queued_again_with_its_error(flow: Mailflow) -> None:
    class Refusing:
        def send(self, message) -> None:  # type: ignore[no-untyped-def]
            raise OSError("connection refused")

    mail_id = queue_one(flow)
    delivery = flow.outbox.send_queued(flow.database, Refusing())
    assert delivery.sent == [] and "connection refused" in delivery.problems[0]
    with flow.database.transaction() as session:
        row = session.get_one(OutboxMail, mail_id)
        assert (row.status, row.error, row.attempts) == ("queued", "connection refused", 1)


def test_staff_addresses_have_no_daily_cap(flow: Mailflow) -> None:
    course = next(iter(flow.rules.courses.values()))
    assert course.contacts.course_assistant.email.lower() in flow.outbox.uncapped


def test_applicant_text_is_only_ever_a_value(tmp_path: Path, flow: Mailflow) -> None:
    (tmp_path / "en").mkdir()
    (tmp_path / "en" / "hello.txt").write_text(
        "Subject: Hello {{ applicant.first_names }}\nDear {{ applicant.family_name }},\n"
    )
    outbox = Outbox(MailTemplates(tmp_path), Sender("Course <course@example.org>"))

    class Person:
        first_names = "Eve\r\nBcc: victim@example.org"
        family_name = "{{ 7 * 7 }} {% raise %}"

    with flow.database.transaction() as session:
        row = outbox.queue(
            session,
            key="hostile",
            template="hello",
            language="en",
            recipient="eve@example.org",
            context={"applicant": Person()},
        )
        assert row is not None
        message = outbox.build_message(row)
    assert message["Subject"] == "Hello Eve Bcc: victim@example.org"
    assert "Bcc" not in message
    assert "{{ 7 * 7 }} {% raise %}" in message.get_content()


def test_every_sent_mail_has_a_unique_message_id(flow: Mailflow, people, deliver) -> None:
    for person in people(3):
        deliver(person)
    run_cycle(flow)
    with flow.database.transaction() as session:
        ids = [m.message_id for m in session.scalars(select(OutboxMail))]
    assert len(set(ids)) == 3


def test_past_the_daily_cap_mails_to_one_address_wait_for_the_next_day(flow: Mailflow) -> None:
    cap = flow.outbox.daily_cap
    ids = [queue_one(flow, f"loop-{n}") for n in range(cap + 2)]

    assert len(flow.outbox.send_queued(flow.database, flow.transport).sent) == cap
    with flow.database.transaction() as session:
        waiting = session.scalars(select(OutboxMail).where(OutboxMail.status == "queued")).all()
        assert [m.id for m in waiting] == ids[cap:]
        for mail in session.scalars(select(OutboxMail).where(OutboxMail.status == "sent")):
            mail.sent_at -= timedelta(days=1, minutes=1)

    assert len(flow.outbox.send_queued(flow.database, flow.transport).sent) == 2


def test_the_daily_cap_is_a_setting(workdir: Path) -> None:
    from mailflow.app import build
    from mailflow.settings import load_settings

    config = workdir / "mailflow.toml"
    config.write_text(config.read_text() + "[outbox]\ndaily_cap_per_address = 2\n")
    assert build(load_settings(config)).outbox.daily_cap == 2
