"""Checks of the mail templates: each one parses, uses only known variables, and renders.

A template is rendered with a sample applicant and every course, so a misspelt attribute
(``course.fee.totl``) is found by ``rules check`` rather than by a mail that cannot be
written on the day it is due.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from types import TracebackType
from typing import Any

from jinja2 import TemplateSyntaxError, meta, nodes
from pydantic import BaseModel

from mailflow.errors import RulesError
from mailflow.storage.models import Applicant
from mailflow.templating import MailTemplates
from mailflow.workflow.context import CONTEXT_NAMES, mail_context
from mailflow.workflow.ruleset import RuleSet
from mailflow.workflow.tomllines import Problem


def sample_applicant() -> Applicant:
    """An applicant with every field filled, never stored: what a preview renders for."""
    return Applicant(
        id=0,
        course="",
        state="complete",
        language="en",
        family_name="Sample",
        first_names="Applicant",
        sex="F",
        date_of_birth=date(1980, 1, 1),
        nationality="KE",
        mother_tongue="Swahili",
        country="KE",
        city="Nairobi",
        email="sample@example.org",
        organization="City Council of Nairobi",
        position="Programme Officer",
        funding="cost_sharing",
        sponsor="",
        cost_sharing="granted",
        address_bad=False,
    )


def nameless_applicant() -> Applicant:
    """The sample applicant with no name nor sex read from the form: greeted all the same."""
    applicant = sample_applicant()
    applicant.family_name = applicant.first_names = applicant.sex = None
    return applicant


# The "?" an applicant without a name is called by (``Applicant.display_name``).
_NO_NAME = re.compile(r"(?:^|\s)\?(?=[\s,:;.]|$)", re.M)

PARTIAL_SUFFIX = ".inc"  # a piece other templates include (a signature), not a mail


def template_files(folder: Path) -> list[Path]:
    """The mails: one ``<language>/<name>.txt`` each."""
    return sorted(folder.glob("*/*.txt"))


def check_templates(rules: RuleSet) -> list[Problem]:
    """Problems of every partial and mail, and mails a language lacks (warnings).

    A mistake in a partial shows in every mail including it, so the partials are
    reported alone until they are fixed.
    """
    templates = MailTemplates(rules.templates_dir)
    problems = []
    for path in sorted(rules.templates_dir.glob(f"*/*{PARTIAL_SUFFIX}")):
        problems += _check_file(templates, rules, path)
    if not problems:
        for path in template_files(rules.templates_dir):
            problems += _check_file(templates, rules, path)
    return problems + _untranslated(rules, templates.fallback_language)


def _untranslated(rules: RuleSet, fallback: str) -> list[Problem]:
    """Applicant mails a language folder lacks (staff mails stay in the fallback)."""
    staff = {a.value for r in rules.workflow.rules for a in r.actions if a.kind == "notify_staff"}
    wanted = {p.stem for p in (rules.templates_dir / fallback).glob("*.txt")} - staff
    return [
        Problem(
            str(folder / f"{name}.txt"),
            f"missing: applicants writing in {folder.name!r} get the {fallback!r} mail; "
            "translate it here",
            severity="warning",
        )
        for folder in sorted(p for p in rules.templates_dir.iterdir() if p.is_dir())
        for name in sorted(wanted - {p.stem for p in folder.glob("*.txt")})
    ]


def _check_file(templates: MailTemplates, rules: RuleSet, path: Path) -> list[Problem]:
    text = path.read_text(encoding="utf-8")
    try:
        parsed = templates.environment.parse(text)
    except TemplateSyntaxError as exc:
        return [Problem(f"{path}:{exc.lineno}", f"template syntax: {exc.message}")]
    problems = []
    partial = path.suffix == PARTIAL_SUFFIX
    if not partial and not text.startswith("Subject:"):
        problems.append(Problem(f"{path}:1", "the first line must be 'Subject: ...'"))
    unknown = sorted(meta.find_undeclared_variables(parsed) - set(CONTEXT_NAMES))
    for name in unknown:
        problems.append(
            Problem(
                f"{path}:{_line_of(text, name)}",
                f"variable {name!r} is not in the mail context; "
                f"write one of {', '.join(CONTEXT_NAMES)}",
            )
        )
    if unknown:
        return problems
    language, name = path.parent.name, path.stem
    applicant = sample_applicant()
    for course in rules.courses.values():
        applicant.course = course.code
        context = mail_context(applicant, course, rules.form_for(course.code), "sample reason")
        found = _attribute_problems(parsed, context, path)
        if not found and not partial:
            found = [p for p in [_render_problem(templates, name, language, context, path)] if p]
        if not found and not partial:
            found = _nameless_problems(templates, rules, name, language, course, path)
        if found:
            return problems + found
    return problems


def _nameless_problems(
    templates: MailTemplates, rules: RuleSet, name: str, language: str, course: Any, path: Path
) -> list[Problem]:
    """A mail to an applicant whose form gives no name must still greet them properly."""
    applicant = nameless_applicant()
    applicant.course = course.code
    context = mail_context(applicant, course, rules.form_for(course.code), "sample reason")
    problem = _render_problem(templates, name, language, context, path)
    if problem is not None:
        return [Problem(problem.location, f"for an applicant without a name: {problem.message}")]
    staff = {a.value for r in rules.workflow.rules for a in r.actions if a.kind == "notify_staff"}
    body = templates.render(name, language, context).body
    match = _NO_NAME.search(body)
    if name in staff or match is None:
        return []
    return [
        Problem(
            f"{path}:{body.count(chr(10), 0, match.start()) + 2}",
            "an applicant without a name is called '?' here; greet them with "
            f'{{% include "{language}/_greeting.inc" %}}',
            severity="warning",
        )
    ]


def _attribute_problems(
    parsed: nodes.Template, context: dict[str, Any], path: Path
) -> list[Problem]:
    """Misspelt attributes (``course.fee.totl``), in every branch, rendered or not."""
    problems: dict[tuple[int, str], Problem] = {}
    for node in parsed.find_all(nodes.Getattr):
        chain: list[str] = []
        root: nodes.Node = node
        while isinstance(root, nodes.Getattr):
            chain.append(root.attr)
            root = root.node
        if not isinstance(root, nodes.Name) or root.name not in ("applicant", "course"):
            continue
        value: object = context[root.name]
        for depth, attribute in enumerate(reversed(chain)):
            if not isinstance(value, BaseModel | Applicant):
                break
            if not hasattr(value, attribute):
                spelled = ".".join([root.name, *reversed(chain)][: depth + 2])
                problems[(node.lineno, spelled)] = Problem(
                    f"{path}:{node.lineno}",
                    f"{spelled}: no such fact; check the spelling against rules/courses "
                    "and the form's field names",
                )
                break
            value = getattr(value, attribute)
    return list(problems.values())


def _render_problem(
    templates: MailTemplates, name: str, language: str, context: dict[str, Any], path: Path
) -> Problem | None:
    try:
        templates.render(name, language, context)
    except RulesError as exc:
        line = _template_line(exc.__context__.__traceback__ if exc.__context__ else None, path)
        message = str(exc).split(": ", 1)[-1]
        return Problem(f"{path}:{line}", f"{message}; check the spelling against rules/courses")
    return None


def _template_line(traceback: TracebackType | None, path: Path) -> int:
    """The template line a rendering error happened on (Jinja puts it in the traceback).

    The mail's own text is compiled from a string (``<template>``); an included piece
    keeps its file name, and then the line of the include is the one to report.
    """
    line = 1
    while traceback is not None:
        filename = traceback.tb_frame.f_code.co_filename
        if filename in ("<template>", str(path)):
            line = traceback.tb_lineno
        traceback = traceback.tb_next
    return line


def _line_of(text: str, name: str) -> int:
    match = re.search(rf"\b{re.escape(name)}\b", text)
    return text.count("\n", 0, match.start()) + 1 if match else 1
