"""Opening a logged-in IMAP connection, the one way the source, the Sent copy and
``check-connection`` all do it, with every failure turned into a MailboxError line."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from contextlib import contextmanager

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError, LoginError

from mailflow.connect.secrets import login_secret
from mailflow.connect.tls import describe_tls_error, tls_context
from mailflow.errors import MailboxError
from mailflow.mailsettings import ImapMailboxSettings

IMAP_ERRORS = (IMAPClientError, OSError)  # imaplib's abort and error are IMAPClientError


def open_imap(settings: ImapMailboxSettings) -> IMAPClient:
    """Connect, secure and log in; the caller logs out (see ``imap_session``)."""
    host, port = settings.host, settings.imap_port
    where = f"IMAP {host}:{port}"
    context = tls_context(settings.ca_file)
    try:
        client = IMAPClient(
            host,
            port,
            ssl=settings.security == "ssl",
            ssl_context=context,
            timeout=settings.timeout_seconds,
        )
        if settings.security == "starttls":
            client.starttls(context)
    except ssl.SSLError as exc:
        raise MailboxError(f"{where}: {describe_tls_error(exc)}") from None
    except TimeoutError:
        raise MailboxError(f"{where}: no answer within {settings.timeout_seconds:g} s") from None
    except IMAP_ERRORS as exc:
        raise MailboxError(f"{where}: cannot connect ({exc})") from None
    try:
        _log_in(client, settings)
    except BaseException:
        close_quietly(client)
        raise
    return client


def _log_in(client: IMAPClient, settings: ImapMailboxSettings) -> None:
    where = f"IMAP {settings.host}:{settings.imap_port}"
    secret = login_secret(settings, "mailbox")
    assert secret is not None and settings.username  # settings require a login for IMAP
    method, value = secret
    try:
        if method == "xoauth2":
            client.oauth2_login(settings.username, value)
        elif value.isascii():
            client.login(settings.username, value)
        else:  # LOGIN cannot carry UTF-8; SASL PLAIN can (RFC 4616)
            client.plain_login(settings.username, value)
    except LoginError as exc:
        raise MailboxError(
            f"{where}: login refused for {settings.username!r} ({_text(exc)}); "
            f"check the {'token' if method == 'xoauth2' else 'password'}"
        ) from None
    except IMAP_ERRORS as exc:
        raise MailboxError(f"{where}: login failed ({_text(exc)})") from None


@contextmanager
def imap_session(settings: ImapMailboxSettings) -> Iterator[IMAPClient]:
    """A logged-in connection for one short job, logged out afterwards."""
    client = open_imap(settings)
    try:
        yield client
    finally:
        close_quietly(client)


def close_quietly(client: IMAPClient) -> None:
    """Log out if the connection still lives; a dead one is simply dropped."""
    try:
        client.logout()
    except (*IMAP_ERRORS, AttributeError):
        try:
            client.shutdown()
        except (*IMAP_ERRORS, AttributeError):
            pass


def require_folder(client: IMAPClient, folder: str, setting: str) -> None:
    """Stop with the folder's name and the folders there are, instead of a server error."""
    if client.folder_exists(folder):
        return
    names = sorted(str(entry[2]) for entry in client.list_folders())
    raise MailboxError(
        f"IMAP folder {folder!r} ({setting}) does not exist; the mailbox has: {', '.join(names)}"
    )


def _text(exc: Exception) -> str:
    text = str(exc)
    return text[2:-1] if text.startswith("b'") else text
