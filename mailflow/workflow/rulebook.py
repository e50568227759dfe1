"""The workflow file staff edit (rules/workflow.toml), read into typed rules.

Every mistake is reported with its file:line and what to write instead, and all of them
at once, so a course assistant fixes a file in one go. A rule names exactly one trigger:
an event (``on``), entering a state (``on_entering``) or a time (``at``).
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

from mailflow.errors import RulesError
from mailflow.workflow.events import EVENTS
from mailflow.workflow.guards import GUARDS, guard_name
from mailflow.workflow.model import (
    ENTERING,
    Action,
    LanguageChoice,
    Rule,
    TimeSpec,
    Trigger,
    Workflow,
)
from mailflow.workflow.tomllines import Problem, TomlLines

ACTIONS = ("send", "notify_staff", "review", "promote", "cost_sharing")
REPEATS = ("every time", "once per applicant")
DATE_NAMES = ("application_deadline", "payment_deadline", "arrival", "start", "end")
_AT = re.compile(r"^(?:(\d+) days? (before|after) |on )(\w+)$")

RULE_KEYS = (
    "name",
    "on",
    "on_entering",
    "at",
    "while_in",
    "guards",
    "to",
    "priority",
    "repeat",
    "actions",
)
TOP_KEYS = ("initial", "places", "intake", "languages", "states", "rules")
INTAKE_KEYS = ("fax_gateway", "withdrawal_words")
LANGUAGE_KEYS = ("mother_tongues", "countries", "mail_words")


def load_workflow(path: Path) -> Workflow:
    """The workflow in ``path``; a RulesError listing every problem when it has any."""
    workflow, problems = parse_workflow(path)
    if problems or workflow is None:
        raise RulesError("\n".join(str(p) for p in problems))
    return workflow


def parse_workflow(path: Path) -> tuple[Workflow | None, list[Problem]]:
    """The workflow and the problems found reading it (the workflow is None if unusable)."""
    text = path.read_text(encoding="utf-8")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        return None, [Problem(str(path), f"not valid TOML: {exc}")]
    reader = _Reader(path, TomlLines(str(path), text), data)
    workflow = reader.workflow()
    return workflow, reader.problems


class _Reader:
    """Builds the workflow while collecting every problem with its line."""

    def __init__(self, path: Path, lines: TomlLines, data: dict[str, Any]) -> None:
        self.path, self.lines, self.data = path, lines, data
        self.problems: list[Problem] = []

    def problem(self, line: int, message: str) -> None:
        self.problems.append(Problem(self.lines.at(line), message))

    def workflow(self) -> Workflow | None:
        states = self.data.get("states")
        if not isinstance(states, dict) or not states:
            self.problem(1, 'no [states] table; add one: [states] received = "what it means"')
            return None
        self.states = {str(k): str(v) for k, v in states.items()}
        initial = str(self.data.get("initial", ""))
        self.check_state(initial, self.lines.key("initial"), "initial")
        self.known_keys(self.data, TOP_KEYS, 0, "")
        places_line = self.lines.table("places")
        places = self.data.get("places", {})
        self.known_keys(places, ("held_by",), places_line, "[places] ")
        held_by = self.state_list(places.get("held_by", []), places_line)
        intake = self.data.get("intake", {})
        self.known_keys(intake, INTAKE_KEYS, self.lines.table("intake"), "[intake] ")
        languages = self.data.get("languages", {})
        for code, choice in languages.items():
            if isinstance(choice, dict):
                table = self.lines.table(f"languages.{code}")  # 1 when written inline
                inline = self.lines.key(code, self.lines.table("languages")) if table == 1 else 0
                where = f"[languages.{code}] "
                self.known_keys(choice, LANGUAGE_KEYS, table, where, at=inline)
        rules = tuple(
            rule
            for index, entry in enumerate(self.data.get("rules", []))
            if (rule := self.rule(index, entry)) is not None
        )
        seen: set[str] = set()
        for rule in rules:
            if rule.name in seen:
                self.problems.append(
                    Problem(rule.location, f"rule name {rule.name!r} is used twice; rename one")
                )
            seen.add(rule.name)
        return Workflow(
            path=self.path,
            initial=initial,
            states=self.states,
            held_by=held_by,
            fax_gateway=str(intake["fax_gateway"]).lower() if intake.get("fax_gateway") else None,
            withdrawal_words=tuple(w.lower() for w in intake.get("withdrawal_words", [])),
            default_language=str(languages.get("default", "en")),
            languages={
                code: LanguageChoice(
                    mother_tongues=tuple(choice.get("mother_tongues", [])),
                    countries=tuple(choice.get("countries", [])),
                    mail_words=tuple(choice.get("mail_words", [])),
                )
                for code, choice in languages.items()
                if isinstance(choice, dict)
            },
            rules=rules,
        )

    def check_state(self, state: str, line: int, key: str) -> bool:
        if state in self.states:
            return True
        self.problem(
            line,
            f"{key}: unknown state {state!r}; write one of {', '.join(self.states)} "
            "or add it under [states]",
        )
        return False

    def state_list(self, values: list[str], line: int, key: str = "held_by") -> tuple[str, ...]:
        for state in values:
            self.check_state(state, self.lines.key(key, line), key)
        return tuple(values)

    def known_keys(
        self, table: dict[str, Any], allowed: tuple[str, ...], start: int, where: str, at: int = 0
    ) -> None:
        """A misspelt key would silently do nothing (a guard never checked): say so."""
        for key in table:
            if key not in allowed:
                self.problem(
                    at or self.lines.key(key, start),
                    f"{where}unknown key {key!r}; write one of {', '.join(allowed)}",
                )

    def rule(self, index: int, entry: dict[str, Any]) -> Rule | None:
        start = self.lines.table("rules", index)
        name = str(entry.get("name") or f"rule {index + 1}")
        self.known_keys(entry, RULE_KEYS, start, f"rule {name!r}: ")
        triggers = [key for key in ("on", "on_entering", "at") if key in entry]
        if len(triggers) != 1:
            self.problem(
                start,
                f'rule {name!r}: give exactly one of on = "EVENT", on_entering = "STATE" '
                'or at = "N days before DATE"',
            )
            return None
        trigger: Trigger = triggers[0]  # type: ignore[assignment]
        line = self.lines.key(trigger, start)
        event = entry.get("on")
        if event is not None and event not in EVENTS:
            self.problem(
                line, f"rule {name!r}: unknown event {event!r}; write one of {', '.join(EVENTS)}"
            )
        entering = entry.get("on_entering")
        if entering is not None:
            self.check_state(entering, line, f"rule {name!r}: on_entering")
        at = self.time(entry.get("at"), line, name) if "at" in entry else None
        to = entry.get("to")
        if to is not None:
            self.check_state(to, self.lines.key("to", start), f"rule {name!r}: to")
            if entering is not None:
                self.problem(
                    self.lines.key("to", start),
                    f"rule {name!r}: an on_entering rule cannot change the state; "
                    "remove `to` or make it an `on` rule",
                )
        while_in = self.state_list(entry.get("while_in", []), start, "while_in")
        if at is not None and not while_in:
            self.problem(line, f"rule {name!r}: a time rule needs while_in = [states it is for]")
        guards = tuple(entry.get("guards", []))
        for guard in guards:
            if guard_name(guard) not in GUARDS:
                self.problem(
                    self.lines.key("guards", start),
                    f"rule {name!r}: unknown guard {guard!r}; write one of {', '.join(GUARDS)} "
                    '(or "not " before one)',
                )
        repeat = str(entry.get("repeat", "once per applicant" if at else "every time"))
        if repeat not in REPEATS:
            self.problem(
                self.lines.key("repeat", start),
                f"rule {name!r}: repeat {repeat!r}; write one of {', '.join(map(repr, REPEATS))}",
            )
        return Rule(
            name=name,
            trigger=trigger,
            event=event,
            entering=entering,
            at=at,
            while_in=while_in,
            guards=guards,
            to=to,
            priority=int(entry.get("priority", 100)),
            repeat=repeat,
            actions=self.actions(entry.get("actions", []), start, name),
            path=self.path,
            line=start,
        )

    def time(self, text: object, line: int, name: str) -> TimeSpec | None:
        match = _AT.match(str(text).strip())
        counts_forward = match is not None and match.group(2) == "after"
        allowed = (*DATE_NAMES, ENTERING) if counts_forward else DATE_NAMES
        if not match or match.group(3) not in allowed:
            self.problem(
                line,
                f'rule {name!r}: at = {text!r}; write e.g. "7 days before application_deadline" '
                f'with a date among {", ".join(DATE_NAMES)}, or "3 days after entering"',
            )
            return None
        days = int(match.group(1) or 0)
        signed = -days if match.group(2) == "before" else days
        return TimeSpec(days=signed, date_name=match.group(3))

    def actions(self, entries: list[Any], start: int, name: str) -> tuple[Action, ...]:
        found = []
        line = self.lines.key("actions", start)
        for entry in entries:
            if not isinstance(entry, dict) or len(entry) != 1 or next(iter(entry)) not in ACTIONS:
                self.problem(
                    line,
                    f"rule {name!r}: action {entry!r}; write one of "
                    + ", ".join(f'{{ {kind} = "..." }}' for kind in ACTIONS),
                )
                continue
            kind, value = next(iter(entry.items()))
            if kind == "promote":
                self.check_state(str(value), line, f"rule {name!r}: promote")
            found.append(Action(kind=kind, value=str(value)))
        return tuple(found)
