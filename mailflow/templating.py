"""Mail templates staff edit: Jinja2 in a sandbox, strict about missing variables.

An applicant's text only ever reaches a template as a variable's value, never as
template code; an undefined variable stops the rendering instead of leaving a raw
placeholder in a mail. A template's first line is ``Subject: ...``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import FileSystemLoader, StrictUndefined, TemplateError
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
            loader=FileSystemLoader(str(folder)),
            undefined=StrictUndefined,
            autoescape=False,
            keep_trailing_newline=True,
        )

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
