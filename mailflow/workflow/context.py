"""What a mail template may use, and what ties a reply to its applicant (reference, key).

The names here are the whole vocabulary of a template; ``rules check`` reports any
other name a template uses, before it can stop a mail from being written.
"""

from __future__ import annotations

import re
from typing import Any

from mailflow.course import Course
from mailflow.documents.formspec import FormSpec
from mailflow.storage.models import Applicant
from mailflow.workflow.guards import missing_fields

CONTEXT_NAMES = ("applicant", "course", "reference", "missing_fields", "reason", "fee_waived")
_REFERENCE = re.compile(r"\b([A-Z]\d{6})-(\d{1,9})\b")


TO_APPLICANT, TO_STAFF = "applicant", "staff"


def mail_key(audience: str, applicant_id: int, template: str, occasion: str) -> str:
    """The outbox idempotency key (audience, applicant, template, occasion).

    The audience comes first so that a reply to one of our mails can be told apart:
    only replies to mails sent to the applicant are theirs.
    """
    return f"{audience}:{applicant_id}:{template}:{occasion}"


def reference(course_code: str, applicant_id: int) -> str:
    """The reference our mails carry in their subject, e.g. ``A901357-12``."""
    return f"{course_code}-{applicant_id}"


def find_reference(text: str) -> tuple[str, int] | None:
    """(course code, applicant id) of a reference in a subject, if it has one."""
    match = _REFERENCE.search(text)
    return (match.group(1), int(match.group(2))) if match else None


def mail_context(
    applicant: Applicant, course: Course, form: FormSpec | None, reason: str = ""
) -> dict[str, Any]:
    """The variables of every template: the applicant, the course facts, and why."""
    return {
        "applicant": applicant,
        "course": course,
        "reference": reference(course.code, applicant.id),
        "missing_fields": missing_fields(applicant, form),
        "reason": reason,
        "fee_waived": applicant.cost_sharing == "granted",
    }
