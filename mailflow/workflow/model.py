"""The workflow as the engine sees it: states, rules with their trigger, guards, actions.

rulebook.py builds these from the staff file; nothing else does, so every rule the
engine runs has been checked.
"""

from __future__ import annotations

import re
import unicodedata
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

    def mother_tongue_language(self, mother_tongue: str | None) -> str | None:
        """The course language a mother tongue is (or staff map it to), else None.

        A form may give several ("Wolof, French"): the first one that is a course
        language (one of [languages], or the default) wins. A course language is known
        in its own and other spellings (Français, francés, espagnol, castellano); the
        ``mother_tongues`` lists of the workflow file add others (Wolof: French).
        """
        course_languages = {self.default_language, *self.languages}
        for part in _TONGUE_SEPARATORS.split(_folded(mother_tongue or "")):
            tongue = part.strip(" .()-")
            if not tongue:
                continue
            for code, choice in self.languages.items():
                if tongue in (_folded(t) for t in choice.mother_tongues):
                    return code
            code = LANGUAGE_NAMES.get(tongue)
            if code in course_languages:
                return code
        return None

    def language_for(
        self, mother_tongue: str | None, country: str | None, mail_text: str = ""
    ) -> str:
        """The language to write to someone in: by mother tongue when it is a course
        language (see ``mother_tongue_language``), else by country, else by the words of
        their mail (two of a language's mail_words), else the default."""
        spoken = self.mother_tongue_language(mother_tongue)
        if spoken is not None:
            return spoken
        for code, choice in self.languages.items():
            if country and country.upper() in choice.countries:
                return code
        words = set(re.findall(r"[\w'-]+", mail_text.lower()))
        for code, choice in self.languages.items():
            if len(words & {w.lower() for w in choice.mail_words}) >= MAIL_WORDS_NEEDED:
                return code
        return self.default_language


# The course languages as an application form may name them, folded (no case, no accents).
LANGUAGE_NAMES = {
    name: code
    for code, names in {
        "en": "english anglais ingles inglese englisch engels ingles angles en eng",
        "fr": "french francais frances francese franzosisch frans fr fra francophone",
        "es": "spanish espanol espagnol castellano castilian castillan spagnolo spanisch "
        "spaans espanhol es esp spa",
    }.items()
    for name in names.split()
}
_TONGUE_SEPARATORS = re.compile(r"[,/;&+|]|\band\b|\bet\b|\by\b")


def _folded(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text.casefold())
    return " ".join("".join(c for c in plain if not unicodedata.combining(c)).split())
