"""What kind of mail this is and whom it is about, before anything is answered.

Automatic replies, bounces and list traffic are never answered (RFC 3834): answering
them is how mail loops start. A bounce still tells us something: the address is bad.
"""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from mailflow.message import ParsedMail
from mailflow.storage.models import Applicant, OutboxMail
from mailflow.workflow.context import TO_APPLICANT, find_reference

_ROBOT_LOCALPARTS = ("mailer-daemon", "postmaster", "no-reply", "noreply", "do-not-reply")


def automatic_reply_reason(mail: ParsedMail, own_addresses: frozenset[str]) -> str | None:
    """Why this mail must not be answered, or None when a person may have written it."""
    headers = mail.headers
    auto_submitted = (headers.get("Auto-Submitted") or "no").strip().lower()
    if auto_submitted != "no":
        return f"Auto-Submitted: {auto_submitted}"
    precedence = (headers.get("Precedence") or "").strip().lower()
    if precedence in ("bulk", "junk", "list", "auto_reply"):
        return f"Precedence: {precedence}"
    if any(name.lower().startswith("list-") for name in headers):
        return "mailing-list headers"
    if headers.get("X-Autoreply") or headers.get("X-Autorespond"):
        return "auto-responder header"
    if (headers.get("Return-Path") or "").strip() == "<>":
        return "empty return path (a bounce)"
    if headers.get_content_type() == "multipart/report":
        return "delivery or read report"
    sender = mail.sender or ""
    if sender.split("@")[0] in _ROBOT_LOCALPARTS:
        return f"sent by {sender}"
    if sender in own_addresses:
        return "sent by mailflow itself"
    return None


def is_bounce(mail: ParsedMail) -> bool:
    """A delivery failure report (as opposed to an out-of-office or list mail)."""
    if mail.headers.get_content_type() == "multipart/report":
        return True
    sender = (mail.sender or "").split("@")[0]
    return sender in ("mailer-daemon", "postmaster")


_FAILED_RECIPIENT = re.compile(
    r"^(?:Final|Original)-Recipient:\s*rfc822;\s*<?([^\s<>]+@[^\s<>]+)>?", re.I | re.M
)


_ANY_ADDRESS = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def bounced_addresses(raw: bytes) -> list[str]:
    """The addresses a delivery report says could not be reached.

    A standard report (RFC 3464) names them; an informal one only quotes them in its
    text, so then every address in it is a candidate (the caller keeps the known ones).
    """
    text = raw.decode("utf-8", errors="replace")
    found = _FAILED_RECIPIENT.findall(text) or _ANY_ADDRESS.findall(text)
    return sorted({address.lower() for address in found})


def body_text(mail: ParsedMail) -> str:
    """The mail's own text (plain part preferred), empty when it has none."""
    part = mail.headers.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    try:
        return str(part.get_content())
    except (LookupError, ValueError):  # an unknown charset: the words cannot be read
        return ""


# The line a mail program writes above the text it quotes: everything after it is theirs.
_QUOTE_HEADER = re.compile(
    r"^\s*(?:on\b.*\bwrote\s*:|le\b.*\ba\s+écrit\s*:|el\b.*\bescribió\s*:"
    r"|-+\s*(?:original message|message d'origine|mensaje original)\s*-+"
    r"|_{8,}\s*$|(?:from|de)\s*:\s.*@)",  # Outlook: a rule, then From: Sent: To:
    re.I,
)
# Words that make a sentence doubtful: a negation, a condition, a possibility.
_DOUBT_WORDS = frozenset(
    (
        "if",
        "may",
        "might",
        "maybe",
        "perhaps",
        "possibly",
        "not",
        "no",
        "never",
        "don't",
        "dont",
        "won't",
        "unless",
        "whether",
        "would",
        "could",
        "should",
        "wonder",
        "consider",
        "considering",
        "thinking",
        "si",
        "pas",
        "ne",
        "jamais",
        "peut-être",
        "peut-etre",
        "pourrais",
        "pourrait",
        "envisage",
        "quizás",
        "quizas",
        "quizá",
        "podría",
        "podria",
        "nunca",
    )
)
# Signs of an out-of-office text, whose "not able to attend" is about the mail, not the course.
_AWAY = re.compile(
    r"out of (?:the )?office|away from|on leave|on holiday|on vacation|absent|en congé"
    r"|fuera de la oficina|de vacaciones|auto.?reply|réponse automatique",
    re.I,
)
# Any mention of withdrawing, clear or not: such a mail is for a person, never "unclear".
_MENTIONS = re.compile(
    r"withdr[ae]w|cancel|désist|desist|retir|annul|no longer|not be able to attend"
    r"|ne pourrai|no podré|no podre",
    re.I,
)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n")


def own_text(text: str) -> str:
    """The lines the sender wrote: neither quoted (``>``) nor after an "On ... wrote:" line."""
    lines = []
    for line in text.splitlines():
        if _QUOTE_HEADER.match(line):
            break
        if not line.lstrip().startswith(">"):
            lines.append(line)
    return "\n".join(lines)


def _clear_sentence(sentence: str, word: str) -> bool:
    """A plain statement: not a question, nor negated, conditional or out-of-office."""
    if sentence.rstrip().endswith("?") or "¿" in sentence or _AWAY.search(sentence):
        return False
    rest = sentence.replace(word, " ")
    words = set(re.findall(r"[\w'’-]+", rest.replace("’", "'")))
    return not words & _DOUBT_WORDS and "tal vez" not in rest


def withdrawal_said(mail: ParsedMail, words: tuple[str, ...]) -> str | None:
    """Whether a mail withdraws: ``"clear"``, ``"doubtful"`` (a person decides) or None.

    Clear only when a withdrawal phrase of the workflow file stands in the sender's own
    text (not quoted) in a sentence that is neither a question nor negated or
    conditional, and the mail is no out-of-office reply. Any other mention of
    withdrawing is doubtful.
    """
    body = body_text(mail)
    everything = f"{mail.subject}\n{body}".lower()
    mine = f"{mail.subject}\n{own_text(body)}".lower()
    if not _AWAY.search(mine):
        for sentence in _SENTENCE_END.split(mine):
            for word in words:
                if word in sentence and _clear_sentence(sentence, word):
                    return "clear"
    if any(word in everything for word in words) or _MENTIONS.search(mine):
        return "doubtful"
    return None


def find_applicant(
    session: Session, mail: ParsedMail, course: str | None = None, by_sender: bool = True
) -> Applicant | None:
    """The applicant a mail is about: by our thread, a reference in the subject, or sender.

    Thread headers are the surest (they name a mail we sent), then the reference our
    subjects carry, then the sender's address (not used for faxes, whose sender is the
    gateway).
    """
    ours = [mail.in_reply_to, *mail.references]
    thread_ids = [m for m in ours if m]
    if thread_ids:
        applicant_id = session.scalar(
            select(OutboxMail.applicant_id)
            .where(
                OutboxMail.message_id.in_(thread_ids),
                OutboxMail.idempotency_key.startswith(f"{TO_APPLICANT}:"),  # not staff notices
            )
            .limit(1)
        )
        if applicant_id is not None:
            return session.get(Applicant, applicant_id)
    found = find_reference(mail.subject)
    if found:
        applicant = session.get(Applicant, found[1])
        if applicant is not None and applicant.course == found[0]:
            return applicant
    if by_sender and mail.sender:
        query = select(Applicant).where(Applicant.email == mail.sender)
        if course:
            query = query.where(Applicant.course == course)
        found_by_sender = session.scalars(query.order_by(Applicant.id.desc()).limit(2)).all()
        # One address may send for several people (a training office): then it names none.
        return found_by_sender[0] if len(found_by_sender) == 1 else None
    return None
