"""What can happen to an applicant: the events the rules in workflow.toml react to.

Intake turns a mail into one of these, a staff command into another, and the engine
finds the rule that answers it. The occasion names this one happening (a mail, a command,
a day), so the record that a rule fired for it stops it firing again.
"""

from __future__ import annotations

from dataclasses import dataclass

from mailflow.message import ParsedMail

EVENTS = (
    "form_received",
    "withdrawal",
    "unclear_mail",
    "address_bounced",
    "review_resolved",
    "staff_accept",
    "staff_waitlist",
    "staff_reject",
    "payment_confirmed",
    "sponsor_guarantee",
    "cost_sharing_granted",
    "cost_sharing_refused",
    "place_freed",
)
# Time rules fire under this event name; it is not an event a rule may name in ``on``.
TIME_EVENT = "time"


@dataclass(frozen=True)
class Event:
    """One happening for one applicant, with what the guards and the history need."""

    name: str
    occasion: str
    cause: str
    fields_in_doubt: tuple[str, ...] = ()
    raw_mail_id: int | None = None
    reply_to: ParsedMail | None = None
    reason: str = ""
