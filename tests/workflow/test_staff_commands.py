"""The staff commands as a course assistant types them."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import func, select
from workflow_helpers import applicant, cycle, edit, mails, person, plain_mail

from mailflow.app import Mailflow
from mailflow.cli import cli
from mailflow.storage.models import Applicant, OutboxMail, RawMail, ReviewItem


@pytest.fixture
def run(workdir: Path):  # type: ignore[no-untyped-def]
    def invoke(*arguments: str) -> Result:
        settings = str(workdir / "mailflow.toml")
        return CliRunner().invoke(cli, ["--config", settings, "--now", "2009-06-02", *arguments])

    return invoke


@pytest.fixture
def two(flow: Mailflow, people, deliver) -> list[int]:
    """Two complete applicants, the second of whom asks for a cost-sharing place."""
    first, second = people(2)
    deliver(person(first, funding="self"))
    deliver(person(second, funding="cost_sharing"))
    cycle(flow, "2009-06-01 09:00")
    return [applicant(flow, str(p.written["email"])).id for p in (first, second)]


def test_decide_confirm_withdraw(run, flow: Mailflow, two: list[int]) -> None:
    first, _ = two
    result = run("decide", str(first), "accept")
    assert result.exit_code == 0 and "complete -> accepted" in result.output
    again = run("decide", str(first), "accept")
    assert again.exit_code != 0 and "no rule" in str(again.exception)
    assert run("confirm", str(first)).exit_code != 0
    assert "accepted -> confirmed" in run("confirm", str(first), "--sponsor").output
    result = run("withdraw", str(first), "--send")
    assert "confirmed -> withdrawn" in result.output and "mail(s) sent" in result.output


def test_cost_sharing_is_decided_apart(run, flow: Mailflow, two: list[int]) -> None:
    first, second = two
    assert run("cost-sharing", str(first), "grant").exit_code != 0  # they did not ask
    assert "cost_sharing_granted" in run("cost-sharing", str(second), "grant").output
    again = run("cost-sharing", str(second), "grant")
    assert again.exit_code != 0 and "already granted" in str(again.exception)
    flip = run("cost-sharing", str(second), "refuse")
    assert flip.exit_code != 0 and "not reversed" in str(flip.exception)
    assert [m.template for m in mails(flow)].count("cost_sharing_granted") == 1
    assert "cost_sharing_refused" not in [m.template for m in mails(flow)]
    result = run("decide", str(second), "accept")
    assert "complete -> confirmed" in result.output
    with flow.database.transaction() as session:
        assert session.get_one(Applicant, second).cost_sharing == "granted"


def test_decide_from_a_csv_reports_each_row(run, workdir: Path, two: list[int]) -> None:
    first, second = two
    sheet = workdir / "decisions.csv"
    sheet.write_text(f"id,decision,reason\n{first},reject,Too late\n{second},maybe,\n999,accept,\n")
    result = run("decide", "--csv", str(sheet))
    assert result.exit_code != 0
    assert f"{sheet}:2: ok: #{first} reject: complete -> rejected" in result.output
    assert f"{sheet}:3: NOT DONE: write an id and accept|waitlist|reject" in result.output
    assert f"{sheet}:4: NOT DONE: no applicant with id 999" in result.output


def test_review_lists_doubtful_fields_and_resolves_them(
    run, flow: Mailflow, people, deliver
) -> None:
    someone = person(people(1)[0], date_of_birth="the spring of 1975")
    deliver(someone)
    cycle(flow, "2009-06-01 09:00")
    listing = run("review").output
    assert "date_of_birth" in listing and "the spring of 1975" in listing and "1.00" in listing
    assert "[1]" in listing
    bad = run("review", "resolve", "1", "--set", "date_of_birth=spring")
    assert bad.exit_code != 0 and "not a date" in str(bad.exception)
    result = run("review", "resolve", "1", "--set", "date_of_birth=1975-04-01")
    assert result.exit_code == 0 and "needs_review -> complete" in result.output
    assert run("review").output.strip() == "nothing to review"


def test_preview_renders_without_queuing(run, flow: Mailflow, two: list[int]) -> None:
    result = run("preview", "rejection", "--applicant", str(two[0]), "--language", "es")
    assert result.exit_code == 0, result.output
    assert "Subject: [A901357-" in result.output and "Lamentamos" in result.output
    assert len(mails(flow)) == 2


def test_replay_says_what_would_happen_and_keeps_nothing(
    run, flow: Mailflow, people, deliver
) -> None:
    path = deliver(person(people(1)[0], passport_number=""))
    result = run("replay", str(path))
    assert result.exit_code == 0, result.output
    assert "rule 'form incomplete'" in result.output
    assert "mail incomplete to" in result.output
    assert "1.6 Passport number" in result.output
    with flow.database.transaction() as session:
        for table in (RawMail, Applicant, OutboxMail):
            assert session.scalar(select(func.count()).select_from(table)) == 0


def test_status_shows_the_rules_and_the_figures(run, two: list[int]) -> None:
    output = run("status").output
    assert "rules and templates in use" in output
    assert "complete  2" in output
    assert "'remind incomplete': 08 June 2009 (7 days before application_deadline)" in output


def test_a_fax_without_address_is_handled_once_a_person_gives_it(
    run, flow: Mailflow, people, deliver
) -> None:
    deliver(person(people(1)[0], email=""), sender="fax2mail@itcilo.example")
    cycle(flow, "2009-06-01 09:00")
    assert "fax without an e-mail address on the form" in run("review").output
    assert run("review", "resolve", "1", "--set", "city=Rome").exit_code != 0
    bad = run("review", "resolve", "1", "--set", "email=x@y\nBcc: all@example.org")
    assert bad.exit_code != 0 and "not an e-mail address" in str(bad.exception)
    result = run("review", "resolve", "1", "--set", "email=Found.By.Phone@example.org")
    assert result.exit_code == 0, result.output
    assert "received -> complete" in result.output
    assert applicant(flow, "found.by.phone@example.org").state == "complete"
    assert [m.recipient for m in mails(flow)] == ["found.by.phone@example.org"]


def test_remind_fires_what_is_due_on_the_day_given(
    workdir: Path, flow: Mailflow, people, deliver
) -> None:
    deliver(person(people(1)[0], passport_number=""))
    cycle(flow, "2009-06-01 09:00")
    settings = str(workdir / "mailflow.toml")
    early = CliRunner().invoke(cli, ["--config", settings, "--now", "2009-06-07", "remind"])
    assert "no reminder due" in early.output
    due = CliRunner().invoke(cli, ["--config", settings, "--now", "2009-06-08", "remind"])
    assert "remind incomplete: stays incomplete; mail incomplete_reminder" in due.output
    assert "1 mail(s) sent" in due.output


def test_a_mail_a_person_reads_as_a_withdrawal(run, flow: Mailflow, people, deliver) -> None:
    someone = people(1)[0]
    address = str(someone.written["email"])
    deliver(someone)
    cycle(flow, "2009-06-01 09:00")
    deliver(raw=plain_mail(address, "Change of plans", "My director needs me here in July."))
    cycle(flow, "2009-06-02 09:00")
    assert "neither a form nor a withdrawal" in run("review").output
    result = run("review", "resolve", "1", "--as", "withdrawal", "--note", "read by S. Ouine")
    assert result.exit_code == 0, result.output
    assert "complete -> withdrawn" in result.output
    assert applicant(flow, address).state == "withdrawn"
    [withdrawal] = [m for m in mails(flow) if m.template == "withdrawal"]
    assert withdrawal.in_reply_to is not None  # answered in the thread of their mail


def test_a_waitlisted_cost_sharing_holder_promoted_is_confirmed_and_never_asked_to_pay(
    staff: Path, staff_flow: Mailflow, workdir: Path, people, deliver
) -> None:
    flow = staff_flow
    edit(staff / "rules" / "courses" / "A901357.toml", "capacity = 25", "capacity = 1")
    first, second = people(2)
    deliver(person(first, funding="self"))
    deliver(person(second, funding="cost_sharing"))
    cycle(flow, "2009-06-01 09:00")
    one, two = (applicant(flow, str(p.written["email"])).id for p in (first, second))
    settings = str(workdir / "mailflow.toml")

    def run(*arguments: str) -> Result:
        return CliRunner().invoke(cli, ["--config", settings, "--now", "2009-06-02", *arguments])

    for command in (("decide", one, "accept"), ("decide", two, "waitlist")):
        assert run(*map(str, command)).exit_code == 0
    assert run("cost-sharing", str(two), "grant").exit_code == 0
    result = run("withdraw", str(one))
    assert result.exit_code == 0, result.output
    assert "waitlisted -> confirmed" in result.output
    cycle(flow, "2009-06-20 09:00")  # the payment reminder is due
    cycle(flow, "2009-06-27 09:00")  # the payment is overdue; joining instructions are due
    promoted = [m.template for m in mails(flow) if m.applicant_id == two]
    assert promoted == [
        "acknowledgement",
        "waitlisted",
        "cost_sharing_granted",
        "confirmation",
        "joining_instructions",
    ]
    assert applicant(flow, str(second.written["email"])).state == "joining_instructions_sent"
    with flow.database.transaction() as session:
        reasons = [item.reason for item in session.scalars(select(ReviewItem))]
    assert not any("payment" in reason for reason in reasons)


def test_an_incomplete_form_after_the_reminder_day_gets_no_reminder_with_it(
    workdir: Path, flow: Mailflow, people, deliver
) -> None:
    deliver(person(people(1)[0], passport_number=""))
    settings = str(workdir / "mailflow.toml")
    result = CliRunner().invoke(
        cli, ["--config", settings, "--now", "2009-06-10 09:00", "run", "--once"]
    )
    assert result.exit_code == 0, result.output
    cycle(flow, "2009-06-12 09:00")
    assert [m.template for m in mails(flow)] == ["incomplete"]


def test_resolving_a_mail_nobody_could_be_found_for_handles_it_again(
    run, flow: Mailflow, people, deliver
) -> None:
    someone = people(1)[0]
    course = flow.engine.rules.courses.pop("A901357")  # as if its file were missing
    try:
        deliver(someone)
        cycle(flow, "2009-06-01 09:00")
    finally:
        flow.engine.rules.courses["A901357"] = course  # type: ignore[index]
    assert "names an unknown course" in run("review").output
    result = run("review", "resolve", "1")
    assert result.exit_code == 0, result.output
    assert "received -> complete" in result.output
    assert applicant(flow, str(someone.written["email"])).state == "complete"
    assert [m.template for m in mails(flow)] == ["acknowledgement"]


def test_resolving_a_mail_that_still_cannot_be_handled_is_refused(
    run, flow: Mailflow, deliver
) -> None:
    deliver(raw=plain_mail("stranger@example.org", "Hello", "Do you have other courses?"))
    cycle(flow, "2009-06-01 09:00")
    result = run("review", "resolve", "1")
    assert result.exit_code != 0
    assert "still cannot be handled (no application form attached)" in str(result.exception)
    assert "[1] no application form attached" in run("review").output
