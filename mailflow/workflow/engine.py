"""Runs the workflow: an event for an applicant → the rule that answers it → its actions.

Everything happens in the caller's session, so the new state, its history line, the
record that the rule fired and the mails it queued are committed together or not at
all. The fired-rule record is unique per (applicant, rule, occasion): running a job or
a command twice finds it and does nothing the second time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mailflow.course import Course
from mailflow.errors import RulesError
from mailflow.outbox import Outbox
from mailflow.storage.models import Applicant, OutboxMail, ReviewItem, RuleFiring, StateChange
from mailflow.templating import FALLBACK_LANGUAGE
from mailflow.workflow.context import TO_APPLICANT, TO_STAFF, mail_context, mail_key
from mailflow.workflow.events import Event
from mailflow.workflow.guards import Situation, holds
from mailflow.workflow.model import Action, Rule
from mailflow.workflow.ruleset import RuleSet

MAX_DEPTH = 4  # on_entering rules and promotions chain; a chain this long is a loop


@dataclass
class Firing:
    """What one rule did for one applicant, as replay and the commands report it."""

    rule: Rule
    applicant_id: int
    from_state: str
    to_state: str
    why: str
    mails: list[OutboxMail] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    needs_person: bool = False


class Engine:
    """Applies one rule set; every method works in the session it is given."""

    def __init__(self, rules: RuleSet, outbox: Outbox) -> None:
        self.rules = rules
        self.outbox = outbox

    def fire(
        self, session: Session, applicant: Applicant, event: Event, now: datetime, depth: int = 0
    ) -> list[Firing]:
        """Try the rules answering ``event`` by priority; the first whose guards hold fires."""
        for rule in self.rules.workflow.event_rules(event.name, applicant.state):
            if self.guards_hold(session, applicant, rule, event, now):
                return self.apply(session, applicant, rule, event, now, depth)
        return []

    def guards_hold(
        self, session: Session, applicant: Applicant, rule: Rule, event: Event, now: datetime
    ) -> bool:
        return not self.failing_guards(session, applicant, rule, event, now)

    def failing_guards(
        self, session: Session, applicant: Applicant, rule: Rule, event: Event, now: datetime
    ) -> list[str]:
        """The guards of a rule that do not hold now (none: the rule may fire)."""
        situation = Situation(
            session=session,
            applicant=applicant,
            course=self.rules.courses[applicant.course],
            form=self.rules.form_for(applicant.course),
            event=event,
            now=now,
            held_by=self.rules.workflow.held_by,
        )
        return [guard for guard in rule.guards if not holds(guard, situation)]

    def apply(
        self,
        session: Session,
        applicant: Applicant,
        rule: Rule,
        event: Event,
        now: datetime,
        depth: int = 0,
    ) -> list[Firing]:
        """Fire one rule (its guards already hold) unless it fired on this occasion."""
        if depth > MAX_DEPTH:
            raise RulesError(f"{rule.where}: rule {rule.name!r} is part of a loop of rules")
        occasion = "once" if rule.repeat == "once per applicant" else event.occasion
        if session.scalar(
            select(RuleFiring.id).where(
                RuleFiring.applicant_id == applicant.id,
                RuleFiring.rule == rule.name,
                RuleFiring.occasion == occasion,
            )
        ):
            return []
        session.add(
            RuleFiring(
                applicant_id=applicant.id,
                rule=rule.name,
                occasion=occasion,
                event=event.name,
                at=now,
            )
        )
        because = f" because {', '.join(rule.guards)}" if rule.guards else ""
        why = f"rule {rule.name!r} ({rule.where}){because}: {event.cause}"
        firing = Firing(rule, applicant.id, applicant.state, rule.to or applicant.state, why)
        session.add(
            StateChange(
                applicant_id=applicant.id,
                at=now,
                from_state=applicant.state,
                to_state=firing.to_state,
                event=event.name,
                cause=why,
                raw_mail_id=event.raw_mail_id,
            )
        )
        applicant.state = firing.to_state
        session.flush()
        firings = [firing]
        for action in rule.actions:
            firings += self.act(session, applicant, action, firing, event, occasion, now, depth)
        if firing.to_state != firing.from_state:
            for entering in self.rules.workflow.entering_rules(firing.to_state):
                if self.guards_hold(session, applicant, entering, event, now):
                    firings += self.apply(session, applicant, entering, event, now, depth + 1)
        return firings

    def act(
        self,
        session: Session,
        applicant: Applicant,
        action: Action,
        firing: Firing,
        event: Event,
        occasion: str,
        now: datetime,
        depth: int,
    ) -> list[Firing]:
        """Carry out one action; a promotion returns the firings it caused."""
        if action.kind == "cost_sharing":
            applicant.cost_sharing = action.value
        elif action.kind == "review":
            session.add(
                ReviewItem(
                    applicant_id=applicant.id,
                    raw_mail_id=event.raw_mail_id,
                    reason=f"{action.value} (rule {firing.rule.name!r})",
                    created_at=now,
                )
            )
            firing.notes.append(f"put in review: {action.value}")
            firing.needs_person = True
        elif action.kind == "promote":
            return self.promote(session, applicant, action.value, occasion, now, depth)
        elif action.kind == "notify_staff":
            self.send(session, applicant, action.value, event, occasion, firing, staff=True)
        elif action.kind == "send":
            if applicant.address_bad or not applicant.email:
                firing.notes.append(f"{action.value} not sent: no working address")
            else:
                self.send(session, applicant, action.value, event, occasion, firing, staff=False)
        else:  # the rulebook accepts only the actions above
            raise RulesError(f"{firing.rule.where}: unknown action {action.kind!r}")
        return []

    def send(
        self,
        session: Session,
        applicant: Applicant,
        template: str,
        event: Event,
        occasion: str,
        firing: Firing,
        staff: bool,
    ) -> None:
        """Queue one mail under the key (applicant, template, occasion)."""
        course = self.rules.courses[applicant.course]
        context = mail_context(applicant, course, self.rules.form_for(course.code), event.reason)
        recipient = course.contacts.course_assistant.email if staff else str(applicant.email)
        queued = self.outbox.queue(
            session,
            key=mail_key(TO_STAFF if staff else TO_APPLICANT, applicant.id, template, occasion),
            template=template,
            language=_staff_language(course) if staff else applicant.language,
            recipient=recipient,
            context=context,
            applicant_id=applicant.id,
            reply_to=None if staff else event.reply_to,
        )
        if queued is not None:
            firing.mails.append(queued)

    def promote(
        self,
        session: Session,
        applicant: Applicant,
        state: str,
        occasion: str,
        now: datetime,
        depth: int,
    ) -> list[Firing]:
        """Offer the freed place to the applicant who entered ``state`` first."""
        entered = (
            select(StateChange.applicant_id, func.max(StateChange.id).label("entered"))
            .where(StateChange.to_state == state)
            .group_by(StateChange.applicant_id)
            .subquery()
        )
        first = session.scalar(
            select(Applicant)
            .join(entered, entered.c.applicant_id == Applicant.id)
            .where(Applicant.course == applicant.course, Applicant.state == state)
            .order_by(entered.c.entered)
            .limit(1)
        )
        if first is None:
            return []
        event = Event(
            name="place_freed",
            occasion=f"{occasion}:freed-by-{applicant.id}",
            cause=f"{applicant.display_name} (#{applicant.id}) left a place",
        )
        return self.fire(session, first, event, now, depth + 1)


def _staff_language(course: Course) -> str:
    """Staff are written to in the course's first working language."""
    return course.languages[0] if course.languages else FALLBACK_LANGUAGE
