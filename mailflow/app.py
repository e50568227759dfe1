"""Build mailflow's working parts from settings; nothing is configured globally."""

from __future__ import annotations

from dataclasses import dataclass
from email.utils import parseaddr

from mailflow.connect.exchange import ExchangeConnection
from mailflow.connect.graph import GraphClient
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
from mailflow.workflow.engine import Engine
from mailflow.workflow.keeper import RuleKeeper
from mailflow.workflow.ruleset import RuleSet
from mailflow.worklock import WorkerLock


@dataclass
class Mailflow:
    """Everything one worker needs, built once from the settings.

    The rule-dependent parts (rules, outbox, engine, intake) are rebuilt by
    ``reload_rules`` so the worker picks up staff edits without a restart.
    """

    settings: Settings
    database: Database
    source: MailSource
    transport: Transport
    store: RawMailStore
    keeper: RuleKeeper
    rules: RuleSet
    outbox: Outbox
    engine: Engine
    intake: Intake
    lock: WorkerLock

    def reload_rules(self) -> None:
        """Take the staff files if they are clean, else keep the last good rule set."""
        rules = self.keeper.current()
        if rules is not self.rules:  # unchanged files keep the parts built on them
            self.rules = rules
            self.outbox, self.engine, self.intake = _wire(self.settings, rules)


def _wire(settings: Settings, rules: RuleSet) -> tuple[Outbox, Engine, Intake]:
    outbox = Outbox(
        MailTemplates(rules.templates_dir),
        Sender(settings.transport.sender),
        settings.outbox.daily_cap_per_address,
        uncapped=frozenset(
            contact.email.lower()
            for course in rules.courses.values()
            for contact in (course.contacts.course_assistant, course.contacts.activity_manager)
        ),
    )
    engine = Engine(rules, outbox)
    own_address = parseaddr(settings.transport.sender)[1].lower()
    return outbox, engine, Intake(engine=engine, own_addresses=frozenset({own_address}))


def build(settings: Settings) -> Mailflow:
    rules_dir = settings.staff_files.rules or shipped("rules")
    templates_dir = settings.staff_files.templates or shipped("templates")
    keeper = RuleKeeper(rules_dir, templates_dir, settings.storage.database.parent / "rules-cache")
    rules = keeper.current()
    outbox, engine, intake = _wire(settings, rules)
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
        keeper=keeper,
        rules=rules,
        outbox=outbox,
        engine=engine,
        intake=intake,
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
