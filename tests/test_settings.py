"""Settings are checked at start and every problem is one line naming file and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from mailflow.errors import ConfigError
from mailflow.settings import load_settings, secret_from_env

VALID = """
[storage]
database = "var/m.db"
raw_mail_dir = "var/raw"
[mailbox]
kind = "folder"
folder = "inbox"
[transport]
kind = "folder"
folder = "outbox"
from = "Course <course@example.org>"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "mailflow.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_valid_settings_resolve_paths_against_the_file(tmp_path: Path) -> None:
    settings = load_settings(write(tmp_path, VALID))
    assert settings.storage.database == tmp_path / "var" / "m.db"
    assert settings.mailbox.folder == tmp_path / "inbox"
    assert settings.transport.sender == "Course <course@example.org>"
    assert settings.worker.poll_seconds == 300


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (lambda t: t + "colour = 'blue'\n", "transport.colour: unknown key"),
        (
            lambda t: t.replace(
                'kind = "folder"\nfolder = "inbox"', 'kind = "pigeon"\nfolder = "inbox"'
            ),
            "mailbox.kind: Input should be 'folder'",
        ),
        (lambda t: t.replace('database = "var/m.db"\n', ""), "storage.database: missing value"),
        (lambda t: t + "[worker]\npoll_seconds = 'often'\n", "worker.poll_seconds:"),
        (lambda t: t + "[worker]\npoll_seconds = 1\n", "worker.poll_seconds:"),
    ],
)
def test_a_wrong_setting_is_one_line_naming_file_and_key(
    tmp_path: Path, edit, expected: str
) -> None:
    path = write(tmp_path, edit(VALID))
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: ")
    assert expected in message
    assert "\n" not in message


def test_invalid_toml_and_missing_file_are_clear(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(write(tmp_path, "[storage\n"))
    with pytest.raises(ConfigError, match="settings file not found"):
        load_settings(tmp_path / "nowhere.toml")


def test_secrets_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAILFLOW_TEST_SECRET", "s3cret")
    assert secret_from_env("MAILFLOW_TEST_SECRET", "[smtp] password_env") == "s3cret"
    monkeypatch.delenv("MAILFLOW_TEST_SECRET")
    with pytest.raises(ConfigError, match="MAILFLOW_TEST_SECRET is not set"):
        secret_from_env("MAILFLOW_TEST_SECRET", "[smtp] password_env")
