"""An Exchange Server mailbox read through EWS ``SyncFolderItems``.

Per folder the database keeps the sync state Exchange hands out once every change
was listed, so an idle poll is one SyncFolderItems call that answers "no changes",
whatever the size of the folder. New items are downloaded as MIME in batches
(GetItem with MimeContent), handled like any other mail, then moved (MoveItem).
A sync state Exchange no longer accepts starts a fresh sync, in which the ledger,
by item id and Message-ID, tells what was already taken in.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

from exchangelib.errors import ErrorInvalidSyncStateData, ErrorItemNotFound
from exchangelib.folders import BaseFolder

from mailflow.connect.exchange import EWS_ERRORS, ExchangeConnection, ews_call, ews_failure
from mailflow.errors import MailboxError
from mailflow.ledger import IncomingMail
from mailflow.mailsettings import ExchangeMailboxSettings
from mailflow.sources import AlreadySeen
from mailflow.sources.syncstate import SyncState, SyncStateStore

log = logging.getLogger(__name__)

UIDVALIDITY = "ews"
BATCH = 10
LISTED_FIELDS = ["id", "changekey", "message_id"]


class SyncRefused(MailboxError):
    """Exchange answered SyncFolderItems with an error exchangelib could not read."""


def _listed(folder: BaseFolder, token: str | None, name: str) -> Iterator[tuple[str, Any]]:
    """The (change, item) pairs of a sync.

    exchangelib 5 reads the SyncState of a SyncFolderItems answer before looking at its
    ResponseClass, so an error answer (an expired sync state above all) surfaces as an
    AttributeError; here it becomes the refusal it is.
    """
    changes = folder.sync_items(sync_state=token, only_fields=LISTED_FIELDS)
    while True:
        try:
            change = next(changes)
        except StopIteration:
            return
        except AttributeError:
            raise SyncRefused(f"Exchange refused to list the changes of folder {name!r}") from None
        yield change


class ExchangeSource:
    def __init__(
        self,
        settings: ExchangeMailboxSettings,
        connection: ExchangeConnection,
        states: SyncStateStore,
    ) -> None:
        self.settings = settings
        self.connection = connection
        self.states = states
        self.account = settings.name or connection.settings.email
        self._changekeys: dict[str, str | None] = {}

    def fetch_new(self, already_seen: AlreadySeen) -> Iterator[IncomingMail]:
        for name in self.settings.folders:
            state = self.states.get(self.account, name)
            try:
                try:
                    yield from self._sync(name, state, already_seen)
                except (ErrorInvalidSyncStateData, SyncRefused):
                    if state is None:
                        raise
                    log.warning("sync state of %r refused; syncing the folder afresh", name)
                    yield from self._sync(name, None, already_seen)
            except EWS_ERRORS as exc:
                raise ews_failure(self.connection.where, exc) from None

    def after_handling(self, mail: IncomingMail) -> None:
        if self.settings.processed_folder:
            self._move([(mail.uid, self._changekeys.pop(mail.uid, None))])

    def close(self) -> None:
        self.connection.forget_folders()
        self._changekeys.clear()

    def check(self) -> str:
        counts = [
            f"{name} ({self.connection.folder(name, 'mailbox.folders').total_count} mails)"
            for name in self.settings.folders
        ]
        if self.settings.processed_folder:
            self.connection.folder(self.settings.processed_folder, "mailbox.processed_folder")
        return (
            f"Exchange {self.connection.where} ({self.connection.settings.auth}) logged in as "
            f"{self.connection.settings.email}; folders {', '.join(counts)}"
        )

    def _sync(
        self, name: str, state: SyncState | None, already_seen: AlreadySeen
    ) -> Iterator[IncomingMail]:
        folder = self.connection.folder(name, "mailbox.folders")
        token = state.sync_token if state else None
        first_contact = token is None
        fresh: list[tuple[str, str | None]] = []
        taken: list[tuple[str, str | None]] = []
        for change, item in _listed(folder, token, name):
            if change != "create":
                continue
            message_id = getattr(item, "message_id", None) if first_contact else None
            probe = IncomingMail(self.account, name, UIDVALIDITY, item.id, b"", message_id)
            (taken if already_seen(probe) else fresh).append((item.id, item.changekey))
            if len(fresh) >= BATCH:
                yield from self._download(name, fresh)
                fresh = []
        yield from self._download(name, fresh)
        if taken and self.settings.processed_folder:
            self._move(taken)  # handled before, but the move did not happen then
        self.states.save(self.account, name, SyncState(sync_token=folder.item_sync_state))

    def _download(self, name: str, ids: list[tuple[str, str | None]]) -> Iterator[IncomingMail]:
        if not ids:
            return
        items = list(self.connection.account.fetch(ids=ids, only_fields=["mime_content"]))
        for (item_id, changekey), item in zip(ids, items, strict=True):
            if isinstance(item, Exception):
                log.warning("item %s of %r could not be fetched: %s", item_id, name, item)
                continue
            self._changekeys[item_id] = changekey
            yield IncomingMail(self.account, name, UIDVALIDITY, item_id, item.mime_content)

    def _move(self, ids: list[tuple[str, Any]]) -> None:
        assert self.settings.processed_folder
        target = self.connection.folder(self.settings.processed_folder, "mailbox.processed_folder")
        results = ews_call(
            self.connection.where,
            lambda: list(self.connection.account.bulk_move(ids=ids, to_folder=target)),
        )
        for (item_id, _), result in zip(ids, results, strict=True):
            if isinstance(result, ErrorItemNotFound):
                log.warning("item %s is gone; nothing to move", item_id)
            elif isinstance(result, Exception):
                raise ews_failure(self.connection.where, result)
