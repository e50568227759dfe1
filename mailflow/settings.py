"""Settings: one TOML file turned into frozen, typed objects, checked once at start.

A wrong file stops mailflow with one line that names the file, the key and what was
expected, before any mail is touched. Secrets never sit in the file: it names the
environment variable that holds them (``password_env``), read only when needed.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

from pydantic import Field, ValidationError

from mailflow.errors import ConfigError
from mailflow.mailsettings import (
    ConfigPath,
    ExchangeSettings,
    GraphSettings,
    ImapMailboxSettings,
    MailboxSettings,
    Section,
    SmtpSettings,
    TransportSettings,
)

DEFAULT_CONFIG = Path("mailflow.toml")
TAGGED_SECTIONS = ("mailbox", "transport")


class StorageSettings(Section):
    """Where mailflow keeps its database and the raw copy of every mail it received."""

    database: ConfigPath = Field(description="SQLite database file")
    raw_mail_dir: ConfigPath = Field(description="folder for the raw copy of every mail")


class StaffFilesSettings(Section):
    """The folders staff edit. Unset means the rules and templates shipped with mailflow."""

    rules: ConfigPath | None = None
    templates: ConfigPath | None = None


class WorkerSettings(Section):
    """How often the scheduled worker polls the mailbox."""

    poll_seconds: int = Field(default=300, ge=10)


class OutboxSettings(Section):
    """The last guard against a mail loop: a cap on mails to one address a day."""

    daily_cap_per_address: int = Field(default=5, ge=1)


class Settings(Section):
    """Everything mailflow reads from its settings file."""

    storage: StorageSettings
    staff_files: StaffFilesSettings = StaffFilesSettings()
    worker: WorkerSettings = WorkerSettings()
    outbox: OutboxSettings = OutboxSettings()
    mailbox: MailboxSettings
    transport: TransportSettings
    smtp: SmtpSettings | None = None
    exchange: ExchangeSettings | None = None
    graph: GraphSettings | None = None


def load_settings(path: Path = DEFAULT_CONFIG) -> Settings:
    """Read and check the settings file; any problem becomes one ConfigError line."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            f"{path}: settings file not found; copy config.example.toml to {path} "
            "or name another with --config"
        ) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    return parse_settings(data, path)


def parse_settings(data: dict[str, Any], path: Path) -> Settings:
    """Validate already-parsed TOML, resolving relative paths against the file's folder."""
    try:
        settings = Settings.model_validate(data, context={"base": path.parent.resolve()})
    except ValidationError as exc:
        raise ConfigError(describe_validation_error(path, exc)) from None
    problem = missing_section(settings)
    if problem:
        raise ConfigError(f"{path}: {problem}")
    return settings


def missing_section(settings: Settings) -> str | None:
    """The server section a chosen kind needs but the file lacks, said as one line."""
    needs = {
        "smtp": settings.smtp,
        "exchange": settings.exchange,
        "graph": settings.graph,
    }
    for part, kind in (("mailbox", settings.mailbox.kind), ("transport", settings.transport.kind)):
        if kind in needs and needs[kind] is None:
            return f'{part}.kind: "{kind}" needs a [{kind}] section; add it'
    sent_folder = settings.smtp.sent_folder if settings.smtp else None
    if sent_folder and not isinstance(settings.mailbox, ImapMailboxSettings):
        return 'smtp.sent_folder: needs [mailbox] kind = "imap" to append the copy to'
    return None


def describe_validation_error(path: Path, exc: ValidationError) -> str:
    """Turn pydantic's report into one line: file, key, what was expected."""
    first = exc.errors()[0]
    location = [str(part) for part in first["loc"]]
    if len(location) > 1 and location[0] in TAGGED_SECTIONS:
        del location[1]  # pydantic names the kind it tried; the file has no such key
    key = ".".join(location) or "(top level)"
    kind = first["type"]
    if kind in ("union_tag_invalid", "union_tag_not_found"):  # [mailbox] or [transport] kind
        key = f"{key}.{first['ctx']['discriminator'].strip(chr(39))}"
    if kind in ("missing", "union_tag_not_found"):
        expected = "missing value; add it"
    elif kind == "union_tag_invalid":
        tags = first["ctx"]["expected_tags"].rsplit(", ", 1)
        expected = f"Input should be {' or '.join(tags)} (found {first['ctx']['tag']!r})"
    elif kind == "extra_forbidden":
        expected = "unknown key; remove it or check its spelling"
    else:
        expected = f"{first['msg']} (found {first.get('input')!r})"
    more = len(exc.errors()) - 1
    suffix = f" (and {more} more problem{'s' if more > 1 else ''})" if more else ""
    return f"{path}: {key}: {expected}{suffix}"


def secret_from_env(variable: str, setting: str) -> str:
    """Read a secret from the environment variable the settings file names."""
    value = os.environ.get(variable)
    if not value:
        raise ConfigError(
            f"environment variable {variable} is not set (named by {setting}); "
            "export it before starting mailflow"
        )
    return value
