"""The language an applicant is written to: their mother tongue when it is a course
language, in whatever spelling the form gives it, else their country, else their mail."""

from __future__ import annotations

import pytest

from mailflow.resources import shipped
from mailflow.workflow.rulebook import load_workflow

WORKFLOW = load_workflow(shipped("rules") / "workflow.toml")


@pytest.mark.parametrize(
    ("mother_tongue", "country", "expected"),
    [
        ("English", "FR", "en"),
        ("anglais", "SN", "en"),
        ("Inglés", "MX", "en"),
        ("Français", "CA", "fr"),
        ("francés", "US", "fr"),
        ("FRENCH", "ES", "fr"),
        ("Español", "US", "es"),
        ("espagnol", "FR", "es"),
        ("Castellano", "GB", "es"),
        ("Wolof", "GB", "fr"),  # mapped to French in the workflow file
        ("Wolof, English", "FR", "fr"),  # the first course language given wins
        ("Swahili / English", "FR", "en"),
        ("Swahili", "FR", "fr"),  # known, not a course language: the country decides
        ("Polish", "PL", "en"),  # neither: the default
        ("", "CL", "es"),
        (None, None, "en"),
    ],
)
def test_the_mother_tongue_in_any_spelling_wins(
    mother_tongue: str | None, country: str | None, expected: str
) -> None:
    assert WORKFLOW.language_for(mother_tongue, country) == expected


def test_a_mother_tongue_that_is_no_course_language_leaves_it_to_the_mail() -> None:
    mail = "Bonjour Madame, veuillez trouver ci-joint ma candidature."
    assert WORKFLOW.language_for("Kikuyu", "KE", mail) == "fr"
