"""What kind of mail this is, before anything is answered.

Automatic replies, bounces and list traffic are never answered (RFC 3834): answering
them is how mail loops start.
"""

from __future__ import annotations

from mailflow.message import ParsedMail

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
