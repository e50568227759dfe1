"""``mailflow check-connection``: one line per part, saying what works and what does not."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from mailflow.cli import cli
from mailflow.testing.dovecot import Dovecot, MailUser
from mailflow.testing.net import Certificate
from mailflow.testing.smtpd import SmtpServer
from tests.mailbox.helpers import COURSE_ADDRESS, imap_mailbox, smtp_section

SMTP_TRANSPORT = {"kind": "smtp", "from": f"Course <{COURSE_ADDRESS}>"}


def check(settings_file: Path) -> tuple[int, list[str]]:
    result = CliRunner().invoke(cli, ["--config", str(settings_file), "check-connection"])
    return result.exit_code, result.output.splitlines()


def test_all_good_over_ssl_and_starttls(
    configure: Callable[..., Path],
    dovecot: Dovecot,
    imap_user: MailUser,
    smtp_server: SmtpServer,
    certificate: Certificate,
) -> None:
    dovecot.append(imap_user, "INBOX")
    mailbox = imap_mailbox(
        dovecot, imap_user, port=dovecot.ssl_port, security="ssl", ca_file=str(certificate.cert)
    )
    code, lines = check(
        configure(mailbox, SMTP_TRANSPORT, smtp=smtp_section(smtp_server, certificate))
    )
    assert code == 0, lines
    assert lines[0].startswith(f"mailbox: ok: IMAP 127.0.0.1:{dovecot.ssl_port} (ssl) logged in")
    assert "INBOX (0 mails)" in lines[0]
    assert lines[1].startswith(f"transport: ok: SMTP 127.0.0.1:{smtp_server.port} (starttls)")


def test_starttls_imap(
    configure: Callable[..., Path], dovecot: Dovecot, imap_user: MailUser, certificate: Certificate
) -> None:
    mailbox = imap_mailbox(
        dovecot, imap_user, host="localhost", security="starttls", ca_file=str(certificate.cert)
    )
    code, lines = check(configure(mailbox))
    assert code == 0, lines
    assert "(starttls) logged in" in lines[0]


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"folders": ["INBOX", "Anmeldungen"]}, "'Anmeldungen' (mailbox.folders) does not exist"),
        ({"processed_folder": "Done"}, "'Done' (mailbox.processed_folder) does not exist"),
        ({"password_env": "WRONG_PASSWORD"}, "login refused for 'course"),
        ({"security": "ssl"}, "TLS failed (WRONG_VERSION_NUMBER); check security"),
        ({"security": "ssl", "port": "ssl_port"}, "not trusted (set ca_file"),
        ({"password_env": "UNSET_VARIABLE"}, "environment variable UNSET_VARIABLE is not set"),
    ],
)
def test_what_does_not_work_is_said_in_one_line(
    configure: Callable[..., Path],
    dovecot: Dovecot,
    imap_user: MailUser,
    monkeypatch: pytest.MonkeyPatch,
    overrides: dict[str, object],
    expected: str,
) -> None:
    monkeypatch.setenv("WRONG_PASSWORD", "not it")
    if overrides.get("port") == "ssl_port":
        overrides = {**overrides, "port": dovecot.ssl_port}
    code, lines = check(configure(imap_mailbox(dovecot, imap_user, **overrides)))
    assert code == 4
    assert lines[0].startswith("mailbox: FAILED: ")
    assert expected in lines[0]
    assert lines[1].startswith("transport: ok: folder")


def test_smtp_wrong_password(
    configure: Callable[..., Path],
    dovecot: Dovecot,
    imap_user: MailUser,
    smtp_server: SmtpServer,
    certificate: Certificate,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MAILFLOW_SMTP_PASSWORD", "nope")
    code, lines = check(
        configure(
            imap_mailbox(dovecot, imap_user),
            SMTP_TRANSPORT,
            smtp=smtp_section(smtp_server, certificate),
        )
    )
    assert code == 4
    assert lines[0].startswith("mailbox: ok")
    assert "transport: FAILED: SMTP" in lines[1]
    assert "login refused for 'course-smtp'" in lines[1]
