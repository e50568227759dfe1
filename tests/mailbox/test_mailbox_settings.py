"""[mailbox], [transport] and the server sections: kinds, defaults, one-line errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from mailflow.errors import ConfigError
from mailflow.mailsettings import ImapMailboxSettings, SmtpSettings
from mailflow.settings import load_settings

STORAGE = '[storage]\ndatabase = "m.db"\nraw_mail_dir = "raw"\n'
FOLDER_OUT = '[transport]\nkind = "folder"\nfolder = "out"\nfrom = "c@centre.example"\n'
IMAP = (
    '[mailbox]\nkind = "imap"\nhost = "imap.centre.example"\nusername = "course"\n'
    'password_env = "IMAP_PASSWORD"\n'
)


def load(tmp_path: Path, text: str) -> object:
    path = tmp_path / "mailflow.toml"
    path.write_text(STORAGE + text, encoding="utf-8")
    return load_settings(path)


def test_imap_defaults(tmp_path: Path) -> None:
    settings = load(tmp_path, IMAP + FOLDER_OUT)
    mailbox = settings.mailbox  # type: ignore[attr-defined]
    assert isinstance(mailbox, ImapMailboxSettings)
    assert (mailbox.security, mailbox.imap_port, mailbox.folders) == ("ssl", 993, ["INBOX"])


@pytest.mark.parametrize(("security", "port"), [("ssl", 465), ("starttls", 587)])
def test_smtp_ports_follow_security(security: str, port: int) -> None:
    smtp = SmtpSettings(host="smtp.centre.example", security=security)  # type: ignore[arg-type]
    assert smtp.smtp_port == port


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            IMAP.replace('username = "course"\n', 'username = "course"\nsecurity = "none"\n')
            + FOLDER_OUT,
            'mailbox: Value error, security = "none" sends the password in clear; it is '
            "allowed only for loopback hosts, not 'imap.centre.example'",
        ),
        (
            IMAP.replace('kind = "imap"', 'kind = "pop3"') + FOLDER_OUT,
            "mailbox.kind: Input should be 'folder', 'imap', 'exchange' or 'graph' (found 'pop3')",
        ),
        (IMAP + FOLDER_OUT.replace('"folder"\nfolder = "out"', '"smtp"'), "needs a [smtp] section"),
        (IMAP + FOLDER_OUT + '[smtp]\nhost = "s"\nsent_folder = "Sent"\nport = 0\n', "smtp.port"),
        (IMAP + "folders = []\n" + FOLDER_OUT, "mailbox.folders"),
        (
            '[mailbox]\nkind = "exchange"\n' + FOLDER_OUT + '[exchange]\nemail = "c@x"\n',
            "exchange: Value error, give server or autodiscover = true",
        ),
        (IMAP + "hots = 1\n" + FOLDER_OUT, "mailbox.hots: unknown key"),
    ],
)
def test_one_line_errors_name_the_key(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load(tmp_path, text)
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_loopback_may_go_without_tls(tmp_path: Path) -> None:
    text = IMAP.replace('"imap.centre.example"', '"127.0.0.1"') + 'security = "none"\n'
    assert load(tmp_path, text + FOLDER_OUT).mailbox.security == "none"  # type: ignore[attr-defined]


def test_example_config_is_valid() -> None:
    example = Path(__file__).resolve().parents[2] / "config.example.toml"
    assert load_settings(example).mailbox.kind == "folder"
