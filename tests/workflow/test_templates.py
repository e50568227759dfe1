"""Every mail of the default workflow exists in every working language and takes its
facts from the rules: change the course file and the mails change."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from mailflow.resources import shipped
from mailflow.templating import MailTemplates
from mailflow.workflow.check import check_staff_files
from mailflow.workflow.context import mail_context
from mailflow.workflow.ruleset import load_ruleset
from mailflow.workflow.templatecheck import nameless_applicant, sample_applicant

LANGUAGES = ("en", "fr", "es")
RULES = load_ruleset(shipped("rules"), shipped("templates"))
SENT = sorted(
    {
        action.value
        for rule in RULES.workflow.rules
        for action in rule.actions
        if action.kind == "send"
    }
)
FACTS = {"title": "Water utilities in small towns", "code": "B123456", "venue": "Dakar"}


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("name", SENT)
def test_each_mail_names_the_course_from_the_rules(name: str, language: str) -> None:
    assert (shipped("templates") / language / f"{name}.txt").is_file()
    course = RULES.courses["A901357"].model_copy(update=FACTS)
    applicant = sample_applicant()
    applicant.course = course.code
    context = mail_context(applicant, course, RULES.form_for("A901357"), "")
    mail = MailTemplates(shipped("templates")).render(name, language, context)
    assert FACTS["code"] in mail.subject
    assert FACTS["title"] in mail.subject + mail.body
    assert course.contacts.course_assistant.email in mail.body


def test_no_template_hard_codes_a_course_fact() -> None:
    course = RULES.courses["A901357"]
    facts = [course.code, "Turin", str(course.start.year), course.fee.currency, "s.ouine"]
    for path in Path(shipped("templates")).glob("*/*.*"):
        text = path.read_text(encoding="utf-8")
        assert not [fact for fact in facts if fact in text], path


GREETINGS = {
    "en": "Dear Madam, dear Sir,",
    "fr": "Madame, Monsieur,",
    "es": "Estimada señora, estimado señor:",
}


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("name", SENT)
def test_an_applicant_without_a_name_is_greeted_properly(name: str, language: str) -> None:
    course = RULES.courses["A901357"]
    applicant = nameless_applicant()
    applicant.course = course.code
    context = mail_context(applicant, course, RULES.form_for("A901357"), "")
    mail = MailTemplates(shipped("templates")).render(name, language, context)
    assert mail.body.splitlines()[0] == GREETINGS[language]
    assert "?" not in mail.body.splitlines()[0]


def test_rules_check_finds_a_greeting_that_calls_a_nameless_applicant_a_question_mark(
    tmp_path: Path,
) -> None:
    shutil.copytree(shipped("templates"), tmp_path / "templates")
    mail = tmp_path / "templates" / "en" / "rejection.txt"
    text = mail.read_text(encoding="utf-8")
    mail.write_text(
        text.replace('{% include "en/_greeting.inc" %}', "Dear {{ applicant.display_name }},"),
        encoding="utf-8",
    )
    problems = [str(p) for p in check_staff_files(shipped("rules"), tmp_path / "templates")]
    assert problems == [
        f"{mail}:2: warning: an applicant without a name is called '?' here; greet them with "
        '{% include "en/_greeting.inc" %}'
    ]
