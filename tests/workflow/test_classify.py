"""Incoming mail sorted: follow-ups matched to their applicant, withdrawals, bounces,
automatic replies (never answered) and everything else left for a person."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from workflow_helpers import applicant, cycle, mails, person, plain_mail

from mailflow.app import Mailflow
from mailflow.storage.models import Applicant, RawMail, ReviewItem


def ledger(flow: Mailflow) -> list[tuple[str, str]]:
    with flow.database.transaction() as session:
        rows = session.scalars(select(RawMail).order_by(RawMail.id))
        return [(row.status, row.reason or "") for row in rows]


def reviews(flow: Mailflow) -> list[ReviewItem]:
    with flow.database.transaction() as session:
        return list(session.scalars(select(ReviewItem).order_by(ReviewItem.id)))


def test_a_form_from_another_address_is_matched_by_the_reference_in_the_subject(
    flow: Mailflow, people, deliver
) -> None:
    someone = people(1)[0]
    deliver(someone)
    cycle(flow, "2009-06-01 09:00")
    reference = applicant(flow, str(someone.written["email"])).id
    newer = person(someone, email="work.address@ministry.example")
    deliver(newer, subject=f"Re: [A901357-{reference}] updated form")
    cycle(flow, "2009-06-02 09:00")
    moved = applicant(flow, "work.address@ministry.example")
    assert moved.id == reference and len(moved.readings) == 2


def test_a_reply_in_our_thread_without_a_form_saying_withdraw(
    flow: Mailflow, people, deliver
) -> None:
    someone = person(people(1)[0], mother_tongue="French", country="France")
    deliver(someone)
    cycle(flow, "2009-06-01 09:00")
    ours = mails(flow)[0]
    deliver(
        raw=plain_mail(
            str(someone.written["email"]),
            "Re: candidature",
            "Je dois malheureusement retirer ma candidature.",
            In_Reply_To=ours.message_id,
        )
    )
    cycle(flow, "2009-06-02 09:00")
    assert applicant(flow, str(someone.written["email"])).state == "withdrawn"
    sent = [(m.template, m.language) for m in mails(flow)]
    assert sent == [("acknowledgement", "fr"), ("withdrawal", "fr"), ("staff_withdrawal", "en")]


def test_a_mail_from_a_known_applicant_that_is_no_form_goes_to_review(
    flow: Mailflow, people, deliver
) -> None:
    someone = people(1)[0]
    deliver(someone)
    cycle(flow, "2009-06-01 09:00")
    deliver(raw=plain_mail(str(someone.written["email"]), "Question", "Is there a visa letter?"))
    cycle(flow, "2009-06-02 09:00")
    assert ledger(flow)[-1][0] == "review"
    assert reviews(flow)[-1].applicant_id == applicant(flow, str(someone.written["email"])).id
    assert len(mails(flow)) == 1


def test_a_mail_from_a_stranger_goes_to_review(flow: Mailflow, deliver) -> None:
    deliver(raw=plain_mail("stranger@example.org", "Hello", "Do you have other courses?"))
    cycle(flow, "2009-06-01 09:00")
    assert ledger(flow) == [("review", "no application form attached")]
    assert reviews(flow)[0].applicant_id is None
    assert mails(flow) == []


def test_automatic_replies_and_bounces_are_never_answered(flow: Mailflow, people, deliver) -> None:
    someone = people(1)[0]
    address = str(someone.written["email"])
    deliver(someone)
    cycle(flow, "2009-06-01 09:00")
    deliver(raw=plain_mail(address, "Out of office", "Away.", Auto_Submitted="auto-replied"))
    deliver(raw=plain_mail(address, "Auto: away", "Away.", Precedence="bulk"))
    bounce = f"Final-Recipient: rfc822; {address}\nAction: failed\n"
    deliver(raw=plain_mail("mailer-daemon@mx.example", "Undeliverable", bounce))
    cycle(flow, "2009-06-02 09:00")
    assert [status for status, _ in ledger(flow)[1:]] == ["ignored", "ignored", "ignored"]
    assert f"marked {address} as bad" in ledger(flow)[-1][1]
    assert len(mails(flow)) == 1
    assert applicant(flow, address).address_bad


def test_no_mail_goes_to_a_bounced_address(flow: Mailflow, people, deliver) -> None:
    someone = people(1)[0]
    address = str(someone.written["email"])
    deliver(person(someone, passport_number=""))
    cycle(flow, "2009-06-01 09:00")
    bounce = f"Final-Recipient: rfc822; {address}\nAction: failed\n"
    deliver(raw=plain_mail("postmaster@mx.example", "Undeliverable", bounce))
    cycle(flow, "2009-06-02 09:00")
    cycle(flow, "2009-06-09 09:00")  # the incomplete reminder is due, but not sendable
    assert [m.template for m in mails(flow)] == ["incomplete"]


def test_applicant_text_is_never_template_code(flow: Mailflow, people, deliver) -> None:
    someone = person(people(1)[0], first_names="{{ course.fee.total * 0 }}", family_name="{% x %}")
    deliver(someone)
    cycle(flow, "2009-06-01 09:00")
    body = mails(flow)[0].body
    assert "{{ course.fee.total * 0 }} {% x %}" in body


def test_a_colleague_form_sent_in_our_thread_is_a_new_applicant(
    flow: Mailflow, people, deliver
) -> None:
    first, other = people(2)
    colleague = person(other, family_name=f"Not {first.written['family_name']}")
    deliver(first)
    cycle(flow, "2009-06-01 09:00")
    ours = mails(flow)[0]
    deliver(colleague, sender=str(first.written["email"]), headers={"In-Reply-To": ours.message_id})
    cycle(flow, "2009-06-02 09:00")
    assert (
        applicant(flow, str(first.written["email"])).id
        != applicant(flow, str(colleague.written["email"])).id
    )


def test_an_informal_bounce_still_names_the_address(flow: Mailflow, people, deliver) -> None:
    someone = people(1)[0]
    address = str(someone.written["email"])
    deliver(someone)
    cycle(flow, "2009-06-01 09:00")
    text = f"I'm sorry to have to inform you...\n<{address}>: host mx said: 550 unknown user\n"
    deliver(raw=plain_mail("MAILER-DAEMON@mx.example", "failure notice", text))
    cycle(flow, "2009-06-02 09:00")
    assert applicant(flow, address).address_bad


def test_a_late_application_waits_for_a_person(flow: Mailflow, people, deliver) -> None:
    someone = people(1)[0]
    deliver(someone)
    cycle(flow, "2009-06-15 22:30")  # 16 June in Turin: the deadline has passed
    assert applicant(flow, str(someone.written["email"])).state == "needs_review"
    assert "after the deadline" in reviews(flow)[0].reason
    assert [m.template for m in mails(flow)] == ["received"]


def test_the_language_of_the_mail_when_the_form_does_not_tell(
    flow: Mailflow, people, deliver
) -> None:
    someone = person(people(1)[0], mother_tongue="Kikuyu", country="Kenya")
    body = "Bonjour Madame,\n\nVeuillez trouver ci-joint ma candidature.\n"
    deliver(someone, body=body)
    cycle(flow, "2009-06-01 09:00")
    assert applicant(flow, str(someone.written["email"])).language == "fr"
    assert mails(flow)[0].language == "fr"


def test_a_withdrawal_from_another_address_goes_to_review(flow: Mailflow, people, deliver) -> None:
    someone = people(1)[0]
    address = str(someone.written["email"])
    deliver(someone)
    cycle(flow, "2009-06-01 09:00")
    reference = applicant(flow, address).id
    subject = f"[A901357-{reference}] hello"
    deliver(raw=plain_mail("stranger@evil.org", subject, "Please cancel my application."))
    cycle(flow, "2009-06-02 09:00")
    assert applicant(flow, address).state == "complete"
    assert ledger(flow)[-1][0] == "review"
    assert "another address" in reviews(flow)[-1].reason
    assert reviews(flow)[-1].applicant_id == reference
    assert [m.template for m in mails(flow)] == ["acknowledgement"]


@pytest.mark.parametrize(
    "body",
    [
        "Is there a visa letter? I may want to withdraw my application if not.",
        "Should I cancel my application?",
        "I do not want to withdraw my application.",
        "Si no hay beca, quizás tenga que retirar mi solicitud.",
        "Je ne veux pas retirer ma candidature.",
        "Thanks!\n\nOn Mon, 1 Jun 2009, Course wrote:\n> to withdraw my application, reply",
        "> Please cancel my application.\nSorry, wrong mail.",
        "Noted.\n\nFrom: Course <a901357@itcilo.org>\nSent: Mon\nPlease cancel my application",
        "I am out of the office and will not be able to attend to your mail until Monday.",
    ],
)
def test_a_doubtful_withdrawal_from_the_applicant_goes_to_review(
    flow: Mailflow, people, deliver, body: str
) -> None:
    someone = people(1)[0]
    address = str(someone.written["email"])
    deliver(someone)
    cycle(flow, "2009-06-01 09:00")
    deliver(raw=plain_mail(address, "About my application", body))
    cycle(flow, "2009-06-02 09:00")
    assert applicant(flow, address).state == "complete"
    assert ledger(flow)[-1][0] == "review"
    assert [m.template for m in mails(flow)] == ["acknowledgement"]


def test_a_plain_withdrawal_from_the_applicant_withdraws(flow: Mailflow, people, deliver) -> None:
    someone = people(1)[0]
    address = str(someone.written["email"])
    deliver(someone)
    cycle(flow, "2009-06-01 09:00")
    body = "Dear Madam,\n\nI am sorry: I will not be able to attend the course.\n\nBest regards"
    deliver(raw=plain_mail(address, "My application", body))
    cycle(flow, "2009-06-02 09:00")
    assert applicant(flow, address).state == "withdrawn"


def test_one_address_sending_for_several_people_makes_one_applicant_each(
    flow: Mailflow, people, deliver
) -> None:
    office = "training@ministry.example"
    trio = [person(p, email=office) for p in people(3)]
    for someone in trio:
        deliver(someone, sender=office)
    cycle(flow, "2009-06-01 09:00")
    deliver(person(trio[0], email=office, city="Elsewhere"), sender=office)
    cycle(flow, "2009-06-02 09:00")
    with flow.database.transaction() as session:
        found = session.scalars(select(Applicant).order_by(Applicant.id)).all()
        names = [a.family_name for a in found]
        readings = [len(a.readings) for a in found]
        replaced = [sum("newer form replaces" in h.cause for h in a.history) for a in found]
    assert names == [p.written["family_name"] for p in trio]
    assert readings == [2, 1, 1] and replaced == [1, 0, 0]
    sent = [(m.template, m.applicant_id) for m in mails(flow)]
    assert sent == [("acknowledgement", a.id) for a in found]
