"""Mail templates staff edit: Jinja2 in a sandbox, strict about missing variables.

An applicant's text only ever reaches a template as a variable's value, never as
template code; an undefined variable stops the rendering instead of leaving a raw
placeholder in a mail. A template's first line is ``Subject: ...``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import StrictUndefined, TemplateError
from jinja2.sandbox import SandboxedEnvironment

from mailflow.errors import RulesError


@dataclass(frozen=True)
class RenderedMail:
    subject: str
    body: str


class MailTemplates:
    """Templates under ``templates/<language>/<name>.txt``, English when a language lacks one."""

    def __init__(self, folder: Path, fallback_language: str = "en") -> None:
        self.folder = folder
        self.fallback_language = fallback_language
        self.environment = SandboxedEnvironment(
            undefined=StrictUndefined,
            autoescape=False,
            keep_trailing_newline=True,
        )

    def render(self, name: str, language: str, context: dict[str, Any]) -> RenderedMail:
        """Render subject and body separately, so no value can move text between them."""
        template_path = self._path(name, language)
        source = (self.folder / template_path).read_text(encoding="utf-8")
        subject_line, _, body_source = source.partition("\n")
        if not subject_line.startswith("Subject:"):
            raise RulesError(f"{self.folder / template_path}:1: first line must be 'Subject: ...'")
        try:
            subject = self.environment.from_string(subject_line.removeprefix("Subject:"))
            body = self.environment.from_string("\n" + body_source)  # keeps line numbers true
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
