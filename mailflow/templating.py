"""Mail templates staff edit: Jinja2 in a sandbox, strict about missing variables.

An applicant's text only ever reaches a template as a variable's value, never as
template code; an undefined variable stops the rendering instead of leaving a raw
placeholder in a mail. A template's first line is ``Subject: ...``. Dates and amounts
are written the way the template's language writes them (``longdate``, ``money``);
``{% include "en/_signature.inc" %}`` shares a piece between the mails of a language.
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
            loader=FileSystemLoader(str(folder)),  # for {% include "en/_signature.inc" %}
            undefined=StrictUndefined,
            autoescape=False,
            keep_trailing_newline=True,
        )
        self.environment.filters["longdate"] = _longdate
        self.environment.filters["money"] = _money

    def render(self, name: str, language: str, context: dict[str, Any]) -> RenderedMail:
        """Render subject and body separately, so no value can move text between them."""
        template_path = self._path(name, language)
        try:
            source = (self.folder / template_path).read_text(encoding="utf-8")
        except UnicodeDecodeError:
            raise RulesError(
                f"{self.folder / template_path}: not UTF-8 text; save it as UTF-8"
            ) from None
        subject_line, _, body_source = source.partition("\n")
        if not subject_line.startswith("Subject:"):
            raise RulesError(f"{self.folder / template_path}:1: first line must be 'Subject: ...'")
        try:
            language_of = {_LANGUAGE: template_path.split("/", 1)[0]}
            subject = self.environment.from_string(
                subject_line.removeprefix("Subject:"), globals=language_of
            )
            # The leading newline keeps the body's line numbers those of the file.
            body = self.environment.from_string("\n" + body_source, globals=language_of)
            rendered_subject, rendered_body = subject.render(context), body.render(context)
        except TemplateError as exc:
            line = getattr(exc, "lineno", None)
            where = f":{line}" if line else ""
            raise RulesError(f"{self.folder / template_path}{where}: {exc}") from None
        return RenderedMail(
            subject=" ".join(rendered_subject.split()), body=rendered_body.lstrip("\n")
        )

    def _path(self, name: str, language: str) -> str:
        for candidate in (language, self.fallback_language):
            path = f"{candidate}/{name}.txt"
            if (self.folder / path).is_file():
                return path
        raise RulesError(f"{self.folder}: no template {name!r} for {language!r} or the fallback")


_LANGUAGE = "_language"  # set for each mail: the language its template is written in
_LOCALES = {"en": "en_GB"}  # the centre writes British English: 13 July 2009


def _locale(context: Context) -> str:
    language = context.get(_LANGUAGE, FALLBACK_LANGUAGE)
    return _LOCALES.get(language, language)


@pass_context
def _longdate(context: Context, value: date) -> str:
    return format_date(value, format="long", locale=_locale(context))


@pass_context
def _money(context: Context, amount: int, currency: str) -> str:
    return f"{currency} {format_decimal(amount, locale=_locale(context))}"
