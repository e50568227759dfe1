"""The workflow as the engine sees it: states, rules with their trigger, guards, actions.

rulebook.py builds these from the staff file; nothing else does, so every rule the
engine runs has been checked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

MAIL_WORDS_NEEDED = 2  # one shared word ("solicitud" in an English mail) proves nothing
ENTERING = "entering"  # "10 days after entering": counted from when the state was entered

Trigger = Literal["on", "on_entering", "at"]


@dataclass(frozen=True)
class Action:
    kind: str
    value: str


@dataclass(frozen=True)
class TimeSpec:
    """``7 days before application_deadline``: a day counted from a course date."""

    days: int
    date_name: str


@dataclass(frozen=True)
class Rule:
    name: str
    trigger: Trigger
    event: str | None
    entering: str | None
    at: TimeSpec | None
    while_in: tuple[str, ...]
    guards: tuple[str, ...]
    to: str | None
    priority: int
    repeat: str
    actions: tuple[Action, ...]
    path: Path
    line: int

    @property
    def where(self) -> str:
        """``workflow.toml:12``: short enough for an applicant's history."""
        return f"{self.path.name}:{self.line}"

    @property
    def location(self) -> str:
        """The full path and line, for `rules check`."""
        return f"{self.path}:{self.line}"

    def applies_in(self, state: str) -> bool:
        return not self.while_in or state in self.while_in


@dataclass(frozen=True)
class LanguageChoice:
    mother_tongues: tuple[str, ...]
    countries: tuple[str, ...]
    mail_words: tuple[str, ...] = ()


@dataclass(frozen=True)
class Workflow:
    """The states, the rules and the intake settings of one workflow file."""

    path: Path
    initial: str
    states: dict[str, str]
    held_by: tuple[str, ...]
    fax_gateway: str | None
    withdrawal_words: tuple[str, ...]
    default_language: str
    languages: dict[str, LanguageChoice]
    rules: tuple[Rule, ...] = field(default=())

    def event_rules(self, event: str, state: str) -> list[Rule]:
        """The rules answering ``event`` in ``state``, in the order they are tried."""
        found = [r for r in self.rules if r.event == event and r.applies_in(state)]
        return sorted(found, key=lambda r: r.priority)

    def entering_rules(self, state: str) -> list[Rule]:
        return sorted((r for r in self.rules if r.entering == state), key=lambda r: r.priority)

    def time_rules(self) -> list[Rule]:
        return sorted((r for r in self.rules if r.at), key=lambda r: r.priority)

    def language_for(
        self, mother_tongue: str | None, country: str | None, mail_text: str = ""
    ) -> str:
        """The language to write to someone in: by mother tongue, else by country, else
        by the words of their mail (two of a language's mail_words), else the default."""
        tongue = (mother_tongue or "").strip().lower()
        for code, choice in self.languages.items():
            if tongue and tongue in (t.lower() for t in choice.mother_tongues):
                return code
        for code, choice in self.languages.items():
            if country and country.upper() in choice.countries:
                return code
        words = set(re.findall(r"[\w'-]+", mail_text.lower()))
        for code, choice in self.languages.items():
            if len(words & {w.lower() for w in choice.mail_words}) >= MAIL_WORDS_NEEDED:
                return code
        return self.default_language
