"""Settings of the mailbox mailflow reads and of the way it sends, one model per kind.

``[mailbox]`` and ``[transport]`` are unions told apart by ``kind``; the servers they
talk to are described once, in ``[mailbox]`` itself for IMAP, in ``[smtp]``,
``[exchange]`` or ``[graph]`` otherwise, so one Exchange or Graph account serves both
directions. Secrets are never here: a ``*_env`` key names the environment variable.
"""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationInfo, model_validator

Security = Literal["ssl", "starttls", "none"]


def _relative_to_config(value: Path, info: ValidationInfo) -> Path:
    """Relative paths in the file mean: relative to the file's own folder."""
    base = (info.context or {}).get("base", Path.cwd())
    return value if value.is_absolute() else (base / value).resolve()


ConfigPath = Annotated[Path, AfterValidator(_relative_to_config)]


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


def is_loopback(host: str) -> bool:
    """Whether ``host`` is this machine, the only place a password may travel in clear."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class ServerSettings(Section):
    """How to reach and log in to a mail server (IMAP or SMTP)."""

    host: str
    port: int | None = Field(default=None, ge=1, le=65535)
    security: Security = "ssl"
    username: str | None = None
    password_env: str | None = None
    oauth2_token_command: list[str] | None = Field(
        default=None, description="command printing an OAuth2 access token (XOAUTH2)"
    )
    ca_file: ConfigPath | None = Field(default=None, description="extra trusted certificates")
    timeout_seconds: float = Field(default=60, gt=0)

    @model_validator(mode="after")
    def _safe_and_complete(self) -> ServerSettings:
        if self.security == "none" and not is_loopback(self.host):
            raise ValueError(
                f'security = "none" sends the password in clear; it is allowed only for '
                f'loopback hosts, not {self.host!r}: use "ssl" or "starttls"'
            )
        if self.password_env and self.oauth2_token_command:
            raise ValueError("give password_env or oauth2_token_command, not both")
        if (self.password_env or self.oauth2_token_command) and not self.username:
            raise ValueError("username is missing (needed to log in)")
        return self

    def port_for(self, ssl_port: int, plain_port: int) -> int:
        """The configured port, or the protocol's usual one for the security chosen."""
        if self.port is not None:
            return self.port
        return ssl_port if self.security == "ssl" else plain_port


class FolderChoice(Section):
    """Which folders of a server mailbox are read, and where handled mail goes."""

    name: str | None = Field(default=None, description="account name in the ledger")
    folders: list[str] = Field(default_factory=lambda: ["INBOX"], min_length=1)
    processed_folder: str | None = Field(default=None, description="handled mail moves here")


class FolderMailboxSettings(Section):
    """A local folder of .eml files: the embedded default, for trying mailflow out."""

    kind: Literal["folder"]
    folder: ConfigPath
    name: str = "folder"


class ImapMailboxSettings(ServerSettings, FolderChoice):
    """An IMAP mailbox; the server keys sit in ``[mailbox]`` itself."""

    kind: Literal["imap"]
    processed_flag: str | None = Field(
        default=None, description="flag set on handled mail when it is not moved"
    )
    batch_size: int = Field(default=20, ge=1, le=500)

    @model_validator(mode="after")
    def _one_outcome(self) -> ImapMailboxSettings:
        if not (self.password_env or self.oauth2_token_command):
            raise ValueError("give password_env or oauth2_token_command to log in")
        if self.processed_folder and self.processed_flag:
            raise ValueError("give processed_folder or processed_flag, not both")
        return self

    @property
    def imap_port(self) -> int:
        return self.port_for(993, 143)


class ExchangeMailboxSettings(FolderChoice):
    """The mailbox of the ``[exchange]`` account (EWS, Exchange Server on premises)."""

    kind: Literal["exchange"]
    folders: list[str] = Field(default_factory=lambda: ["Inbox"], min_length=1)


class GraphMailboxSettings(FolderChoice):
    """The mailbox of the ``[graph]`` account (Microsoft 365 through Microsoft Graph)."""

    kind: Literal["graph"]
    folders: list[str] = Field(default_factory=lambda: ["Inbox"], min_length=1)


MailboxSettings = Annotated[
    FolderMailboxSettings | ImapMailboxSettings | ExchangeMailboxSettings | GraphMailboxSettings,
    Field(discriminator="kind"),
]


class _TransportBase(Section):
    sender: str = Field(alias="from", description="From address of every mail mailflow sends")


class FolderTransportSettings(_TransportBase):
    """Outgoing mail written as .eml files into a folder instead of being sent."""

    kind: Literal["folder"]
    folder: ConfigPath


class SmtpTransportSettings(_TransportBase):
    """Send through the ``[smtp]`` server."""

    kind: Literal["smtp"]


class ExchangeTransportSettings(_TransportBase):
    """Send through the ``[exchange]`` account; a copy is kept in its Sent Items."""

    kind: Literal["exchange"]


class GraphTransportSettings(_TransportBase):
    """Send through the ``[graph]`` account; a copy is kept in its Sent Items."""

    kind: Literal["graph"]


TransportSettings = Annotated[
    FolderTransportSettings
    | SmtpTransportSettings
    | ExchangeTransportSettings
    | GraphTransportSettings,
    Field(discriminator="kind"),
]


class SmtpSettings(ServerSettings):
    """The SMTP server mailflow sends through."""

    envelope_from: str | None = Field(
        default=None, description="envelope sender (bounces go here); default: the From address"
    )
    sent_folder: str | None = Field(
        default=None, description="IMAP folder of [mailbox] that keeps a copy of each mail sent"
    )

    @property
    def smtp_port(self) -> int:
        return self.port_for(465, 587 if self.security == "starttls" else 25)


class ExchangeSettings(Section):
    """An Exchange Server account reached through EWS (exchangelib)."""

    server: str | None = Field(default=None, description="EWS host, e.g. mail.centre.example")
    autodiscover: bool = False
    email: str = Field(description="primary SMTP address of the mailbox")
    auth: Literal["ntlm", "basic", "oauth2"] = "ntlm"
    username: str | None = None
    password_env: str | None = None
    tenant_id: str | None = None
    client_id: str | None = None
    client_secret_env: str | None = None

    @model_validator(mode="after")
    def _reachable_and_complete(self) -> ExchangeSettings:
        if bool(self.server) == self.autodiscover:
            raise ValueError("give server or autodiscover = true, one of the two")
        if self.auth == "oauth2":
            if not (self.tenant_id and self.client_id and self.client_secret_env):
                raise ValueError('auth = "oauth2" needs tenant_id, client_id, client_secret_env')
        elif not (self.username and self.password_env):
            raise ValueError(f'auth = "{self.auth}" needs username and password_env')
        return self


class GraphSettings(Section):
    """A Microsoft 365 mailbox reached through Microsoft Graph, app-only (client credentials)."""

    tenant_id: str
    client_id: str
    client_secret_env: str
    mailbox: str = Field(description="user principal name or address of the course mailbox")
    authority: str = "https://login.microsoftonline.com"
    endpoint: str = "https://graph.microsoft.com/v1.0"
