"""Build mailflow's working parts from settings; nothing is configured globally."""

from __future__ import annotations

from dataclasses import dataclass
from email.utils import parseaddr

from mailflow.course import load_courses
from mailflow.documents.formspec import load_form_specs
from mailflow.intake import Intake
from mailflow.ledger import RawMailStore
from mailflow.outbox import Outbox, Sender
from mailflow.resources import shipped
from mailflow.settings import Settings
from mailflow.sources import MailSource
from mailflow.sources.folder import FolderSource
from mailflow.storage.db import Database
from mailflow.templating import MailTemplates
from mailflow.transports import Transport
from mailflow.transports.folder import FolderTransport


@dataclass
class Mailflow:
    """Everything one worker needs, built once from the settings."""

    settings: Settings
    database: Database
    source: MailSource
    transport: Transport
    store: RawMailStore
    intake: Intake
    outbox: Outbox


def build(settings: Settings) -> Mailflow:
    rules_dir = settings.staff_files.rules or shipped("rules")
    templates_dir = settings.staff_files.templates or shipped("templates")
    sender = Sender(settings.transport.sender)
    outbox = Outbox(MailTemplates(templates_dir), sender)
    own_address = parseaddr(settings.transport.sender)[1].lower()
    intake = Intake(
        forms=load_form_specs(rules_dir),
        courses=load_courses(rules_dir),
        outbox=outbox,
        own_addresses=frozenset({own_address}),
    )
    return Mailflow(
        settings=settings,
        database=Database.open_sqlite(settings.storage.database),
        source=FolderSource(settings.mailbox.folder, settings.mailbox.name),
        transport=FolderTransport(settings.transport.folder),
        store=RawMailStore(settings.storage.raw_mail_dir),
        intake=intake,
        outbox=outbox,
    )
