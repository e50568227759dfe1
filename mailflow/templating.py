"""Mail templates staff edit: Jinja2 in a sandbox, strict about missing variables.

An applicant's text only ever reaches a template as a variable's value, never as
template code; an undefined variable stops the rendering instead of leaving a raw
placeholder in a mail. A template's first line is ``Subject: ...``. Dates and amounts
are written the way the template's language writes them (``longdate``, ``money``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from babel.dates import format_date
from babel.numbers import format_decimal
from jinja2 import FileSystemLoader, StrictUndefined, TemplateError, pass_context
from jinja2.runtime import Context
from jinja2.sandbox import SandboxedEnvironment

from mailflow.errors import RulesError

FALLBACK_LANGUAGE = "en"


@dataclass(frozen=True)
class RenderedMail:
    subject: str
    body: str


class MailTemplates:
    """Templates under ``templates/<language>/<name>.txt``, English when a language lacks one."""

    def __init__(self, folder: Path, fallback_language: str = FALLBACK_LANGUAGE) -> None:
        self.folder = folder
        self.fallback_language = fallback_language
        self.environment = SandboxedEnvironment(
            loader=FileSystemLoader(str(folder)),
            undefined=StrictUndefined,
            autoescape=False,
            keep_trailing_newline=True,
        )
        self.environment.filters["longdate"] = _longdate
        self.environment.filters["money"] = _money

    def render(self, name: str, language: str, context: dict[str, Any]) -> RenderedMail:
        template_path = self._path(name, language)
        try:
            text = self.environment.get_template(template_path).render(context)
        except TemplateError as exc:
            raise RulesError(f"{self.folder / template_path}: {exc}") from None
        first_line, _, body = text.partition("\n")
        if not first_line.startswith("Subject:"):
            raise RulesError(f"{self.folder / template_path}:1: first line must be 'Subject: ...'")
        subject = " ".join(first_line.removeprefix("Subject:").split())
        return RenderedMail(subject=subject, body=body.lstrip("\n"))

    def _path(self, name: str, language: str) -> str:
        for candidate in (language, self.fallback_language):
            path = f"{candidate}/{name}.txt"
            if (self.folder / path).is_file():
                return path
        raise RulesError(f"{self.folder}: no template {name!r} for {language!r} or the fallback")


def _language_of(context: Context) -> str:
    """The language folder of the template being rendered (``fr/acceptance.txt`` -> fr)."""
    return (context.name or FALLBACK_LANGUAGE).split("/", 1)[0]


@pass_context
def _longdate(context: Context, value: date) -> str:
    return format_date(value, format="long", locale=_language_of(context))


@pass_context
def _money(context: Context, amount: int, currency: str) -> str:
    return f"{currency} {format_decimal(amount, locale=_language_of(context))}"
