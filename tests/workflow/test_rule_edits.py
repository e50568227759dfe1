"""Staff edit the rule files and the behaviour changes, with no code change; broken
edits are refused while the worker goes on with the last good rule set."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from workflow_helpers import applicant, cycle, edit, mails, person

from mailflow.app import Mailflow
from mailflow.cli import cli
from mailflow.workflow.keeper import ruleset_status

NEW_REMINDER = """
[[rules]]
name = "fee notice"
at = "3 days before application_deadline"
while_in = ["complete"]
actions = [{ send = "fee_notice" }]
"""
FEE_NOTICE = """Subject: [{{ reference }}] The fee for {{ course.code }}
Dear {{ applicant.display_name }},

The fee is {{ course.fee.total | money(course.fee.currency) }}.
"""


def test_a_new_reminder_takes_effect_without_code(
    staff: Path, staff_flow: Mailflow, people, deliver
) -> None:
    deliver(people(1)[0])
    cycle(staff_flow, "2009-06-01 09:00")
    cycle(staff_flow, "2009-06-12 09:00")
    assert [m.template for m in mails(staff_flow)] == ["acknowledgement"]

    with (staff / "rules" / "workflow.toml").open("a", encoding="utf-8") as workflow:
        workflow.write(NEW_REMINDER)
    (staff / "templates" / "en" / "fee_notice.txt").write_text(FEE_NOTICE, encoding="utf-8")
    cycle(staff_flow, "2009-06-12 10:00")
    cycle(staff_flow, "2009-06-13 10:00")
    sent = mails(staff_flow)
    assert [m.template for m in sent] == ["acknowledgement", "fee_notice"]
    assert "EUR 2,000" in sent[1].body


def test_a_renamed_state_is_used_at_once(
    staff: Path, staff_flow: Mailflow, people, deliver
) -> None:
    workflow = staff / "rules" / "workflow.toml"
    text = workflow.read_text(encoding="utf-8")
    text = text.replace('"complete"', '"eligible"').replace("\ncomplete = ", "\neligible = ")
    workflow.write_text(text, encoding="utf-8")
    someone = people(1)[0]
    deliver(someone)
    cycle(staff_flow, "2009-06-01 09:00")
    assert applicant(staff_flow, str(someone.written["email"])).state == "eligible"
    assert [m.template for m in mails(staff_flow)] == ["acknowledgement"]


def test_moving_the_deadline_moves_the_reminder(
    staff: Path, staff_flow: Mailflow, people, deliver
) -> None:
    deliver(person(people(1)[0], passport_number=""))
    cycle(staff_flow, "2009-06-01 09:00")
    course = staff / "rules" / "courses" / "A901357.toml"
    edit(course, "application_deadline = 2009-06-15", "application_deadline = 2009-06-25")
    cycle(staff_flow, "2009-06-08 09:00")
    assert [m.template for m in mails(staff_flow)] == ["incomplete"]
    cycle(staff_flow, "2009-06-18 09:00")
    assert [m.template for m in mails(staff_flow)] == ["incomplete", "incomplete_reminder"]
    assert "25 June 2009" in mails(staff_flow)[1].body


def test_reminders_fire_in_the_course_time_zone(staff_flow: Mailflow, people, deliver) -> None:
    deliver(person(people(1)[0], passport_number=""))
    cycle(staff_flow, "2009-06-01 09:00")
    cycle(staff_flow, "2009-06-07 21:59")  # 23:59 on 7 June in Turin: not yet
    assert len(mails(staff_flow)) == 1
    cycle(staff_flow, "2009-06-07 22:00")  # midnight in Turin: 8 June
    assert [m.template for m in mails(staff_flow)] == ["incomplete", "incomplete_reminder"]


def test_a_broken_edit_is_refused_and_the_last_good_rules_run(
    staff: Path, staff_flow: Mailflow, workdir: Path, people, deliver
) -> None:
    template = staff / "templates" / "en" / "acknowledgement.txt"
    edit(template, "{{ course.application_deadline | longdate }}", "{{ course.deadline }}")
    someone = person(people(1)[0], mother_tongue="Swahili", country="Kenya")
    deliver(someone)
    cycle(staff_flow, "2009-06-01 09:00")

    sent = mails(staff_flow)
    assert [m.template for m in sent] == ["acknowledgement"]
    assert "15 June 2009" in sent[0].body and "{{" not in sent[0].body
    status = ruleset_status(staff_flow.keeper.cache_dir)
    assert status is not None and status.refused
    assert any("course.deadline" in problem for problem in status.problems)
    result = CliRunner().invoke(cli, ["--config", str(workdir / "mailflow.toml"), "status"])
    assert "REFUSED" in result.output and "course.deadline" in result.output

    edit(template, "{{ course.deadline }}", "{{ course.application_deadline | longdate }}")
    cycle(staff_flow, "2009-06-02 09:00")
    status = ruleset_status(staff_flow.keeper.cache_dir)
    assert status is not None and not status.refused


def test_a_reminder_counted_from_entering_a_state(staff_flow: Mailflow, people, deliver) -> None:
    deliver(person(people(1)[0], date_of_birth="some day in May"))
    cycle(staff_flow, "2009-06-01 09:00")
    cycle(staff_flow, "2009-06-03 21:00")  # 2 days in review: not yet
    assert [m.template for m in mails(staff_flow)] == ["received"]
    cycle(staff_flow, "2009-06-04 09:00")
    cycle(staff_flow, "2009-06-05 09:00")
    sent = mails(staff_flow)
    assert [(m.template, m.recipient) for m in sent[1:]] == [
        ("staff_review_waiting", "s.ouine@itcilo.org")
    ]


def test_a_staff_file_saved_in_another_encoding_is_refused_in_one_line(
    staff: Path, staff_flow: Mailflow, workdir: Path, people, deliver
) -> None:
    deliver(people(1)[0])
    cycle(staff_flow, "2009-06-01 09:00")
    template = staff / "templates" / "fr" / "acknowledgement.txt"
    template.write_bytes(template.read_text(encoding="utf-8").encode("cp1252"))
    workflow = staff / "rules" / "workflow.toml"
    workflow.write_bytes(workflow.read_text(encoding="utf-8").encode("utf-16"))
    settings = str(workdir / "mailflow.toml")

    def run(*arguments: str) -> str:
        result = CliRunner().invoke(cli, ["--config", settings, "--now", "2009-06-02", *arguments])
        assert not isinstance(result.exception, UnicodeDecodeError), result.output
        return result.output + str(result.exception or "")

    checked = run("rules", "check")
    assert f"{template}: not UTF-8 text; save it as UTF-8" in checked
    assert f"{workflow}: not UTF-8 text; save it as UTF-8" in checked
    assert "usable" not in checked
    deliver(people(1)[0])
    run("run", "--once")
    assert len(mails(staff_flow)) == 2  # the last good copy answered the new form
    status = run("status")
    assert "REFUSED" in status and "not UTF-8 text" in status


def test_a_decisions_sheet_in_another_encoding_is_one_line(workdir: Path, flow: Mailflow) -> None:
    sheet = workdir / "decisions.csv"
    sheet.write_bytes("id,decision,reason\n1,reject,Trop tard: désolé\n".encode("cp1252"))
    settings = str(workdir / "mailflow.toml")
    result = CliRunner().invoke(cli, ["--config", settings, "decide", "--csv", str(sheet)])
    assert result.exit_code != 0
    assert str(result.exception) == f"{sheet}: not UTF-8 text; save it as UTF-8 (CSV UTF-8)"
