"""A cohort of generated applicants walked through the whole default workflow.

The clock is the test's: each cycle runs at a chosen moment of June 2009, so the
reminders and joining instructions fall when the course dates say. Every state and
every mail (to whom, which template, which language) is checked.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select
from workflow_helpers import applicant, cycle, edit, mails, person, plain_mail

from mailflow.app import Mailflow
from mailflow.cli import cli
from mailflow.errors import MailflowError
from mailflow.storage.models import RawMail, ReviewItem
from mailflow.workflow.decisions import staff_event
from mailflow.workflow.review import open_items, resolve

GATEWAY = "fax2mail@itcilo.example"
ASSISTANT = "s.ouine@itcilo.org"


def test_cohort_walks_through_the_default_workflow(
    staff: Path, staff_flow: Mailflow, workdir: Path, people, deliver, form_spec
) -> None:
    flow = staff_flow
    settings = workdir / "mailflow.toml"
    edit(staff / "rules" / "courses" / "A901357.toml", "capacity = 25", "capacity = 3")
    base = people(9)
    a = person(base[0], mother_tongue="French", country="France")
    b_incomplete = person(
        base[1], mother_tongue="Spanish", country="Chile", passport_number="", date_signed=""
    )
    b = person(base[1], mother_tongue="Spanish", country="Chile")
    c = person(base[2], mother_tongue="Swahili", country="Kenya")
    d = person(base[3], mother_tongue="Polish", country="Poland", position="Programme Officer")
    e_no_address = person(base[4], email="")
    f = person(base[5], mother_tongue="Swahili", country="Kenya", date_of_birth="around 1975")
    g = person(base[6], mother_tongue="Wolof", country="Sénégal", funding="cost_sharing")
    h = person(base[7], mother_tongue="Vietnamese", country="Viet Nam", funding="self")
    i = person(base[8], mother_tongue="Spanish", country="Chile", organization="")
    cohort = {"a": a, "b": b, "c": c, "d": d, "f": f, "g": g, "h": h, "i": i}
    addr = {key: str(who.written["email"]) for key, who in cohort.items()}

    # 1 June: nine forms arrive, two by fax.
    for who in (a, b_incomplete, d, f, g, h, i):
        deliver(who)
    deliver(c, sender=GATEWAY)
    deliver(e_no_address, sender=GATEWAY)
    cycle(flow, "2009-06-01 09:00")
    states = {k: applicant(flow, email).state for k, email in addr.items()}
    assert states == {
        "a": "complete",
        "b": "incomplete",
        "c": "complete",
        "d": "complete",
        "f": "needs_review",
        "g": "complete",
        "h": "complete",
        "i": "incomplete",
    }
    with flow.database.transaction() as session:
        fax_row = session.scalars(
            select(RawMail).where(RawMail.status == "review", RawMail.applicant_id.is_(None))
        ).one()
        assert "fax without an e-mail address" in (fax_row.reason or "")
    incomplete_b = next(m for m in mails(flow) if m.recipient == addr["b"])
    assert incomplete_b.template == "incomplete" and incomplete_b.language == "es"
    labels = {field.name: field.label for field in form_spec.fields}
    assert labels["passport_number"] in incomplete_b.body
    assert labels["date_signed"] in incomplete_b.body
    assert labels["family_name"] not in incomplete_b.body

    # 3 June: B completes the form by replying; D sends a newer form; A is away.
    deliver(b, headers={"In-Reply-To": incomplete_b.message_id})
    deliver(person(d, position="Head of Planning"))
    deliver(raw=plain_mail(addr["a"], "Out of office", "I am away.", Auto_Submitted="auto-replied"))
    cycle(flow, "2009-06-03 09:00")
    assert applicant(flow, addr["b"]).state == "complete"
    duplicate = applicant(flow, addr["d"])
    assert duplicate.position == "Head of Planning"
    assert len(duplicate.readings) == 2
    assert any("newer form replaces" in line.cause for line in duplicate.history)

    # A person resolves F's doubtful date of birth.
    with flow.database.transaction() as session:
        entries = [e for e in open_items(session) if e.applicant and e.applicant.email == addr["f"]]
        assert [f.name for f in entries[0].fields if f.status == "review"] == ["date_of_birth"]
        resolve(
            session,
            flow.intake,
            entries[0].item.id,
            {"date_of_birth": "1975-03-02"},
            "",
            datetime(2009, 6, 4),
        )
    assert applicant(flow, addr["f"]).state == "complete"

    # 8 June, a week before the deadline: I is reminded, once.
    cycle(flow, "2009-06-08 07:00")
    cycle(flow, "2009-06-09 07:00")

    # G's cost-sharing request is granted, apart from the selection.
    with flow.database.transaction() as session:
        staff_event(
            session,
            flow.engine,
            applicant(flow, addr["g"]).id,
            "cost_sharing_granted",
            datetime(2009, 6, 10),
        )

    # 16 June: the selection, from a CSV file; the places (3) are then all taken.
    ids = {k: applicant(flow, email).id for k, email in addr.items()}
    decisions = workdir / "decisions.csv"
    decisions.write_text(
        "id,decision,reason\n"
        f"{ids['a']},accept,\n{ids['b']},accept,\n{ids['g']},accept,\n"
        f"{ids['c']},waitlist,\n{ids['f']},waitlist,\n"
        f"{ids['h']},reject,Your profile does not match the target group.\n"
        f"{ids['d']},reject,\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(
        cli,
        ["--config", str(settings), "--now", "2009-06-16 08:00", "decide", "--csv", str(decisions)],
    )
    assert result.exit_code == 0, result.output
    full = pytest.raises(MailflowError, match="needs places_left")
    with flow.database.transaction() as session, full:
        staff_event(session, flow.engine, ids["c"], "staff_accept", datetime(2009, 6, 16))
    cycle(flow, "2009-06-16 09:00")
    assert applicant(flow, addr["g"]).state == "confirmed"

    # 19 June, a week before the payment date: A and B are reminded, once.
    cycle(flow, "2009-06-19 08:00")
    cycle(flow, "2009-06-20 08:00")
    result = CliRunner().invoke(
        cli,
        ["--config", str(settings), "--now", "2009-06-20", "confirm", str(ids["a"]), "--payment"],
    )
    assert result.exit_code == 0, result.output

    # 21 June: B withdraws by mail; C, first on the waiting list, gets the place.
    deliver(raw=plain_mail(addr["b"], "Mi solicitud", "Lamento, debo retirar mi solicitud."))
    bounce = plain_mail(
        "MAILER-DAEMON@mx.example",
        "Undelivered Mail Returned to Sender",
        f"Final-Recipient: rfc822; {addr['h']}\nAction: failed\nStatus: 5.1.1\n",
    )
    deliver(raw=bounce)
    cycle(flow, "2009-06-21 09:00")
    assert applicant(flow, addr["h"]).address_bad

    # 22 June, three weeks before the start: the confirmed get their joining instructions.
    cycle(flow, "2009-06-22 06:00")
    cycle(flow, "2009-06-23 06:00")

    final = {k: applicant(flow, email).state for k, email in addr.items()}
    assert final == {
        "a": "joining_instructions_sent",
        "b": "withdrawn",
        "c": "accepted",
        "d": "rejected",
        "f": "waitlisted",
        "g": "joining_instructions_sent",
        "h": "rejected",
        "i": "incomplete",
    }
    history = [(c.from_state, c.to_state, c.cause) for c in applicant(flow, addr["b"]).history]
    assert [(old, new) for old, new, _ in history if old != new] == [
        (None, "received"),
        ("received", "incomplete"),
        ("incomplete", "complete"),
        ("complete", "accepted"),
        ("accepted", "withdrawn"),
    ]
    [withdrawal] = [cause for old, new, cause in history if new == "withdrawn" and old != new]
    assert withdrawal.startswith("rule 'withdrawal frees a place' (workflow.toml:")
    assert "withdrawal (mail <" in withdrawal

    who = {email: k for k, email in addr.items()} | {ASSISTANT: "staff"}
    sent = [(who[m.recipient], m.template, m.language) for m in mails(flow)]
    assert sent == [
        ("a", "acknowledgement", "fr"),
        ("b", "incomplete", "es"),
        ("d", "acknowledgement", "en"),
        ("f", "received", "en"),
        ("g", "acknowledgement", "fr"),
        ("h", "acknowledgement", "en"),
        ("i", "incomplete", "es"),
        ("c", "acknowledgement", "en"),
        ("b", "acknowledgement", "es"),
        ("f", "acknowledgement", "en"),
        ("i", "incomplete_reminder", "es"),
        ("g", "cost_sharing_granted", "fr"),
        ("a", "acceptance", "fr"),
        ("b", "acceptance", "es"),
        ("g", "confirmation", "fr"),
        ("c", "waitlisted", "en"),
        ("f", "waitlisted", "en"),
        ("h", "rejection", "en"),
        ("d", "rejection", "en"),
        ("a", "payment_reminder", "fr"),
        ("b", "payment_reminder", "es"),
        ("a", "confirmation", "fr"),
        ("c", "acceptance", "en"),
        ("b", "withdrawal", "es"),
        ("staff", "staff_withdrawal", "en"),
        # C, accepted after the reminder day, was told the payment date a moment ago:
        # no payment reminder with it.
        ("a", "joining_instructions", "fr"),
        ("g", "joining_instructions", "fr"),
    ]
    by_template = {(who[m.recipient], m.template): m for m in mails(flow)}
    assert "frais partagés" in by_template[("g", "confirmation")].body
    assert "target group" in by_template[("h", "rejection")].body
    assert "15 juin 2009" in by_template[("a", "acknowledgement")].body
    assert all(m.status == "sent" for m in mails(flow))
    assert len(list((workdir / "outbox").glob("*.eml"))) == len(sent)
    with flow.database.transaction() as session:
        reasons = [r.reason for r in session.scalars(select(ReviewItem))]
    assert any("bounced" in reason for reason in reasons)


def test_running_a_cycle_twice_sends_nothing_twice(staff_flow: Mailflow, people, deliver) -> None:
    deliver(people(1)[0])
    cycle(staff_flow, "2009-06-01 09:00")
    cycle(staff_flow, "2009-06-08 09:00")
    cycle(staff_flow, "2009-06-08 09:00")
    assert len(mails(staff_flow)) == 1
