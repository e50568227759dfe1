"""An Exchange account through EWS (exchangelib), shared by the source, the transport
and ``check-connection``, with exchangelib's many errors turned into one clear line.

Folders are looked up by distinguished id or by a shallow search under their parent,
never through exchangelib's folder cache, which would list the whole folder tree.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from exchangelib import (
    DELEGATE,
    IMPERSONATION,
    Account,
    Configuration,
    Credentials,
    Identity,
    OAuth2Credentials,
)
from exchangelib.errors import ErrorFolderNotFound, EWSError, TransportError, UnauthorizedError
from exchangelib.folders import BaseFolder, Inbox, MsgFolderRoot, SentItems
from exchangelib.transport import BASIC, NTLM, OAUTH2
from requests import RequestException

from mailflow.errors import MailboxError
from mailflow.mailsettings import ExchangeSettings
from mailflow.settings import secret_from_env

AUTH_TYPES = {"ntlm": NTLM, "basic": BASIC, "oauth2": OAUTH2}
DISTINGUISHED = {"inbox": Inbox, "sent items": SentItems}
EWS_ERRORS = (EWSError, TransportError, RequestException, OSError)

T = TypeVar("T")


def open_account(settings: ExchangeSettings) -> Account:
    """An Account object; the first request to the server happens when it is used."""
    if settings.auth == "oauth2":
        assert settings.client_id and settings.client_secret_env  # settings check them
        credentials: Credentials | OAuth2Credentials = OAuth2Credentials(
            client_id=settings.client_id,
            client_secret=secret_from_env(settings.client_secret_env, "exchange.client_secret_env"),
            tenant_id=settings.tenant_id,
            identity=Identity(primary_smtp_address=settings.email),
        )
    else:
        assert settings.username and settings.password_env
        credentials = Credentials(
            settings.username, secret_from_env(settings.password_env, "exchange.password_env")
        )
    if settings.autodiscover:
        return Account(
            settings.email, credentials=credentials, autodiscover=True, access_type=DELEGATE
        )
    config = Configuration(
        server=settings.server, credentials=credentials, auth_type=AUTH_TYPES[settings.auth]
    )
    access = IMPERSONATION if settings.auth == "oauth2" else DELEGATE
    return Account(settings.email, config=config, autodiscover=False, access_type=access)


class ExchangeConnection:
    """One Exchange account, opened at first use and shared by source and transport."""

    def __init__(self, settings: ExchangeSettings) -> None:
        self.settings = settings
        self.where = settings.server or f"autodiscover for {settings.email}"
        self._account: Account | None = None
        self._folders: dict[str, BaseFolder] = {}

    @property
    def account(self) -> Account:
        if self._account is None:
            self._account = ews_call(self.where, lambda: open_account(self.settings))
        return self._account

    def folder(self, path: str, setting: str) -> BaseFolder:
        """The folder at ``path`` (parts separated by ``/``; the first may be Inbox)."""
        if path not in self._folders:
            self._folders[path] = ews_call(self.where, lambda: self._find(path, setting))
        return self._folders[path]

    def forget_folders(self) -> None:
        """Folders may be renamed or recreated between cycles."""
        self._folders.clear()

    def _find(self, path: str, setting: str) -> BaseFolder:
        parts = path.split("/")
        root = self.account.root
        first = DISTINGUISHED.get(parts[0].lower())
        if first is not None:
            folder, rest = first.get_distinguished(root=root), parts[1:]
        else:
            folder, rest = MsgFolderRoot.get_distinguished(root=root), parts
        for part in rest:
            try:
                folder = folder // part
            except ErrorFolderNotFound:
                raise MailboxError(
                    f"Exchange folder {path!r} ({setting}) does not exist: "
                    f"no {part!r} in {folder.name!r}"
                ) from None
        return folder


def ews_call(where: str, call: Callable[[], T]) -> T:
    """Run one EWS step; any failure becomes a MailboxError that names the server."""
    try:
        return call()
    except EWS_ERRORS as exc:
        raise ews_failure(where, exc) from None


def ews_failure(where: str, exc: Exception) -> MailboxError:
    """One line for an EWS failure, with the usual cause named."""
    if isinstance(exc, UnauthorizedError):
        return MailboxError(
            f"Exchange {where}: login refused; check username, password_env and auth"
        )
    return MailboxError(f"Exchange {where}: {type(exc).__name__}: {exc}")
