"""Build mailflow's working parts from settings; nothing is configured globally."""

from __future__ import annotations

from dataclasses import dataclass
from email.utils import parseaddr

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
from mailflow.workflow.engine import Engine
from mailflow.workflow.keeper import RuleKeeper
from mailflow.workflow.ruleset import RuleSet


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

    def reload_rules(self) -> None:
        """Take the staff files if they are clean, else keep the last good rule set."""
        self.rules = self.keeper.current()
        self.outbox, self.engine, self.intake = _wire(self.settings, self.rules)


def _wire(settings: Settings, rules: RuleSet) -> tuple[Outbox, Engine, Intake]:
    outbox = Outbox(MailTemplates(rules.templates_dir), Sender(settings.transport.sender))
    engine = Engine(rules, outbox)
    own_address = parseaddr(settings.transport.sender)[1].lower()
    return outbox, engine, Intake(engine=engine, own_addresses=frozenset({own_address}))


def build(settings: Settings) -> Mailflow:
    rules_dir = settings.staff_files.rules or shipped("rules")
    templates_dir = settings.staff_files.templates or shipped("templates")
    keeper = RuleKeeper(rules_dir, templates_dir, settings.storage.database.parent / "rules-cache")
    rules = keeper.current()
    outbox, engine, intake = _wire(settings, rules)
    return Mailflow(
        settings=settings,
        database=Database.open_sqlite(settings.storage.database),
        source=FolderSource(settings.mailbox.folder, settings.mailbox.name),
        transport=FolderTransport(settings.transport.folder),
        store=RawMailStore(settings.storage.raw_mail_dir),
        keeper=keeper,
        rules=rules,
        outbox=outbox,
        engine=engine,
        intake=intake,
    )
