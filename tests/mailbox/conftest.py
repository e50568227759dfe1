"""Real mail servers for the mailbox tests: one Dovecot for the session (each test gets
its own account), aiosmtpd per test, and settings files that point mailflow at them."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import tomli_w

from mailflow.app import Mailflow, build
from mailflow.settings import load_settings
from mailflow.testing.dovecot import Dovecot, MailUser
from mailflow.testing.net import Certificate, self_signed_certificate
from mailflow.testing.smtpd import SmtpServer
from tests.mailbox.helpers import COURSE_ADDRESS, SMTP_USERS, imap_mailbox


@pytest.fixture(scope="session")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> Certificate:
    return self_signed_certificate(tmp_path_factory.mktemp("tls"))


@pytest.fixture(scope="session")
def dovecot(certificate: Certificate) -> Iterator[Dovecot]:
    server = Dovecot(certificate)
    server.start()
    yield server
    server.remove()


@pytest.fixture
def imap_user(dovecot: Dovecot, monkeypatch: pytest.MonkeyPatch) -> MailUser:
    """A fresh Dovecot account; its password is in MAILFLOW_IMAP_PASSWORD."""
    user = dovecot.new_user()
    monkeypatch.setenv("MAILFLOW_IMAP_PASSWORD", user.password)
    return user


@pytest.fixture
def smtp_server(certificate: Certificate, monkeypatch: pytest.MonkeyPatch) -> Iterator[SmtpServer]:
    """aiosmtpd requiring STARTTLS and AUTH; its password is in MAILFLOW_SMTP_PASSWORD."""
    server = SmtpServer(certificate, security="starttls", users=SMTP_USERS)
    server.start()
    monkeypatch.setenv("MAILFLOW_SMTP_PASSWORD", SMTP_USERS["course-smtp"])
    yield server
    server.stop()


@pytest.fixture
def configure(tmp_path: Path) -> Callable[..., Path]:
    """``configure(mailbox=..., transport=..., smtp=...)`` writes a settings file."""

    def write(
        mailbox: dict[str, Any],
        transport: dict[str, Any] | None = None,
        name: str = "mailflow.toml",
        **sections: dict[str, Any],
    ) -> Path:
        data: dict[str, Any] = {
            "storage": {"database": "mailflow.db", "raw_mail_dir": "raw"},
            "mailbox": mailbox,
            "transport": transport
            or {"kind": "folder", "folder": "outbox", "from": f"Course <{COURSE_ADDRESS}>"},
            **sections,
        }
        path = tmp_path / name
        path.write_text(tomli_w.dumps(data), encoding="utf-8")
        return path

    return write


@pytest.fixture
def imap_flow(
    configure: Callable[..., Path], dovecot: Dovecot, imap_user: MailUser
) -> Callable[..., Mailflow]:
    """``imap_flow(**mailbox_overrides)``: mailflow reading the test's Dovecot account."""

    def make(**overrides: Any) -> Mailflow:
        return build(load_settings(configure(imap_mailbox(dovecot, imap_user, **overrides))))

    return make
