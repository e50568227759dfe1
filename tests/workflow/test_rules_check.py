"""`rules check` finds each kind of mistake a course assistant can make, with file:line."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from workflow_helpers import edit

from mailflow.cli import cli
from mailflow.workflow.check import check_staff_files, errors_in
from mailflow.workflow.tomllines import TomlLines


def line_of(path: Path, text: str) -> int:
    """The line of ``path`` on which ``text`` starts."""
    content = path.read_text(encoding="utf-8")
    return content[: content.index(text)].count("\n") + 1


def problems(staff: Path) -> list[str]:
    return [str(p) for p in check_staff_files(staff / "rules", staff / "templates")]


def test_the_shipped_files_are_clean(staff: Path) -> None:
    assert problems(staff) == []


@pytest.mark.parametrize(
    ("old", "new", "marker", "expected"),
    [
        (
            'to = "waitlisted"',
            'to = "wait_listed"',
            'to = "wait_listed"',
            "unknown state 'wait_listed'; write one of received, needs_review",
        ),
        (
            'on = "staff_reject"',
            'on = "staff_rejects"',
            'on = "staff_rejects"',
            "unknown event 'staff_rejects'; write one of form_received",
        ),
        (
            'guards = ["places_left"]',
            'guards = ["place_left"]',
            'guards = ["place_left"]',
            "unknown guard 'place_left'; write one of required_fields_present",
        ),
        (
            'at = "21 days before start"',
            'at = "three weeks before the start"',
            'at = "three weeks',
            'write e.g. "7 days before application_deadline"',
        ),
        (
            'guards = ["places_left"]',
            'guard = ["places_left"]',
            'guard = ["places_left"]',
            "unknown key 'guard'; write one of name, on, on_entering, at, while_in, guards",
        ),
        (
            "fax_gateway =",
            "fax_gatway =",
            "fax_gatway =",
            "[intake] unknown key 'fax_gatway'; write one of fax_gateway, withdrawal_words",
        ),
        (
            'mail_words = ["estimado"',
            'mail_word = ["estimado"',
            "mail_word =",
            "[languages.es] unknown key 'mail_word'; write one of mother_tongues, countries",
        ),
        (
            'repeat = "once per applicant"',
            'repeat = "once"',
            'repeat = "once"',
            "repeat 'once'; write one of 'every time', 'once per applicant'",
        ),
    ],
)
def test_workflow_mistakes_name_their_line(
    staff: Path, old: str, new: str, marker: str, expected: str
) -> None:
    workflow = staff / "rules" / "workflow.toml"
    edit(workflow, old, new)
    found = problems(staff)
    where = f"{workflow}:{line_of(workflow, marker)}: "
    assert any(p.startswith(where) and expected in p for p in found), found


def test_a_missing_template_is_named_at_its_rule(staff: Path) -> None:
    workflow = staff / "rules" / "workflow.toml"
    edit(workflow, '{ send = "rejection" }', '{ send = "rejected" }')
    rule_line = line_of(workflow, '[[rules]]\nname = "tell rejected"')
    found = problems(staff)
    assert any(
        p.startswith(f"{workflow}:{rule_line}: ")
        and "template 'rejected' does not exist" in p
        and "rejection" in p
        for p in found
    ), found


def test_an_unreachable_state_is_a_warning_with_its_line(staff: Path) -> None:
    workflow = staff / "rules" / "workflow.toml"
    edit(workflow, "[states]\n", '[states]\nlimbo = "Nobody ever gets here"\n')
    found = check_staff_files(staff / "rules", staff / "templates")
    assert [str(p) for p in found] == [
        f"{workflow}:{line_of(workflow, 'limbo =')}: warning: state 'limbo' is unreachable: "
        "no rule has to = 'limbo'; add a rule leading to it or remove it"
    ]
    assert errors_in(found) == []


def test_a_template_variable_the_context_lacks(staff: Path) -> None:
    template = staff / "templates" / "en" / "rejection.txt"
    edit(template, '{% include "en/_greeting.inc" %}', "Dear {{ applicant_name }},")
    found = problems(staff)
    assert (
        f"{template}:{line_of(template, 'applicant_name')}: variable 'applicant_name' is not in "
        "the mail context; write one of applicant, course, reference, missing_fields, reason, "
        "fee_waived"
    ) in found


def test_a_misspelt_course_fact_in_a_template(staff: Path) -> None:
    template = staff / "templates" / "es" / "acceptance.txt"
    edit(template, "course.payment_deadline", "course.payment_date")
    found = problems(staff)
    where = f"{template}:{line_of(template, 'payment_date')}: "
    assert any(p.startswith(where) and "payment_date" in p for p in found), found


def test_a_template_syntax_error(staff: Path) -> None:
    template = staff / "templates" / "en" / "waitlisted.txt"
    edit(template, "{% if reason %}", "{% if reason %")
    found = problems(staff)
    assert any(p.startswith(f"{template}:") and "template syntax" in p for p in found), found


def test_a_wrong_course_fact_names_its_line(staff: Path) -> None:
    course = staff / "rules" / "courses" / "A901357.toml"
    edit(course, "total = 2000", 'total = "two thousand"')
    edit(course, "payment_deadline = 2009-06-26\n", "")
    found = problems(staff)
    assert any(p.startswith(f"{course}:{line_of(course, 'total =')}: fee.total") for p in found)
    assert f"{course}:1: payment_deadline: missing; add it" in found


def test_the_command_fails_on_errors_and_lists_them(staff: Path, workdir: Path) -> None:
    edit(staff / "rules" / "workflow.toml", 'to = "rejected"', 'to = "refused"')
    result = CliRunner().invoke(cli, ["--config", str(workdir / "mailflow.toml"), "rules", "check"])
    assert result.exit_code != 0
    assert "unknown state 'refused'" in result.output


def test_toml_lines_find_tables_and_keys() -> None:
    text = 'initial = "a"\n\n[[rules]]\nname = "x"\n\n[[rules]]\nname = "y"\nto = "b"\n'
    lines = TomlLines("w.toml", text)
    assert lines.key("initial") == 1
    assert lines.table("rules", 1) == 6
    assert lines.key("to", 6) == 8
    assert lines.key("to", 3) == 3  # not in that table: the table's own line


def test_a_form_naming_a_course_without_a_course_file(staff: Path) -> None:
    form = staff / "rules" / "forms" / "A901357.toml"
    edit(form, 'course = "A901357"', 'course = "A901358"')
    assert problems(staff) == [
        f"{form}:{line_of(form, 'course = ')}: form A901357: course 'A901358' has no course "
        f"file; write course = one of 'A901357' or add {staff / 'rules' / 'courses'}/A901358.toml"
    ]
