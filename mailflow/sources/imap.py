"""An IMAP mailbox, read incrementally: an idle poll costs one STATUS per folder.

Per folder the database keeps UIDVALIDITY and the last UID handed over. A poll asks
STATUS for UIDNEXT and stops there when nothing is new, whatever the folder's size;
otherwise it lists the UIDs above the last one (``UID SEARCH UID n:*``, ASCII only)
and downloads with ``BODY.PEEK[]`` in batches bounded by count and size, so nothing
is marked read and a 20 MB mail does not drag others into one huge response.

When UIDVALIDITY changed (or the folder is met for the first time) UIDs mean nothing,
so each mail's Message-ID, and for mails without one its content hash, decides
whether it was already taken in. The new position is saved only after the whole
folder was gone through, so a crash in between repeats the check, not the work.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence

from imapclient import IMAPClient

from mailflow.connect.imap import IMAP_ERRORS, close_quietly, open_imap, require_folder
from mailflow.errors import MailboxError
from mailflow.ledger import IncomingMail
from mailflow.mailsettings import ImapMailboxSettings
from mailflow.message import parse_mail
from mailflow.sources import AlreadySeen
from mailflow.sources.syncstate import SyncState, SyncStateStore

log = logging.getLogger(__name__)

BATCH_BYTES = 25_000_000
LIST_CHUNK = 500
MESSAGE_ID_FIELD = b"BODY[HEADER.FIELDS (MESSAGE-ID)]"


class ImapSource:
    def __init__(self, settings: ImapMailboxSettings, states: SyncStateStore) -> None:
        self.settings = settings
        self.states = states
        self.account = settings.name or f"{settings.username}@{settings.host}"
        self._client: IMAPClient | None = None
        self._selected: tuple[str, str] | None = None  # (folder, uidvalidity)

    # -- the MailSource protocol -------------------------------------------------------

    def fetch_new(self, already_seen: AlreadySeen) -> Iterator[IncomingMail]:
        for folder in self.settings.folders:
            try:
                yield from self._fetch_folder(folder, already_seen)
            except IMAP_ERRORS as exc:
                self._drop_connection()
                raise MailboxError(
                    f"IMAP {self.settings.host}: connection lost while reading {folder!r} "
                    f"({exc}); mails recorded so far are safe, the next poll goes on"
                ) from None

    def after_handling(self, mail: IncomingMail) -> None:
        if not (self.settings.processed_folder or self.settings.processed_flag):
            return
        try:
            client = self._select(mail.folder)
            if self._selected != (mail.folder, mail.uidvalidity):
                log.warning(
                    "UIDVALIDITY of %r changed; UID %s is not moved or flagged",
                    mail.folder,
                    mail.uid,
                )
                return
            self._finish(client, [int(mail.uid)])
        except IMAP_ERRORS as exc:
            self._drop_connection()
            raise MailboxError(
                f"IMAP {self.settings.host}: could not move or flag UID {mail.uid} in "
                f"{mail.folder!r} ({exc}); it is handled and will be moved at the next poll"
            ) from None

    def close(self) -> None:
        self._drop_connection()

    def check(self) -> str:
        client = self._connect()
        for folder in self.settings.folders:
            require_folder(client, folder, "mailbox.folders")
        if self.settings.processed_folder:
            require_folder(client, self.settings.processed_folder, "mailbox.processed_folder")
        counts = [
            f"{folder} ({client.folder_status(folder, [b'MESSAGES'])[b'MESSAGES']} mails)"
            for folder in self.settings.folders
        ]
        return (
            f"IMAP {self.settings.host}:{self.settings.imap_port} ({self.settings.security}) "
            f"logged in as {self.settings.username}; folders {', '.join(counts)}"
        )

    # -- reading one folder --------------------------------------------------------------

    def _fetch_folder(self, folder: str, already_seen: AlreadySeen) -> Iterator[IncomingMail]:
        client = self._connect()
        require_folder(client, folder, "mailbox.folders")
        status = client.folder_status(folder, [b"UIDVALIDITY", b"UIDNEXT"])
        uidvalidity, uidnext = str(status[b"UIDVALIDITY"]), int(status[b"UIDNEXT"])
        state = self.states.get(self.account, folder)
        rescan = state is None or state.uidvalidity != uidvalidity
        if state is not None and rescan:
            log.warning(
                "UIDVALIDITY of %r changed (%s -> %s): matching mails by Message-ID",
                folder,
                state.uidvalidity,
                uidvalidity,
            )
        last = 0 if rescan or state is None else state.last_uid
        if uidnext - 1 <= last:
            return  # the idle poll: one STATUS, whatever the size of the folder
        self._select(folder)
        uids = sorted(uid for uid in client.search(["UID", f"{last + 1}:*"]) if uid > last)
        for chunk in _chunks(uids, LIST_CHUNK):
            for batch in self._new_in(client, folder, uidvalidity, chunk, rescan, already_seen):
                for uid, raw in self._download(client, batch):
                    yield IncomingMail(self.account, folder, uidvalidity, str(uid), raw)
                if not rescan:
                    self.states.save(self.account, folder, SyncState(uidvalidity, batch[-1]))
        newest = max(uidnext - 1, last, *uids)  # mail may have arrived since STATUS
        self.states.save(self.account, folder, SyncState(uidvalidity, newest))

    def _new_in(
        self,
        client: IMAPClient,
        folder: str,
        uidvalidity: str,
        uids: Sequence[int],
        rescan: bool,
        already_seen: AlreadySeen,
    ) -> Iterator[list[int]]:
        """Batches of the UIDs not yet taken in; the ones already taken in are finished."""
        fields = [b"RFC822.SIZE", *([b"BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)]"] if rescan else [])]
        listing = client.fetch(uids, fields)
        fresh: list[tuple[int, int]] = []
        taken: list[int] = []
        for uid in uids:
            if uid not in listing:
                continue  # expunged meanwhile
            data = listing[uid]
            message_id = _message_id(data.get(MESSAGE_ID_FIELD)) if rescan else None
            probe = IncomingMail(self.account, folder, uidvalidity, str(uid), b"", message_id)
            if already_seen(probe) or (
                rescan and not message_id and self._seen_by_hash(client, probe, already_seen)
            ):
                taken.append(uid)
            else:
                fresh.append((uid, int(data[b"RFC822.SIZE"])))
        if taken:
            self._finish(client, taken)  # handled before, but not yet moved or flagged
        yield from _batches(fresh, self.settings.batch_size, BATCH_BYTES)

    def _seen_by_hash(
        self, client: IMAPClient, probe: IncomingMail, already_seen: AlreadySeen
    ) -> bool:
        """A mail without Message-ID: only its full content can say it was seen."""
        downloaded = self._download(client, [int(probe.uid)])
        if not downloaded:
            return True  # expunged meanwhile: nothing left to take in
        ((_, raw),) = downloaded
        return already_seen(
            IncomingMail(probe.account, probe.folder, probe.uidvalidity, probe.uid, raw)
        )

    def _download(self, client: IMAPClient, uids: list[int]) -> list[tuple[int, bytes]]:
        response = client.fetch(uids, [b"BODY.PEEK[]"])
        return [(uid, response[uid][b"BODY[]"]) for uid in uids if uid in response]

    # -- acting on the server ------------------------------------------------------------

    def _finish(self, client: IMAPClient, uids: list[int]) -> None:
        """Move or flag handled mails (both are harmless to repeat)."""
        target = self.settings.processed_folder
        if target:
            if client.has_capability("MOVE"):
                client.move(uids, target)
            else:
                client.copy(uids, target)
                client.delete_messages(uids)
                if client.has_capability("UIDPLUS"):
                    client.uid_expunge(uids)
                else:
                    client.expunge()
        elif self.settings.processed_flag:
            client.add_flags(uids, [self.settings.processed_flag])

    def _connect(self) -> IMAPClient:
        if self._client is None:
            self._client = open_imap(self.settings)
            self._selected = None
        return self._client

    def _select(self, folder: str) -> IMAPClient:
        client = self._connect()
        if self._selected is None or self._selected[0] != folder:
            response = client.select_folder(folder)
            self._selected = (folder, str(response[b"UIDVALIDITY"]))
        return client

    def _drop_connection(self) -> None:
        if self._client is not None:
            close_quietly(self._client)
        self._client, self._selected = None, None


def _message_id(header_block: bytes | None) -> str | None:
    """The Message-ID written the way the ledger writes it (``parse_mail``)."""
    return parse_mail(header_block).message_id if header_block else None


def _chunks(items: Sequence[int], size: int) -> Iterator[Sequence[int]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _batches(mails: list[tuple[int, int]], count: int, size: int) -> Iterator[list[int]]:
    """Group (uid, size) pairs into download batches of at most ``count`` mails and
    ``size`` bytes; a mail larger than ``size`` goes alone."""
    batch: list[int] = []
    total = 0
    for uid, mail_size in mails:
        if batch and (len(batch) >= count or total + mail_size > size):
            yield batch
            batch, total = [], 0
        batch.append(uid)
        total += mail_size
    if batch:
        yield batch
