"""The command line: demo, run, applicants, show, and one-line errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from mailflow.cli import cli

ROOT = Path(__file__).resolve().parents[1]


def mailflow(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run the real command in a subprocess, as a user would, from this checkout."""
    return subprocess.run(
        [sys.executable, "-m", "mailflow", *args],
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_demo_shows_an_applicant_and_an_acknowledgement_per_mail(tmp_path: Path) -> None:
    result = mailflow("demo", "--count", "3", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "3 new mail(s): 3 processed; 3 mail(s) sent" in result.stdout
    assert result.stdout.count("acknowledgement") == 3
    assert len(list((tmp_path / "mailflow-demo" / "outbox").glob("*.eml"))) == 3
    assert result.stderr == ""

    again = mailflow("demo", "--count", "3", cwd=tmp_path)
    assert "0 new mail(s); 0 mail(s) sent" in again.stdout
    assert len(list((tmp_path / "mailflow-demo" / "outbox").glob("*.eml"))) == 3


def test_run_applicants_and_show(workdir: Path, people, deliver) -> None:
    person = people(1)[0]
    deliver(person)
    runner = CliRunner()
    config = ["--config", str(workdir / "mailflow.toml")]

    ran = runner.invoke(cli, [*config, "--now", "2009-06-01 09:30", "run", "--once"])
    assert ran.exit_code == 0 and "1 new mail(s): 1 processed; 1 mail(s) sent" in ran.output

    listed = runner.invoke(cli, [*config, "applicants", "--json"])
    [row] = json.loads(listed.output)
    assert row == {
        "id": 1,
        "name": row["name"],
        "email": person.truth["email"],
        "state": "complete",
        "course": "A901357",
    }
    assert person.written["first_names"] in row["name"]

    table = runner.invoke(cli, [*config, "applicants"])
    assert str(person.truth["email"]) in table.output and "complete" in table.output

    shown = runner.invoke(cli, [*config, "show", "1"])
    assert shown.exit_code == 0
    for text in (
        "date_of_birth",
        str(person.truth["date_of_birth"]),
        "form received",
        "acknowledgement",
        "sent",
    ):
        assert text in shown.output


def test_errors_are_one_line_with_an_exit_code(tmp_path: Path, workdir: Path) -> None:
    missing = mailflow("--config", "nowhere.toml", "run", "--once", cwd=tmp_path)
    assert missing.returncode == 2
    assert missing.stderr.strip().count("\n") == 0 and "settings file not found" in missing.stderr

    unknown = mailflow("--config", "mailflow.toml", "show", "42", cwd=workdir)
    assert unknown.returncode == 1 and "no applicant with id 42" in unknown.stderr

    (workdir / "mailflow.toml").write_text(
        (workdir / "mailflow.toml").read_text() + "[mailbox2]\n", encoding="utf-8"
    )
    wrong = mailflow("--config", str(workdir / "mailflow.toml"), "applicants", cwd=tmp_path)
    assert wrong.returncode == 2 and "mailbox2: unknown key" in wrong.stderr


def test_a_command_that_fails_exits_non_zero(workdir: Path) -> None:
    """Cron and monitoring see it: check-connection with a mailbox folder that is gone."""
    (workdir / "inbox").rmdir()
    result = mailflow("--config", "mailflow.toml", "check-connection", cwd=workdir)
    assert result.returncode == 4, result.stdout
    assert "mailbox: FAILED" in result.stdout
