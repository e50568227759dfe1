"""Fixtures for the workflow tests: editable copies of the staff files, in use."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from mailflow.app import Mailflow, build
from mailflow.resources import shipped
from mailflow.settings import load_settings


@pytest.fixture
def staff(workdir: Path) -> Path:
    """A copy of the shipped rules/ and templates/ that the test may edit, in use."""
    folder = workdir / "staff"
    shutil.copytree(shipped("rules"), folder / "rules")
    shutil.copytree(shipped("templates"), folder / "templates")
    with (workdir / "mailflow.toml").open("a", encoding="utf-8") as settings:
        settings.write('[staff_files]\nrules = "staff/rules"\ntemplates = "staff/templates"\n')
    return folder


@pytest.fixture
def staff_flow(staff: Path, workdir: Path) -> Mailflow:
    return build(load_settings(workdir / "mailflow.toml"))
