"""The last good rule set: a broken edit of the staff files never stops the worker.

Each time the worker loads the rules it checks the staff folders. A clean set is copied
to a cache folder as the new last good copy; a broken one is refused, the worker goes on
with the last good copy, and the refusal (with every problem) is written down for
``mailflow status`` and the weekly digest (``ruleset_status``).
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from mailflow.errors import RulesError
from mailflow.storage.models import utcnow
from mailflow.workflow.check import check_staff_files, errors_in
from mailflow.workflow.ruleset import RuleSet, load_ruleset

STATUS_FILE = "status.json"


@dataclass(frozen=True)
class RulesetStatus:
    """Whether the staff files are in use, and if not, why and what runs instead."""

    refused: bool
    checked_at: str
    problems: list[str]
    last_good_at: str | None

    def describe(self) -> str:
        if not self.refused:
            return f"rules and templates in use (checked {self.checked_at} UTC)"
        head = (
            f"the edited rules were REFUSED at {self.checked_at} UTC; the worker runs on "
            f"the last good copy of {self.last_good_at} UTC. Fix these and run "
            "`mailflow rules check`:"
        )
        return "\n".join([head, *(f"  {p}" for p in self.problems)])


class RuleKeeper:
    def __init__(self, rules_dir: Path, templates_dir: Path, cache_dir: Path) -> None:
        self.rules_dir = rules_dir
        self.templates_dir = templates_dir
        self.cache_dir = cache_dir

    def current(self, now: datetime | None = None) -> RuleSet:
        """The staff files when they are clean, else the last good copy of them."""
        checked_at = (now or utcnow()).strftime("%Y-%m-%d %H:%M")
        problems = errors_in(check_staff_files(self.rules_dir, self.templates_dir))
        previous = ruleset_status(self.cache_dir)
        if not problems:
            self._snapshot()
            self._write(RulesetStatus(False, checked_at, [], checked_at))
            return load_ruleset(self.rules_dir, self.templates_dir)
        last_good = previous.last_good_at if previous else None
        self._write(RulesetStatus(True, checked_at, [str(p) for p in problems], last_good))
        if last_good is None:
            raise RulesError(
                "the rules cannot be used and there is no last good copy:\n"
                + "\n".join(str(p) for p in problems)
            )
        return load_ruleset(self.cache_dir / "rules", self.cache_dir / "templates")

    def _snapshot(self) -> None:
        """Replace the last good copy, never leaving a half-copied one behind."""
        fresh = self.cache_dir / "incoming"
        shutil.rmtree(fresh, ignore_errors=True)
        shutil.copytree(self.rules_dir, fresh / "rules")
        shutil.copytree(self.templates_dir, fresh / "templates")
        for name in ("rules", "templates"):
            shutil.rmtree(self.cache_dir / name, ignore_errors=True)
            (fresh / name).rename(self.cache_dir / name)
        fresh.rmdir()

    def _write(self, status: RulesetStatus) -> None:
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        (self.cache_dir / STATUS_FILE).write_text(json.dumps(status.__dict__, indent=2))


def ruleset_status(cache_dir: Path) -> RulesetStatus | None:
    """What the last load of the rules found (for `mailflow status` and the digest)."""
    path = cache_dir / STATUS_FILE
    if not path.is_file():
        return None
    return RulesetStatus(**json.loads(path.read_text()))
