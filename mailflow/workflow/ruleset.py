"""One consistent set of staff files: the courses, forms, workflow and templates folder.

The worker runs on one RuleSet at a time, so a half-edited folder is either accepted
whole or refused whole (see keeper.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from mailflow.course import Course, load_courses
from mailflow.documents.formspec import FormSpec, load_form_specs
from mailflow.workflow.model import Workflow
from mailflow.workflow.rulebook import load_workflow

WORKFLOW_FILE = "workflow.toml"


@dataclass(frozen=True)
class RuleSet:
    rules_dir: Path
    templates_dir: Path
    courses: Mapping[str, Course]
    forms: Mapping[str, FormSpec]
    workflow: Workflow

    def form_for(self, course_code: str) -> FormSpec | None:
        """The application form of a course (the first form naming it)."""
        return next((f for f in self.forms.values() if f.course == course_code), None)


def load_ruleset(rules_dir: Path, templates_dir: Path) -> RuleSet:
    """Read every staff file; a RulesError names the first file that cannot be used."""
    return RuleSet(
        rules_dir=rules_dir,
        templates_dir=templates_dir,
        courses=load_courses(rules_dir),
        forms=load_form_specs(rules_dir),
        workflow=load_workflow(rules_dir / WORKFLOW_FILE),
    )
