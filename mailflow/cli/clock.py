"""The time commands act at: now, or the time given with ``mailflow --now``.

Rules count days from the course dates, so a rehearsal (or a test) needs to say what
day it is; nothing below the command line reads the clock itself.
"""

from __future__ import annotations

from datetime import datetime

import click

from mailflow.storage.models import utcnow

NOW_KEY = "mailflow.now"


def now_of(context: click.Context) -> datetime:
    """The ``--now`` the command was given, else the current time (naive UTC)."""
    given: datetime | None = context.meta.get(NOW_KEY)
    return given or utcnow()
