"""The demo: a mailbox folder of generated applications and the settings to run it."""

from __future__ import annotations

import random
from pathlib import Path

from mailflow.documents.formspec import load_form_specs
from mailflow.resources import shipped
from mailflow.samplegen.fillable import fill_form
from mailflow.samplegen.mails import application_mail
from mailflow.samplegen.people import make_person

COURSE_ADDRESS = "a901357@itcilo.example"

DEMO_SETTINGS = f"""\
# Settings of the mailflow demo: a folder mailbox, SQLite, outgoing mail to a folder.
[storage]
database = "mailflow.db"
raw_mail_dir = "raw"

[mailbox]
kind = "folder"
folder = "inbox"

[transport]
kind = "folder"
folder = "outbox"
from = "Course assistant A901357 <{COURSE_ADDRESS}>"
"""


def make_demo(folder: Path, count: int, seed: int = 2009) -> Path:
    """Create the demo folder (once) and return its settings file."""
    settings = folder / "mailflow.toml"
    inbox = folder / "inbox"
    if settings.exists():
        return settings
    inbox.mkdir(parents=True, exist_ok=True)
    spec = load_form_specs(shipped("rules"))["A901357"]
    rng = random.Random(seed)
    for serial in range(1, count + 1):
        person = make_person(rng, serial)
        name = f"{person.written['first_names']} {person.truth['family_name']}"
        mail = application_mail(
            str(person.truth["email"]),
            COURSE_ADDRESS,
            fill_form(spec, person.written),
            sender_name=name,
        )
        (inbox / f"application-{serial:02d}.eml").write_bytes(mail)
    settings.write_text(DEMO_SETTINGS, encoding="utf-8")
    return settings
