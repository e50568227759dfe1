"""Per-folder reading position of a server mailbox, kept in the database.

Sources save it only after the mails it covers were handed over and recorded, so a
crash at any point means at worst asking the server again for mails the ledger
already knows, never skipping one.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.dialects.sqlite import insert

from mailflow.storage.db import Database
from mailflow.storage.models import MailboxSyncState, utcnow


@dataclass(frozen=True)
class SyncState:
    uidvalidity: str | None = None
    last_uid: int = 0
    sync_token: str | None = None


class SyncStateStore:
    """Reads and writes the sync state of (account, folder), each write committed."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def get(self, account: str, folder: str) -> SyncState | None:
        with self.database.transaction() as session:
            row = session.scalar(self._query(account, folder))
            if row is None:
                return None
            return SyncState(row.uidvalidity, row.last_uid, row.sync_token)

    def save(self, account: str, folder: str, state: SyncState) -> None:
        """Insert or update in one statement: two workers may save the same folder at once."""
        values = {
            "uidvalidity": state.uidvalidity,
            "last_uid": state.last_uid,
            "sync_token": state.sync_token,
            "updated_at": utcnow(),
        }
        upsert = insert(MailboxSyncState).values(account=account, folder=folder, **values)
        with self.database.transaction() as session:
            session.execute(
                upsert.on_conflict_do_update(index_elements=["account", "folder"], set_=values)
            )

    @staticmethod
    def _query(account: str, folder: str):  # type: ignore[no-untyped-def]
        return select(MailboxSyncState).where(
            MailboxSyncState.account == account, MailboxSyncState.folder == folder
        )
