"""The README's Quick start is what CI runs: two commands, the second one the tests."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def quick_start_commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"^```sh\n(.*?)^```", text, re.S | re.M)
    assert block, "README has no sh block"
    return [
        line
        for line in block.group(1).splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]


def test_quick_start_has_the_demo_and_the_test_command() -> None:
    demo, tests = quick_start_commands()
    assert "mailflow demo" in demo
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert tests in ci.splitlines()


def test_the_test_command_installs_the_system_packages_it_needs() -> None:
    script = (ROOT / "scripts" / "test.sh").read_text(encoding="utf-8")
    for package in ("tesseract-ocr", "tesseract-ocr-script-latn", "dovecot-imapd"):
        assert package in script
    assert "apt-get install" in script and "pip install" in script and "pytest" in script
