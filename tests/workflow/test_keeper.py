"""The worker runs on a checked copy of the staff files, and keeps the last good one."""

from __future__ import annotations

from pathlib import Path

import pytest
from workflow_helpers import edit

from mailflow.errors import RulesError
from mailflow.workflow.keeper import RuleKeeper, ruleset_status


def keeper(staff: Path, cache: Path) -> RuleKeeper:
    return RuleKeeper(staff / "rules", staff / "templates", cache)


def test_runs_on_a_copy_shared_by_every_process(staff: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    first = keeper(staff, cache).current()
    second = keeper(staff, cache).current()
    assert first.rules_dir == second.rules_dir and first.rules_dir.is_relative_to(cache)
    edit(staff / "rules" / "courses" / "A901357.toml", "capacity = 25", "capacity = 30")
    third = keeper(staff, cache).current()
    assert third.rules_dir != first.rules_dir and third.courses["A901357"].capacity == 30


def test_a_broken_edit_falls_back_to_the_last_good_copy(staff: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    good = keeper(staff, cache).current()
    edit(staff / "rules" / "workflow.toml", 'to = "rejected"', 'to = "turned_down"')
    assert keeper(staff, cache).current().rules_dir == good.rules_dir
    status = ruleset_status(cache)
    assert status is not None and status.refused and "turned_down" in status.problems[0]


def test_without_any_good_copy_the_problems_are_reported(staff: Path, tmp_path: Path) -> None:
    edit(staff / "rules" / "workflow.toml", 'to = "rejected"', 'to = "turned_down"')
    with pytest.raises(RulesError, match="no last good copy"):
        keeper(staff, tmp_path / "cache").current()
