"""Sending through an SMTP server: implicit TLS or STARTTLS, AUTH, a fixed envelope.

One connection per mail keeps a failure confined to that mail (the outbox marks it
``failed`` with the server's words). The From header and Message-ID come from the
outbox; the envelope sender is configured, so bounces reach a mailbox someone reads.
A copy can be appended to the IMAP Sent folder; failing that never unsends the mail.
"""

from __future__ import annotations

import base64
import logging
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import getaddresses, parseaddr

from mailflow.connect.imap import IMAP_ERRORS, imap_session, require_folder
from mailflow.connect.secrets import login_secret
from mailflow.connect.tls import describe_tls_error, tls_context
from mailflow.errors import MailboxError
from mailflow.mailsettings import ImapMailboxSettings, SmtpSettings

log = logging.getLogger(__name__)


class SmtpTransport:
    def __init__(
        self,
        settings: SmtpSettings,
        sender: str,
        sent_copy_to: ImapMailboxSettings | None = None,
    ) -> None:
        self.settings = settings
        self.envelope_from = settings.envelope_from or parseaddr(sender)[1]
        self.sent_copy_to = sent_copy_to if settings.sent_folder else None
        self.where = f"SMTP {settings.host}:{settings.smtp_port}"

    def send(self, message: EmailMessage) -> None:
        recipients = [
            address
            for _, address in getaddresses(message.get_all("To", []) + message.get_all("Cc", []))
            if address
        ]
        if not recipients:
            raise MailboxError(f"mail {message['Message-ID']} has no recipient")
        with self._session() as smtp:
            try:
                refused = smtp.send_message(
                    message, from_addr=self.envelope_from, to_addrs=recipients
                )
            except smtplib.SMTPRecipientsRefused as exc:
                raise MailboxError(f"{self.where}: recipients refused: {exc.recipients}") from None
            except smtplib.SMTPResponseException as exc:
                raise MailboxError(f"{self.where}: mail refused ({_reply(exc)})") from None
        if refused:
            log.warning("%s: some recipients refused: %s", self.where, refused)
        if self.sent_copy_to is not None:
            self._keep_copy(message)

    def check(self) -> str:
        with self._session():
            pass
        login = f"logged in as {self.settings.username}" if self.settings.username else "no AUTH"
        copy = ""
        if self.sent_copy_to is not None and self.settings.sent_folder:
            with imap_session(self.sent_copy_to) as client:
                require_folder(client, self.settings.sent_folder, "smtp.sent_folder")
            copy = f"; copies kept in IMAP folder {self.settings.sent_folder!r}"
        return f"{self.where} ({self.settings.security}) {login}{copy}"

    def _session(self) -> _SmtpSession:
        return _SmtpSession(self.settings, self.where)

    def _keep_copy(self, message: EmailMessage) -> None:
        assert self.sent_copy_to is not None and self.settings.sent_folder
        try:
            with imap_session(self.sent_copy_to) as client:
                client.append(self.settings.sent_folder, message.as_bytes(), flags=[b"\\Seen"])
        except (MailboxError, *IMAP_ERRORS) as exc:
            log.warning("mail %s sent, but no copy kept in Sent: %s", message["Message-ID"], exc)


class _SmtpSession:
    """A connected, secured and logged-in SMTP client for one ``with`` block."""

    def __init__(self, settings: SmtpSettings, where: str) -> None:
        self.settings = settings
        self.where = where
        self.client: smtplib.SMTP | None = None

    def __enter__(self) -> smtplib.SMTP:
        try:
            self.client = self._connect()
            self._log_in(self.client)
        except BaseException:
            self._close()
            raise
        return self.client

    def _connect(self) -> smtplib.SMTP:
        settings = self.settings
        context = tls_context(settings.ca_file)
        host, port, timeout = settings.host, settings.smtp_port, settings.timeout_seconds
        try:
            if settings.security == "ssl":
                return smtplib.SMTP_SSL(host, port, timeout=timeout, context=context)
            self.client = smtplib.SMTP(host, port, timeout=timeout)
            if settings.security == "starttls":
                self.client.starttls(context=context)
            return self.client
        except ssl.SSLError as exc:
            raise MailboxError(f"{self.where}: {describe_tls_error(exc)}") from None
        except smtplib.SMTPNotSupportedError:
            raise MailboxError(f"{self.where}: the server offers no STARTTLS") from None
        except (smtplib.SMTPException, OSError) as exc:
            raise MailboxError(f"{self.where}: cannot connect ({exc})") from None

    def _log_in(self, client: smtplib.SMTP) -> None:
        secret = login_secret(self.settings, "smtp")
        if secret is None:
            return
        method, value = secret
        assert self.settings.username
        try:
            if method == "xoauth2":
                response = f"user={self.settings.username}\1auth=Bearer {value}\1\1"
                client.ehlo_or_helo_if_needed()
                client.auth("XOAUTH2", lambda challenge=None: response, initial_response_ok=True)
            elif value.isascii():
                client.login(self.settings.username, value)
            else:
                _plain_login_utf8(client, self.settings.username, value)
        except smtplib.SMTPAuthenticationError as exc:
            raise MailboxError(
                f"{self.where}: login refused for {self.settings.username!r} ({_reply(exc)}); "
                "check the password"
            ) from None

    def __exit__(self, *exc_info: object) -> None:
        self._close()

    def _close(self) -> None:
        if self.client is None:
            return
        try:
            self.client.quit()
        except (smtplib.SMTPException, OSError):
            self.client.close()
        self.client = None


def _plain_login_utf8(client: smtplib.SMTP, username: str, password: str) -> None:
    """AUTH PLAIN with UTF-8 (RFC 4616): smtplib encodes credentials as ASCII only."""
    client.ehlo_or_helo_if_needed()
    token = base64.b64encode(f"\0{username}\0{password}".encode()).decode("ascii")
    code, reply = client.docmd("AUTH", f"PLAIN {token}")
    if code != 235:
        raise smtplib.SMTPAuthenticationError(code, reply)


def _reply(exc: smtplib.SMTPResponseException) -> str:
    text = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else ""
    return f"{exc.smtp_code} {text}".strip()
