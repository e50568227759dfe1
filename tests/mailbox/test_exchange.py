"""Exchange (EWS) source and transport, replayed from recorded Exchange 2016 responses."""

from __future__ import annotations

import base64
import re
from collections.abc import Callable
from email.parser import BytesParser
from email.policy import default
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from exchangelib.protocol import CachingProtocol
from sqlalchemy import select

from mailflow.app import build
from mailflow.cli import cli
from mailflow.cycle import run_cycle
from mailflow.ledger import IncomingMail, record
from mailflow.settings import load_settings
from mailflow.sources.syncstate import SyncState, SyncStateStore
from mailflow.storage.models import Applicant, RawMail
from tests.mailbox.replay import RECORDINGS, Recording

MAILBOX = "course@centre.example"
APPLICANT_MAIL = (RECORDINGS / "mails" / "application.eml").read_bytes()


@pytest.fixture(autouse=True)
def fresh_process() -> None:
    """exchangelib remembers each server's version per process; each test starts anew."""
    CachingProtocol.clear_cache()


@pytest.fixture
def exchange_settings(
    configure: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> Callable[..., Path]:
    monkeypatch.setenv("MAILFLOW_EWS_PASSWORD", "recorded password")

    def make(**exchange: Any) -> Path:
        return configure(
            {"kind": "exchange", "folders": ["Inbox"], "processed_folder": "Processed"},
            {"kind": "exchange", "from": "Course assistant <course@centre.example>"},
            exchange={
                key: value
                for key, value in {
                    "server": "mail.centre.example",
                    "email": "course@centre.example",
                    "username": "CENTRE\\course",
                    "password_env": "MAILFLOW_EWS_PASSWORD",
                    **exchange,
                }.items()
                if value is not None
            },
        )

    return make


def _body(request: Any) -> bytes:
    return request.body if isinstance(request.body, bytes) else str(request.body).encode()


def test_whole_cycle_on_exchange(exchange_settings: Callable[..., Path]) -> None:
    settings_file = exchange_settings()
    with Recording("exchange/first-poll.json") as recording:
        flow = build(load_settings(settings_file))
        report = run_cycle(flow)
    recording.done()

    assert (report.received, report.by_status, report.errors) == (1, {"processed": 1}, [])
    with flow.database.transaction() as session:
        assert session.scalars(select(Applicant)).one().email == "ttran1@mail.org"
    move = _body(recording.seen[8])
    assert b"<m:ToFolderId><t:FolderId Id=" in move and b"AAAAAAJiAAA=" in move  # Processed
    create = _body(recording.seen[-1])
    assert b'MessageDisposition="SendAndSaveCopy"' in create
    mime = re.search(rb"<t:MimeContent>([^<]+)</t:MimeContent>", create)
    assert mime is not None
    sent = BytesParser(policy=default).parsebytes(base64.b64decode(mime.group(1)))
    applied = BytesParser(policy=default).parsebytes(APPLICANT_MAIL)
    assert sent["To"] == "ttran1@mail.org"
    assert sent["In-Reply-To"] == applied["Message-ID"]
    assert applied["Message-ID"] in sent["References"]
    assert sent["Message-ID"].endswith("@centre.example>")

    CachingProtocol.clear_cache()  # the next `mailflow run --once` is a new process
    with Recording("exchange/second-poll.json") as recording:
        again = run_cycle(build(load_settings(settings_file)))
    recording.done()
    assert (again.received, again.sent, again.errors) == (0, [], [])
    assert b"<m:SyncState>H4sIAAAAAAAEAO29B2AcSZYlJi9tynt" in _body(recording.seen[-1])


def test_missing_folder_is_said_in_one_line(exchange_settings: Callable[..., Path]) -> None:
    with Recording("exchange/check-missing-folder.json") as recording:
        result = CliRunner().invoke(cli, ["--config", str(exchange_settings()), "check-connection"])
    recording.done()
    mailbox, transport = result.output.splitlines()
    assert mailbox == (
        "mailbox: FAILED: Exchange folder 'Processed' (mailbox.processed_folder) does not "
        "exist: no 'Processed' in 'Top of Information Store'"
    )
    assert transport == (
        "transport: ok: Exchange mail.centre.example (ntlm) logged in as course@centre.example; "
        "Sent Items reachable"
    )
    assert result.exit_code == 4


def test_wrong_password(exchange_settings: Callable[..., Path]) -> None:
    with Recording("exchange/login-refused.json") as recording:
        report = run_cycle(build(load_settings(exchange_settings(auth="basic"))))
    recording.done()
    assert report.errors == [
        "Exchange mail.centre.example: login refused; check username, password_env and auth"
    ]


def test_oauth2_client_credentials(
    exchange_settings: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MAILFLOW_EWS_CLIENT_SECRET", "recorded-secret")
    settings_file = exchange_settings(
        auth="oauth2",
        username=None,
        password_env=None,
        tenant_id="3f1c6a2e-8b4d-4c1e-9a7f-2d5e6b8c9a01",
        client_id="b6a1c0de-4f2e-4d3c-8a9b-0c1d2e3f4a5b",
        client_secret_env="MAILFLOW_EWS_CLIENT_SECRET",
    )
    with Recording("exchange/oauth2-first-poll.json") as recording:
        report = run_cycle(build(load_settings(settings_file)))
    recording.done()

    assert (report.received, report.errors) == (0, [])
    token, *ews = recording.seen
    assert b"grant_type=client_credentials" in _body(token)
    assert b"client_secret=recorded-secret" in _body(token)
    for request in ews:
        assert request.headers["Authorization"].startswith("Bearer eyJ0eXAi")
        assert b"<t:ExchangeImpersonation>" in _body(request)


def test_invalid_sync_state_resyncs_without_handling_a_mail_twice(
    exchange_settings: Callable[..., Path],
) -> None:
    flow = build(load_settings(exchange_settings()))
    with flow.database.transaction() as session:  # taken in before, under an older item id
        earlier = IncomingMail(MAILBOX, "Inbox", "ews", "AAMkOlderId", APPLICANT_MAIL)
        record(session, flow.store, earlier)
        session.scalars(select(RawMail)).one().status = "processed"
    SyncStateStore(flow.database).save(MAILBOX, "Inbox", SyncState(sync_token="H4sIStale"))

    with Recording("exchange/invalid-sync-state.json") as recording:
        report = run_cycle(flow)
    recording.done()

    assert (report.received, report.errors) == (0, [])
    assert b"<m:SyncState>H4sIStale</m:SyncState>" in _body(recording.seen[3])
    assert b"<m:SyncState>" not in _body(recording.seen[4])
    state = SyncStateStore(flow.database).get(MAILBOX, "Inbox")
    assert state is not None and state.sync_token.startswith("H4sIAAAAAAAEAO29B2AcSZYlJi9tynt")
