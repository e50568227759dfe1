"""Microsoft Graph source and transport, replayed from recorded Graph responses."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from email.parser import BytesParser
from email.policy import default
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from mailflow.app import build
from mailflow.cli import cli
from mailflow.cycle import run_cycle
from mailflow.ledger import IncomingMail, record
from mailflow.settings import load_settings
from mailflow.sources.syncstate import SyncState, SyncStateStore
from mailflow.storage.models import Applicant, RawMail
from tests.mailbox.replay import RECORDINGS, Recording

GRAPH = {
    "tenant_id": "3f1c6a2e-8b4d-4c1e-9a7f-2d5e6b8c9a01",
    "client_id": "b6a1c0de-4f2e-4d3c-8a9b-0c1d2e3f4a5b",
    "client_secret_env": "MAILFLOW_GRAPH_SECRET",
    "mailbox": "course@centre.example",
}
MAILBOX = "course@centre.example"
APPLICANT_MAIL = (RECORDINGS / "mails" / "application.eml").read_bytes()


@pytest.fixture
def graph_settings(configure: Callable[..., Path], monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("MAILFLOW_GRAPH_SECRET", "recorded-secret")
    return configure(
        {"kind": "graph", "folders": ["Inbox"], "processed_folder": "Processed"},
        {"kind": "graph", "from": "Course assistant <course@centre.example>"},
        graph=GRAPH,
    )


def test_whole_cycle_on_graph(graph_settings: Path) -> None:
    with Recording("graph/first-poll.json") as recording:
        flow = build(load_settings(graph_settings))
        report = run_cycle(flow)
    recording.done()

    assert (report.received, report.by_status, report.errors) == (1, {"processed": 1}, [])
    with flow.database.transaction() as session:
        assert session.scalars(select(Applicant)).one().email == "ttran1@mail.org"
    move = next(request for request in recording.seen if request.url.endswith("/move"))
    send = recording.seen[-1]
    assert json.loads(move.body)["destinationId"].endswith("AAAAAJ6AAA=")  # Processed
    assert send.headers["Content-Type"] == "text/plain"
    assert send.headers["Authorization"].startswith("Bearer eyJ0eXAi")
    sent = BytesParser(policy=default).parsebytes(base64.b64decode(send.body))
    applied = BytesParser(policy=default).parsebytes(APPLICANT_MAIL)
    assert sent["To"] == "ttran1@mail.org"
    assert sent["In-Reply-To"] == applied["Message-ID"]
    assert applied["Message-ID"] in sent["References"]
    assert sent["Message-ID"].endswith("@centre.example>")

    with Recording("graph/second-poll.json") as recording:
        again = run_cycle(build(load_settings(graph_settings)))
    recording.done()
    assert (again.received, again.sent, again.errors) == (0, [], [])


def test_missing_folder_and_refused_secret_are_said_in_one_line(graph_settings: Path) -> None:
    with Recording("graph/check-missing-folder.json") as recording:
        result = CliRunner().invoke(cli, ["--config", str(graph_settings), "check-connection"])
    recording.done()
    mailbox, transport = result.output.splitlines()
    assert mailbox == (
        "mailbox: FAILED: Graph folder 'Processed' (mailbox.processed_folder) does not exist; "
        "the mailbox has: Archive, Deleted Items, Drafts, Inbox, Sent Items"
    )
    assert transport.startswith("transport: ok: Graph mailbox course@centre.example signed in")
    assert result.exit_code == 4


def test_throttled_request_is_retried_after_the_time_graph_asks(graph_settings: Path) -> None:
    with Recording("graph/throttled.json") as recording:
        report = run_cycle(build(load_settings(graph_settings)))
    recording.done()
    assert (report.received, report.errors) == (0, [])


def test_wrong_client_secret(graph_settings: Path) -> None:
    with Recording("graph/sign-in-refused.json") as recording:
        report = run_cycle(build(load_settings(graph_settings)))
    recording.done()
    assert report.errors == [
        "Graph sign-in refused for app b6a1c0de-4f2e-4d3c-8a9b-0c1d2e3f4a5b (invalid_client: "
        "AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the "
        "request is the client secret value, not the client secret ID, for a secret added to "
        "app 'b6a1c0de-4f2e-4d3c-8a9b-0c1d2e3f4a5b'.); check tenant_id, client_id and the secret"
    ]


def test_expired_delta_link_resyncs_without_handling_a_mail_twice(graph_settings: Path) -> None:
    flow = build(load_settings(graph_settings))
    with flow.database.transaction() as session:  # taken in before, under a mutable id
        record(
            session, flow.store, IncomingMail(MAILBOX, "Inbox", "graph", "old-id", APPLICANT_MAIL)
        )
        session.scalars(select(RawMail)).one().status = "processed"
    stale = "mailFolders('AAMkADNiZTc5ZTRjLWFkNjEtNGI0Ny05NjNiLTY0YmZiNWU1ZDM0ZgAuAAAAAAC5EdYqRQ"
    stale += "WJT6kBJ3bTyhEBAQBmPBmHiF8XQ5-1r9dDYQEeAAAAAAEMAAA%3D')/messages/delta?$deltatoken="
    SyncStateStore(flow.database).save(
        MAILBOX,
        "Inbox",
        SyncState(
            sync_token=f"https://graph.microsoft.com/v1.0/users/{MAILBOX}/{stale}"
            "T2xkIGRlbHRhIHRva2VuIGZyb20gbGFzdCBtb250aA"
        ),
    )

    with Recording("graph/expired-delta-link.json") as recording:
        report = run_cycle(flow)
    recording.done()

    assert (report.received, report.errors) == (0, [])
    assert recording.seen[-1].url.endswith("/move")
    state = SyncStateStore(flow.database).get(MAILBOX, "Inbox")
    assert state is not None and state.sync_token.endswith("TmV3IGRlbHRhIHRva2VuIGFmdGVyIHJlc3luYw")
