"""The IMAP source against a real Dovecot: incremental reads, UIDVALIDITY, failures."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from email.message import EmailMessage
from pathlib import Path

from mailflow.app import Mailflow
from mailflow.cycle import run_cycle
from mailflow.testing.dovecot import Dovecot, MailUser
from tests.mailbox.helpers import folder_uids, ledger, note


def test_new_mail_between_polls_is_read_once_and_moved(
    imap_flow: Callable[..., Mailflow], dovecot: Dovecot, imap_user: MailUser
) -> None:
    dovecot.append(imap_user, "Processed")
    flow = imap_flow(processed_folder="Processed")
    dovecot.append(imap_user, "INBOX", note("first"), note("second"))

    assert run_cycle(flow).received == 2
    dovecot.append(imap_user, "INBOX", note("third"))
    assert run_cycle(flow).received == 1
    assert run_cycle(flow).received == 0

    assert [row.subject for row in ledger(flow)] == ["first", "second", "third"]
    assert folder_uids(dovecot, imap_user, "INBOX") == []
    assert len(folder_uids(dovecot, imap_user, "Processed")) == 3


def test_mail_left_in_place_is_neither_read_again_nor_marked_seen(
    imap_flow: Callable[..., Mailflow], dovecot: Dovecot, imap_user: MailUser
) -> None:
    flow = imap_flow()
    dovecot.append(imap_user, "INBOX", note("stays"))
    assert run_cycle(flow).received == 1
    assert run_cycle(flow).received == 0
    with dovecot.client(imap_user) as client:
        client.select_folder("INBOX", readonly=True)
        assert client.search(["UNSEEN"]) != []  # fetched with BODY.PEEK[]


def test_flag_instead_of_move(
    imap_flow: Callable[..., Mailflow], dovecot: Dovecot, imap_user: MailUser
) -> None:
    flow = imap_flow(processed_flag="$Handled")
    dovecot.append(imap_user, "INBOX", note("flag me"))
    run_cycle(flow)
    with dovecot.client(imap_user) as client:
        client.select_folder("INBOX", readonly=True)
        assert len(client.search(["KEYWORD", "$Handled"])) == 1


def test_uidvalidity_change_neither_reprocesses_nor_loses_mail(
    imap_flow: Callable[..., Mailflow], dovecot: Dovecot, imap_user: MailUser
) -> None:
    folder = "Applications"
    old = [note("old one"), note("old, no Message-ID", message_id=False)]
    dovecot.append(imap_user, folder, *old)
    flow = imap_flow(folders=[folder])
    assert run_cycle(flow).received == 2
    with dovecot.client(imap_user) as client:
        before = client.folder_status(folder, [b"UIDVALIDITY"])[b"UIDVALIDITY"]
        client.delete_folder(folder)  # the folder is rebuilt, as after a server migration
    dovecot.append(imap_user, folder, note("new one"), *old)
    with dovecot.client(imap_user) as client:
        assert client.folder_status(folder, [b"UIDVALIDITY"])[b"UIDVALIDITY"] != before

    report = run_cycle(flow)

    assert report.received == 1
    assert [row.subject for row in ledger(flow)][-1] == "new one"
    assert run_cycle(flow).received == 0


def test_server_restart_in_the_middle_of_a_fetch(
    imap_flow: Callable[..., Mailflow], dovecot: Dovecot, imap_user: MailUser
) -> None:
    dovecot.append(imap_user, "Processed")
    flow = imap_flow(processed_folder="Processed", batch_size=2)
    dovecot.append(imap_user, "INBOX", *(note(f"mail {n}") for n in range(5)))
    handle = flow.intake.handle
    calls = []

    class RestartAfterFirstMail:
        def handle(self, session, row, now):  # type: ignore[no-untyped-def]
            calls.append(row.subject)
            handle(session, row, now)
            if len(calls) == 1:
                dovecot.restart()

    flow.intake = RestartAfterFirstMail()  # type: ignore[assignment]
    first = run_cycle(flow)
    assert first.received == 1
    assert "connection lost" in first.errors[0] or "could not move" in first.errors[0]

    second = run_cycle(flow)

    assert second.errors == []
    assert second.received == 4
    assert sorted(row.subject for row in ledger(flow)) == [f"mail {n}" for n in range(5)]
    assert len(calls) == 5
    assert folder_uids(dovecot, imap_user, "INBOX") == []  # the first one was moved late


def test_two_workers_at_once_handle_each_mail_once(
    imap_flow: Callable[..., Mailflow], dovecot: Dovecot, imap_user: MailUser, tmp_path
) -> None:
    dovecot.append(imap_user, "INBOX", *(note(f"mail {n}") for n in range(6)))
    workers = [imap_flow(), imap_flow()]
    # the second worker ignores the lock, so only the ledger's unique location guards
    workers[1].lock.path = tmp_path / "other.lock"
    reports, failures = [], []
    start = threading.Barrier(2)

    def work(flow: Mailflow) -> None:
        start.wait()
        try:
            reports.append(run_cycle(flow))
        except Exception as exc:  # a crash in a thread would otherwise pass unseen
            failures.append(exc)

    threads = [threading.Thread(target=work, args=(flow,)) for flow in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert failures == []
    assert sum(report.received for report in reports) == 6
    assert len(ledger(workers[0])) == 6


def test_overlapping_run_skips_its_turn(
    imap_flow: Callable[..., Mailflow], dovecot: Dovecot, imap_user: MailUser
) -> None:
    flow, other = imap_flow(), imap_flow()
    dovecot.append(imap_user, "INBOX", note("one"))
    with flow.lock.hold() as held:
        assert held
        assert run_cycle(other).skipped
    assert run_cycle(other).received == 1


def test_missing_folder_is_named_with_the_folders_there_are(
    imap_flow: Callable[..., Mailflow],
) -> None:
    report = run_cycle(imap_flow(folders=["Bewerbungen"]))
    assert "'Bewerbungen'" in report.errors[0]
    assert "does not exist" in report.errors[0]
    assert "INBOX" in report.errors[0]


def test_wrong_password_is_said_plainly(imap_flow: Callable[..., Mailflow]) -> None:
    os.environ["MAILFLOW_IMAP_PASSWORD"] = "wrong"  # monkeypatched by imap_user: restored
    report = run_cycle(imap_flow())
    assert "login refused" in report.errors[0]
    assert "check the password" in report.errors[0]


def test_a_20_mb_mail_arrives_whole(
    imap_flow: Callable[..., Mailflow], dovecot: Dovecot, imap_user: MailUser
) -> None:
    big = EmailMessage()
    big["From"], big["To"], big["Subject"] = "scanner@example.org", "course@example.org", "scan"
    big["Message-ID"] = "<big-scan@example.org>"
    big.set_content("Scanned forms attached.\n")
    big.add_attachment(os.urandom(15_000_000), maintype="application", subtype="zip")
    raw = big.as_bytes()
    assert len(raw) > 20_000_000
    dovecot.append(imap_user, "INBOX", raw, note("small after big"))
    flow = imap_flow(batch_size=5)

    assert run_cycle(flow).received == 2
    stored = Path(ledger(flow)[0].stored_path).read_bytes()
    assert stored.replace(b"\r\n", b"\n") == raw.replace(b"\r\n", b"\n")


def test_non_ascii_folder_names_and_subjects(
    imap_flow: Callable[..., Mailflow], dovecot: Dovecot, imap_user: MailUser
) -> None:
    inbox, done = "Bewerbungen/Été 2026 – ü", "Erledigt ✓"
    dovecot.append(imap_user, done)
    dovecot.append(imap_user, inbox, note("Candidature – Ñandú 申请"))
    flow = imap_flow(folders=[inbox], processed_folder=done)

    assert run_cycle(flow).received == 1
    row = ledger(flow)[0]
    assert row.subject == "Candidature – Ñandú 申请"
    assert row.folder == inbox
    assert len(folder_uids(dovecot, imap_user, done)) == 1


def test_xoauth2_login_with_a_token_from_the_configured_command(
    imap_flow: Callable[..., Mailflow], dovecot: Dovecot, imap_user: MailUser, tmp_path: Path
) -> None:
    script = tmp_path / "token.sh"
    script.write_text(f"#!/bin/sh\necho {dovecot.oauth2_token(imap_user)}\n")
    script.chmod(0o755)
    dovecot.append(imap_user, "INBOX", note("via OAuth2"))
    flow = imap_flow(password_env=None, oauth2_token_command=[str(script)])

    assert flow.source.check().startswith("IMAP 127.0.0.1")
    assert run_cycle(flow).received == 1

    script.write_text(f"#!/bin/sh\necho {dovecot.oauth2_token(imap_user, lifetime=-60)}\n")
    report = run_cycle(imap_flow(password_env=None, oauth2_token_command=[str(script)]))
    assert "login refused" in report.errors[0] and "check the token" in report.errors[0]
