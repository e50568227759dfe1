"""The SMTP transport against a real aiosmtpd: TLS, AUTH, envelope, copy to Sent."""

from __future__ import annotations

from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import default

import pytest

from mailflow.connect.secrets import oauth2_token
from mailflow.errors import MailboxError
from mailflow.mailsettings import ImapMailboxSettings, SmtpSettings
from mailflow.testing.dovecot import Dovecot, MailUser
from mailflow.testing.net import Certificate
from mailflow.testing.smtpd import SmtpServer
from mailflow.transports.smtp import SmtpTransport
from tests.mailbox.helpers import folder_uids, imap_mailbox, smtp_section

FROM = "Course assistant <a901357@itcilo.example>"


def outgoing(subject: str = "Your application – reçue") -> EmailMessage:
    message = EmailMessage()
    message["From"] = FROM
    message["To"] = "Ana Pérez <ana@example.org>"
    message["Subject"] = subject
    message["Message-ID"] = "<1.2@itcilo.example>"
    message["In-Reply-To"] = "<application@example.org>"
    message.set_content("Thank you.\n")
    return message


def transport(server: SmtpServer, certificate: Certificate, **overrides: object) -> SmtpTransport:
    settings = SmtpSettings.model_validate(smtp_section(server, certificate, **overrides))
    return SmtpTransport(settings, FROM)


def test_sends_over_starttls_with_auth_and_the_configured_envelope(
    smtp_server: SmtpServer, certificate: Certificate
) -> None:
    transport(smtp_server, certificate).send(outgoing())

    (received,) = smtp_server.received
    assert received.mail_from == "bounces@itcilo.example"
    assert received.rcpt_tos == ["ana@example.org"]
    mail = BytesParser(policy=default).parsebytes(received.data)
    assert mail["Message-ID"] == "<1.2@itcilo.example>"
    assert mail["From"] == FROM
    assert mail["Subject"] == "Your application – reçue"


def test_implicit_tls(certificate: Certificate, monkeypatch: pytest.MonkeyPatch) -> None:
    server = SmtpServer(certificate, security="ssl", users={"course-smtp": "smtp pässword"})
    server.start()
    monkeypatch.setenv("MAILFLOW_SMTP_PASSWORD", "smtp pässword")
    try:
        transport(server, certificate, security="ssl").send(outgoing())
    finally:
        server.stop()
    assert len(server.received) == 1


def test_wrong_password_fails_with_a_clear_line(
    smtp_server: SmtpServer, certificate: Certificate, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MAILFLOW_SMTP_PASSWORD", "wrong")
    with pytest.raises(MailboxError, match="login refused for 'course-smtp'"):
        transport(smtp_server, certificate).send(outgoing())
    assert smtp_server.received == []


def test_untrusted_certificate_is_a_tls_failure(
    smtp_server: SmtpServer, certificate: Certificate
) -> None:
    with pytest.raises(MailboxError, match=r"SMTP 127\.0\.0\.1:\d+: TLS failed.*not trusted"):
        transport(smtp_server, certificate, ca_file=None).send(outgoing())


def test_copy_appended_to_the_imap_sent_folder(
    smtp_server: SmtpServer, certificate: Certificate, dovecot: Dovecot, imap_user: MailUser
) -> None:
    dovecot.append(imap_user, "Sent")
    settings = SmtpSettings.model_validate(
        smtp_section(smtp_server, certificate, sent_folder="Sent")
    )
    imap = ImapMailboxSettings.model_validate(imap_mailbox(dovecot, imap_user))
    SmtpTransport(settings, FROM, sent_copy_to=imap).send(outgoing())

    assert len(smtp_server.received) == 1
    assert len(folder_uids(dovecot, imap_user, "Sent")) == 1


def test_xoauth2_with_a_token_from_the_configured_command(
    certificate: Certificate, tmp_path
) -> None:
    script = tmp_path / "token.sh"
    script.write_text("#!/bin/sh\necho ya29.recorded-token\n")
    script.chmod(0o755)
    server = SmtpServer(
        certificate, security="ssl", oauth2_tokens={"course@centre.example": "ya29.recorded-token"}
    )
    server.start()
    try:
        overrides = {
            "security": "ssl",
            "username": "course@centre.example",
            "password_env": None,
            "oauth2_token_command": [str(script)],
        }
        transport(server, certificate, **overrides).send(outgoing())
    finally:
        server.stop()
    assert len(server.received) == 1


def test_a_failing_token_command_is_said_plainly(tmp_path) -> None:
    script = tmp_path / "token.sh"
    script.write_text("#!/bin/sh\necho 'refresh token expired' >&2\nexit 3\n")
    script.chmod(0o755)
    with pytest.raises(MailboxError, match=r"gave no token \(exit 3: refresh token expired\)"):
        oauth2_token([str(script)])
