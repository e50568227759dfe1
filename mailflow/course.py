"""Course facts staff keep in rules/courses/: one file per course, named by activity code."""

from __future__ import annotations

import tomllib
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from mailflow.errors import RulesError


class _Facts(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Fee(_Facts):
    currency: str
    total: int
    tuition: int
    subsistence: int


class Contact(_Facts):
    name: str
    email: str
    fax: str | None = None


class Contacts(_Facts):
    activity_manager: Contact
    course_assistant: Contact


class Course(_Facts):
    code: str
    title: str
    venue: str
    start: date
    end: date
    timezone: str
    application_deadline: date
    payment_deadline: date
    arrival: date
    capacity: int
    cost_sharing_places: int
    languages: tuple[str, ...]
    fee: Fee
    contacts: Contacts

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (write e.g. 'Europe/Rome')") from None
        return value

    @property
    def dates(self) -> dict[str, date]:
        """The dates a workflow rule may count from, by the name it uses for them."""
        return {
            "application_deadline": self.application_deadline,
            "payment_deadline": self.payment_deadline,
            "arrival": self.arrival,
            "start": self.start,
            "end": self.end,
        }


def load_courses(rules_dir: Path) -> dict[str, Course]:
    """Every course under ``rules_dir/courses``, by activity code."""
    courses = {}
    for path in sorted((rules_dir / "courses").glob("*.toml")):
        try:
            course = Course.model_validate(tomllib.loads(path.read_text(encoding="utf-8")))
        except tomllib.TOMLDecodeError as exc:
            raise RulesError(f"{path}: not valid TOML: {exc}") from None
        except ValidationError as exc:
            error = exc.errors()[0]
            key = ".".join(str(part) for part in error["loc"])
            raise RulesError(f"{path}: {key}: {error['msg']}") from None
        courses[course.code] = course
    return courses
