"""Staff decisions as workflow events: one per command, or many from a CSV file.

A decision is an event like any other; the rules say what it does. When no rule
answers it in the applicant's state, staff are told so rather than nothing happening.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from mailflow.errors import MailflowError
from mailflow.storage.models import Applicant
from mailflow.workflow.engine import Engine, Firing
from mailflow.workflow.events import Event

DECISIONS = {"accept": "staff_accept", "waitlist": "staff_waitlist", "reject": "staff_reject"}
CSV_COLUMNS = ("id", "decision", "reason")


def staff_event(
    session: Session,
    engine: Engine,
    applicant_id: int,
    event_name: str,
    now: datetime,
    reason: str = "",
) -> list[Firing]:
    """Fire one staff event for one applicant; MailflowError when no rule answers it."""
    applicant = session.get(Applicant, applicant_id)
    if applicant is None:
        raise MailflowError(f"no applicant with id {applicant_id}; see `mailflow applicants`")
    _refuse_a_second_cost_sharing_decision(applicant, event_name)
    event = Event(
        name=event_name,
        occasion=f"staff-{event_name}-{now.isoformat()}",
        cause=f"staff command {event_name}" + (f": {reason}" if reason else ""),
        reason=reason,
    )
    firings = engine.fire(session, applicant, event, now)
    if not firings:
        why = _why_not(session, engine, applicant, event, now)
        raise MailflowError(
            f"applicant {applicant_id} is {applicant.state}: {why}; "
            f"see `mailflow show {applicant_id}`"
        )
    return firings


_COST_SHARING = {"cost_sharing_granted": "granted", "cost_sharing_refused": "refused"}


def _refuse_a_second_cost_sharing_decision(applicant: Applicant, event_name: str) -> None:
    """A cost-sharing request is decided once: repeating it would mail the applicant
    again, reversing it would mail them the opposite of what they were told."""
    wanted, decided = _COST_SHARING.get(event_name), applicant.cost_sharing
    if wanted is None or decided not in _COST_SHARING.values():
        return
    if decided == wanted:
        raise MailflowError(
            f"applicant {applicant.id}'s cost-sharing request is already {decided}: "
            "nothing changed, nothing sent"
        )
    raise MailflowError(
        f"applicant {applicant.id}'s cost-sharing request was {decided} and they were told "
        f"so; it is not reversed by command: write to them yourself, and see "
        f"`mailflow show {applicant.id}`"
    )


def _why_not(
    session: Session, engine: Engine, applicant: Applicant, event: Event, now: datetime
) -> str:
    """Why no rule fired: none answers the event in this state, or their guards fail."""
    tried = engine.rules.workflow.event_rules(event.name, applicant.state)
    if not tried:
        return f"no rule in {engine.rules.workflow.path.name} answers {event.name} in this state"
    return "; ".join(
        f"rule {rule.name!r} needs {', '.join(failing) or 'a new occasion (it already fired)'}"
        for rule in tried
        for failing in [engine.failing_guards(session, applicant, rule, event, now)]
    )


@dataclass(frozen=True)
class CsvOutcome:
    line: int
    applicant_id: str
    outcome: str
    ok: bool


def decide_from_csv(
    session: Session, engine: Engine, path: Path, now: datetime
) -> list[CsvOutcome]:
    """Apply each row (id, decision, reason) on its own: a bad row stops no other."""
    outcomes = []
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise MailflowError(f"{path}: not UTF-8 text; save it as UTF-8 (CSV UTF-8)") from None
    with io.StringIO(text, newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in CSV_COLUMNS[:2] if c not in (reader.fieldnames or [])]
        if missing:
            raise MailflowError(
                f"{path}:1: the header must name the columns {', '.join(CSV_COLUMNS)} "
                f"(missing: {', '.join(missing)})"
            )
        for row in reader:
            line = reader.line_num
            decision = (row.get("decision") or "").strip().lower()
            applicant_id = (row.get("id") or "").strip()
            if decision not in DECISIONS or not applicant_id.isdigit():
                outcomes.append(
                    CsvOutcome(line, applicant_id, "write an id and accept|waitlist|reject", False)
                )
                continue
            savepoint = session.begin_nested()
            try:
                firings = staff_event(
                    session,
                    engine,
                    int(applicant_id),
                    DECISIONS[decision],
                    now,
                    (row.get("reason") or "").strip(),
                )
            except MailflowError as exc:
                savepoint.rollback()
                outcomes.append(CsvOutcome(line, applicant_id, str(exc), False))
                continue
            savepoint.commit()
            outcomes.append(CsvOutcome(line, applicant_id, describe(firings), True))
    return outcomes


def describe(firings: list[Firing]) -> str:
    """One line per rule that fired: what it did and which mails it queued."""
    lines = []
    for firing in firings:
        move = (
            f"{firing.from_state} -> {firing.to_state}"
            if firing.from_state != firing.to_state
            else f"stays {firing.to_state}"
        )
        mails = "".join(f"; mail {m.template} to {m.recipient}" for m in firing.mails)
        notes = "".join(f"; {n}" for n in firing.notes)
        lines.append(f"#{firing.applicant_id} {firing.rule.name}: {move}{mails}{notes}")
    return "\n".join(lines)
