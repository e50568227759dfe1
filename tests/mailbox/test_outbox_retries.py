"""A mail the SMTP server did not take is tried again later, never lost, never doubled."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from mailflow.app import build
from mailflow.cli import cli
from mailflow.cycle import run_cycle
from mailflow.demo import COURSE_ADDRESS
from mailflow.errors import MailboxError
from mailflow.outbox import RETRY_DELAYS
from mailflow.settings import load_settings
from mailflow.storage.models import OutboxMail
from mailflow.testing.net import Certificate
from mailflow.testing.smtpd import SmtpServer
from tests.mailbox.helpers import SMTP_USERS, smtp_section


def retry_now(flow) -> None:  # type: ignore[no-untyped-def]
    with flow.database.transaction() as session:
        for mail in session.scalars(select(OutboxMail)):
            mail.retry_at = None if mail.retry_at is None else mail.created_at


@pytest.fixture
def smtp_settings(
    configure: Callable[..., Path], certificate: Certificate, monkeypatch: pytest.MonkeyPatch
) -> tuple[Path, SmtpServer]:
    """Settings sending through an SMTP server that is not running yet."""
    server = SmtpServer(certificate, security="starttls", users=SMTP_USERS)
    monkeypatch.setenv("MAILFLOW_SMTP_PASSWORD", SMTP_USERS["course-smtp"])
    path = configure(
        {"kind": "folder", "folder": "inbox"},
        {"kind": "smtp", "from": f"Course assistant <{COURSE_ADDRESS}>"},
        name="smtp.toml",
        smtp=smtp_section(server, certificate),
    )
    return path, server


def test_a_mail_refused_while_the_server_is_down_goes_when_it_is_back(
    smtp_settings: tuple[Path, SmtpServer],
    people,
    deliver,  # type: ignore[no-untyped-def]
) -> None:
    settings_path, server = smtp_settings
    (person,) = people(1)
    deliver(person)
    flow = build(load_settings(settings_path))

    down = run_cycle(flow)
    assert down.sent == [] and len(down.send_problems) == 1
    assert "next try" in down.send_problems[0]
    with flow.database.transaction() as session:
        mail = session.scalars(select(OutboxMail)).one()
        assert (mail.status, mail.attempts) == ("queued", 1) and mail.retry_at is not None
    assert run_cycle(flow).send_problems == []  # not due yet: not tried again

    server.start()
    try:
        retry_now(flow)
        back = run_cycle(flow)
        assert len(back.sent) == 1 and back.send_problems == []
        assert [r.rcpt_tos for r in server.received] == [[person.truth["email"]]]
        assert run_cycle(flow).sent == []
    finally:
        server.stop()


def test_after_the_last_try_the_mail_is_failed_and_run_once_says_so(
    smtp_settings: tuple[Path, SmtpServer],
    people,
    deliver,  # type: ignore[no-untyped-def]
) -> None:
    settings_path, _ = smtp_settings
    deliver(people(1)[0])
    flow = build(load_settings(settings_path))
    for _ in range(len(RETRY_DELAYS) + 1):
        run_cycle(flow)
        retry_now(flow)
    with flow.database.transaction() as session:
        mail = session.scalars(select(OutboxMail)).one()
        assert (mail.status, mail.attempts) == ("failed", len(RETRY_DELAYS) + 1)
        assert mail.error

    deliver(people(1)[0])
    result = CliRunner().invoke(cli, ["--config", str(settings_path), "run", "--once"])
    assert result.exit_code == MailboxError.exit_code
    assert "not sent" in result.output and "next try" in result.output


def test_a_person_queues_a_failed_mail_again(
    smtp_settings: tuple[Path, SmtpServer],
    people,
    deliver,  # type: ignore[no-untyped-def]
) -> None:
    settings_path, server = smtp_settings
    deliver(people(1)[0])
    flow = build(load_settings(settings_path))
    run_cycle(flow)
    with flow.database.transaction() as session:
        session.scalars(select(OutboxMail)).one().status = "failed"
    config = ["--config", str(settings_path)]
    listed = CliRunner().invoke(cli, [*config, "outbox"])
    assert "failed" in listed.output and "acknowledgement" in listed.output

    assert CliRunner().invoke(cli, [*config, "outbox", "retry", "1"]).exit_code == 0
    refused = CliRunner().invoke(cli, [*config, "outbox", "retry", "1"])
    assert "not failed or cut off" in str(refused.exception)

    server.start()
    try:
        assert len(run_cycle(flow).sent) == 1
    finally:
        server.stop()
