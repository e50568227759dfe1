"""``mailflow rules check``: every staff file read, every problem reported with its line.

The same check decides whether the worker accepts an edited rule set (keeper.py), so
what staff see from the command is exactly why the worker would refuse their edit.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from pydantic import ValidationError

from mailflow.course import Course
from mailflow.documents.formspec import load_form_specs
from mailflow.errors import RulesError
from mailflow.templating import FALLBACK_LANGUAGE
from mailflow.workflow.model import ENTERING, Workflow
from mailflow.workflow.rulebook import parse_workflow
from mailflow.workflow.ruleset import WORKFLOW_FILE, RuleSet
from mailflow.workflow.templatecheck import check_templates, template_files
from mailflow.workflow.tomllines import Problem, TomlLines

TEXT_SUFFIXES = (".toml", ".txt", ".inc")


def not_utf8(*folders: Path) -> list[Problem]:
    """Staff files saved in another encoding (cp1252, UTF-16): nothing else can read them."""
    return [
        Problem(str(path), "not UTF-8 text; save it as UTF-8")
        for folder in folders
        for path in sorted(folder.rglob("*"))
        if path.is_file() and path.suffix in TEXT_SUFFIXES and not _is_utf8(path)
    ]


def _is_utf8(path: Path) -> bool:
    try:
        path.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def check_staff_files(rules_dir: Path, templates_dir: Path) -> list[Problem]:
    """Every problem in the rules and templates folders; an empty list means usable."""
    unreadable = not_utf8(rules_dir, templates_dir)
    if unreadable:  # the other checks would read these files and stop on them
        return unreadable
    courses, problems = _check_courses(rules_dir)
    try:
        forms = load_form_specs(rules_dir)
    except RulesError as exc:
        forms, problems = {}, [*problems, Problem(str(rules_dir / "forms"), str(exc))]
    if courses and not problems:  # a broken course file would look missing here
        problems += forms_without_course(rules_dir, courses)
    workflow_path = rules_dir / WORKFLOW_FILE
    if not workflow_path.is_file():
        return [*problems, Problem(str(workflow_path), "missing; copy the shipped workflow.toml")]
    workflow, workflow_problems = parse_workflow(workflow_path)
    problems += workflow_problems
    if workflow is None:
        return problems
    problems += unreachable_states(workflow)
    for course in courses.values():
        for rule in workflow.rules:
            if rule.at and rule.at.date_name not in (*course.dates, ENTERING):
                problems.append(Problem(rule.location, f"course {course.code} has no date for it"))
    if not courses:
        return problems
    problems += missing_templates(workflow, templates_dir)
    return problems + check_templates(RuleSet(rules_dir, templates_dir, courses, forms, workflow))


def forms_without_course(rules_dir: Path, courses: dict[str, Course]) -> list[Problem]:
    """Forms naming a course no course file has: every such form would go to review."""
    problems = []
    for path in sorted((rules_dir / "forms").glob("*.toml")):
        text = path.read_text(encoding="utf-8")
        try:
            form = tomllib.loads(text).get("form", {})
        except tomllib.TOMLDecodeError:
            continue  # reported by the form check
        course = str(form.get("course", ""))
        if course in courses:
            continue
        lines = TomlLines(str(path), text)
        problems.append(
            Problem(
                lines.at(lines.key("course", lines.table("form"))),
                f"form {form.get('id', path.stem)}: course {course!r} has no course file; "
                f"write course = one of {', '.join(map(repr, sorted(courses)))} "
                f"or add {rules_dir / 'courses' / course}.toml",
            )
        )
    return problems


def errors_in(problems: list[Problem]) -> list[Problem]:
    return [p for p in problems if p.severity == "error"]


def missing_templates(workflow: Workflow, templates_dir: Path) -> list[Problem]:
    """Templates a rule sends that do not exist in the fallback language (English)."""
    existing = sorted({p.stem for p in template_files(templates_dir)})
    return [
        Problem(
            rule.location,
            f"rule {rule.name!r}: template {action.value!r} does not exist; write "
            f"{templates_dir / FALLBACK_LANGUAGE / action.value}.txt "
            f"or name one of {', '.join(existing)}",
        )
        for rule in workflow.rules
        for action in rule.actions
        if action.kind in ("send", "notify_staff")
        and not (templates_dir / FALLBACK_LANGUAGE / f"{action.value}.txt").is_file()
    ]


def unreachable_states(workflow: Workflow) -> list[Problem]:
    """States no rule leads to: an applicant can never be in them."""
    entered = {workflow.initial} | {r.to for r in workflow.rules if r.to}
    text = workflow.path.read_text(encoding="utf-8")
    lines = TomlLines(str(workflow.path), text)
    start = lines.table("states")
    return [
        Problem(
            lines.at(lines.key(state, start)),
            f"state {state!r} is unreachable: no rule has to = {state!r}; "
            "add a rule leading to it or remove it",
            severity="warning",
        )
        for state in workflow.states
        if state not in entered
    ]


def _check_courses(rules_dir: Path) -> tuple[dict[str, Course], list[Problem]]:
    courses, problems = {}, []
    paths = sorted((rules_dir / "courses").glob("*.toml"))
    if not paths:
        problems.append(Problem(str(rules_dir / "courses"), "no course file; add CODE.toml"))
    for path in paths:
        text = path.read_text(encoding="utf-8")
        try:
            course = Course.model_validate(tomllib.loads(text))
        except tomllib.TOMLDecodeError as exc:
            problems.append(Problem(str(path), f"not valid TOML: {exc}"))
            continue
        except ValidationError as exc:
            lines = TomlLines(str(path), text)
            for error in exc.errors():
                where = [str(part) for part in error["loc"]]
                table = lines.table(".".join(where[:-1])) if len(where) > 1 else 0
                line = lines.key(where[-1], table) if where else 1
                what = "missing; add it" if error["type"] == "missing" else error["msg"]
                problems.append(Problem(lines.at(line), f"{'.'.join(where)}: {what}"))
            continue
        courses[course.code] = course
    return courses, problems
