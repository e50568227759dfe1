"""A Microsoft 365 mailbox read through Microsoft Graph delta queries.

Per folder the database keeps the delta link Graph hands out after the last page;
the next poll asks that link for changes only, so an idle poll is one small request
whatever the size of the folder. New messages are downloaded whole as MIME
(``$value``) and recorded like any other mail; ids are immutable, so they survive
the move to the processed folder. An expired delta link (410) starts a fresh sync in
which the ledger, by id and Message-ID, tells what was already taken in.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

from mailflow.connect.graph import GraphClient, GraphError
from mailflow.errors import MailboxError
from mailflow.ledger import IncomingMail
from mailflow.mailsettings import GraphMailboxSettings
from mailflow.sources import AlreadySeen
from mailflow.sources.syncstate import SyncState, SyncStateStore

log = logging.getLogger(__name__)

WELL_KNOWN = {
    "inbox": "inbox",
    "archive": "archive",
    "sent items": "sentitems",
    "deleted items": "deleteditems",
    "junk email": "junkemail",
    "drafts": "drafts",
}
FOLDER_FIELDS = "id,displayName,totalItemCount"
UIDVALIDITY = "graph"  # immutable ids never need a validity of their own


class GraphSource:
    def __init__(
        self, settings: GraphMailboxSettings, client: GraphClient, states: SyncStateStore
    ) -> None:
        self.settings = settings
        self.client = client
        self.states = states
        self.account = settings.name or client.settings.mailbox
        self._folders: dict[str, dict[str, Any]] = {}

    def fetch_new(self, already_seen: AlreadySeen) -> Iterator[IncomingMail]:
        for name in self.settings.folders:
            folder_id = self._folder(name, "mailbox.folders")["id"]
            state = self.states.get(self.account, name)
            try:
                yield from self._sync(name, folder_id, state, already_seen)
            except GraphError as exc:
                if exc.status != 410 or state is None:
                    raise
                log.warning("delta link of %r expired; syncing the folder afresh", name)
                yield from self._sync(name, folder_id, None, already_seen)

    def after_handling(self, mail: IncomingMail) -> None:
        if self.settings.processed_folder:
            self._move([mail.uid])

    def close(self) -> None:
        self._folders.clear()  # folders may be renamed between cycles

    def check(self) -> str:
        counts = [
            f"{name} ({self._folder(name, 'mailbox.folders')['totalItemCount']} mails)"
            for name in self.settings.folders
        ]
        if self.settings.processed_folder:
            self._folder(self.settings.processed_folder, "mailbox.processed_folder")
        mailbox = self.client.settings.mailbox
        return f"Graph mailbox {mailbox} signed in; folders {', '.join(counts)}"

    def _sync(
        self, name: str, folder_id: str, state: SyncState | None, already_seen: AlreadySeen
    ) -> Iterator[IncomingMail]:
        delta_link = state.sync_token if state else None
        first_contact = delta_link is None
        url = delta_link or f"/mailFolders/{folder_id}/messages/delta"
        params = {"$select": "id,internetMessageId"} if first_contact else None
        taken: list[str] = []
        while True:
            page = self.client.get_json(url, params)
            for item in page.get("value", []):
                if "@removed" in item:
                    continue
                message_id = item.get("internetMessageId") if first_contact else None
                probe = IncomingMail(self.account, name, UIDVALIDITY, item["id"], b"", message_id)
                if already_seen(probe):
                    taken.append(item["id"])
                    continue
                raw = self.client.get_bytes(f"/messages/{item['id']}/$value")
                yield IncomingMail(self.account, name, UIDVALIDITY, item["id"], raw)
            if "@odata.nextLink" in page:
                url, params = page["@odata.nextLink"], None
                continue
            if self.settings.processed_folder and taken:
                self._move(taken)  # handled before, but the move did not happen then
            self.states.save(self.account, name, SyncState(sync_token=page["@odata.deltaLink"]))
            return

    def _move(self, ids: list[str]) -> None:
        assert self.settings.processed_folder
        target = self._folder(self.settings.processed_folder, "mailbox.processed_folder")["id"]
        for message_id in ids:
            try:
                self.client.post(f"/messages/{message_id}/move", json={"destinationId": target})
            except GraphError as exc:
                if exc.status != 404:
                    raise
                log.warning("message %s is gone; nothing to move", message_id)

    def _folder(self, path: str, setting: str) -> dict[str, Any]:
        """The folder at ``path`` (parts separated by ``/``), looked up once per cycle."""
        if path in self._folders:
            return self._folders[path]
        parent: dict[str, Any] | None = None
        for part in path.split("/"):
            parent = self._child(parent, part)
            if parent is None:
                raise MailboxError(
                    f"Graph folder {path!r} ({setting}) does not exist; the mailbox has: "
                    f"{', '.join(self._top_level_names())}"
                )
        assert parent is not None
        self._folders[path] = parent
        return parent

    def _child(self, parent: dict[str, Any] | None, name: str) -> dict[str, Any] | None:
        select = {"$select": FOLDER_FIELDS}
        if parent is None and name.lower() in WELL_KNOWN:
            return self.client.get_json(f"/mailFolders/{WELL_KNOWN[name.lower()]}", select)
        listing = "/mailFolders" if parent is None else f"/mailFolders/{parent['id']}/childFolders"
        quoted = name.replace("'", "''")
        found = self.client.get_json(listing, {**select, "$filter": f"displayName eq '{quoted}'"})
        return found["value"][0] if found.get("value") else None

    def _top_level_names(self) -> list[str]:
        listing = self.client.get_json("/mailFolders", {"$select": "displayName", "$top": "100"})
        return sorted(folder["displayName"] for folder in listing.get("value", []))
