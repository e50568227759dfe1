"""Build mailflow's working parts from settings; nothing is configured globally."""

from __future__ import annotations

from dataclasses import dataclass
from email.utils import parseaddr

from mailflow.connect.exchange import ExchangeConnection
from mailflow.connect.graph import GraphClient
from mailflow.course import load_courses
from mailflow.documents.formspec import load_form_specs
from mailflow.intake import Intake
from mailflow.ledger import RawMailStore
from mailflow.mailsettings import (
    ExchangeMailboxSettings,
    ExchangeTransportSettings,
    FolderMailboxSettings,
    FolderTransportSettings,
    GraphMailboxSettings,
    GraphTransportSettings,
    ImapMailboxSettings,
    SmtpTransportSettings,
)
from mailflow.outbox import Outbox, Sender
from mailflow.resources import shipped
from mailflow.settings import Settings
from mailflow.sources import MailSource
from mailflow.sources.exchange import ExchangeSource
from mailflow.sources.folder import FolderSource
from mailflow.sources.graph import GraphSource
from mailflow.sources.imap import ImapSource
from mailflow.sources.syncstate import SyncStateStore
from mailflow.storage.db import Database
from mailflow.templating import MailTemplates
from mailflow.transports import Transport
from mailflow.transports.exchange import ExchangeTransport
from mailflow.transports.folder import FolderTransport
from mailflow.transports.graph import GraphTransport
from mailflow.transports.smtp import SmtpTransport
from mailflow.worklock import WorkerLock


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
    lock: WorkerLock


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
    database = Database.open_sqlite(settings.storage.database)
    links = Links(
        graph=GraphClient(settings.graph) if settings.graph else None,
        exchange=ExchangeConnection(settings.exchange) if settings.exchange else None,
    )
    return Mailflow(
        settings=settings,
        database=database,
        source=make_source(settings, database, links),
        transport=make_transport(settings, links),
        store=RawMailStore(settings.storage.raw_mail_dir),
        intake=intake,
        outbox=outbox,
        lock=WorkerLock(settings.storage.database.with_suffix(".lock")),
    )


@dataclass(frozen=True)
class Links:
    """Server connections one account provides both ways (one login, one token)."""

    graph: GraphClient | None = None
    exchange: ExchangeConnection | None = None


def make_source(settings: Settings, database: Database, links: Links) -> MailSource:
    """The mailbox of the kind the settings name; nothing is contacted yet."""
    mailbox = settings.mailbox
    if isinstance(mailbox, FolderMailboxSettings):
        return FolderSource(mailbox.folder, mailbox.name)
    if isinstance(mailbox, ImapMailboxSettings):
        return ImapSource(mailbox, SyncStateStore(database))
    if isinstance(mailbox, GraphMailboxSettings):
        assert links.graph is not None  # settings check the [graph] section is there
        return GraphSource(mailbox, links.graph, SyncStateStore(database))
    if isinstance(mailbox, ExchangeMailboxSettings):
        assert links.exchange is not None  # settings check the [exchange] section is there
        return ExchangeSource(mailbox, links.exchange, SyncStateStore(database))
    raise AssertionError(f"unknown mailbox kind {mailbox.kind}")


def make_transport(settings: Settings, links: Links) -> Transport:
    """The way out of the kind the settings name; nothing is contacted yet."""
    transport = settings.transport
    if isinstance(transport, FolderTransportSettings):
        return FolderTransport(transport.folder)
    if isinstance(transport, SmtpTransportSettings):
        assert settings.smtp is not None  # settings check the section is there
        imap = settings.mailbox if isinstance(settings.mailbox, ImapMailboxSettings) else None
        return SmtpTransport(settings.smtp, transport.sender, sent_copy_to=imap)
    if isinstance(transport, GraphTransportSettings):
        assert links.graph is not None
        return GraphTransport(links.graph)
    if isinstance(transport, ExchangeTransportSettings):
        assert links.exchange is not None
        return ExchangeTransport(links.exchange)
    raise AssertionError(f"unknown transport kind {transport.kind}")
