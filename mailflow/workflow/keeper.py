"""The last good rule set: a broken edit of the staff files never stops the worker.

Each time the worker (or a command) loads the rules it checks the staff folders. A clean
set is copied into the cache folder under its content fingerprint, and the worker runs
on that copy, so a file saved half-way through a cycle cannot change the rules under
it. A broken set is refused; the worker goes on with the last good copy, and the
refusal (with every problem) is written down for ``mailflow status`` and the weekly
digest (``ruleset_status``). Several processes may do this at once: copies are made
under a temporary name and renamed, and a status file is replaced whole.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

from mailflow.errors import RulesError
from mailflow.storage.models import utcnow
from mailflow.workflow.check import check_staff_files, errors_in
from mailflow.workflow.ruleset import RuleSet, load_ruleset

STATUS_FILE = "status.json"
KEEP_COPIES = 3


@dataclass(frozen=True)
class RulesetStatus:
    """Whether the staff files are in use, and if not, why and what runs instead."""

    refused: bool
    checked_at: str
    problems: list[str]
    last_good_at: str | None
    last_good_copy: str | None = None

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
        self._loaded: dict[Path, RuleSet] = {}

    def _load(self, copy: Path) -> RuleSet:
        """The rule set of a copy, read once: the same files give the same object."""
        if copy not in self._loaded:
            self._loaded[copy] = load_ruleset(copy / "rules", copy / "templates")
        return self._loaded[copy]

    def current(self, now: datetime | None = None) -> RuleSet:
        """The staff files when they are clean, else the last good copy of them."""
        checked_at = (now or utcnow()).strftime("%Y-%m-%d %H:%M")
        previous = ruleset_status(self.cache_dir)
        fingerprint = _fingerprint(self.rules_dir, self.templates_dir)
        problems = errors_in(check_staff_files(self.rules_dir, self.templates_dir))
        copy = None if problems else self._copy(fingerprint)
        if copy is not None:
            self._write(RulesetStatus(False, checked_at, [], checked_at, copy.name))
            return self._load(copy)
        last_good = previous.last_good_copy if previous else None
        if problems:
            self._write(
                RulesetStatus(
                    True,
                    checked_at,
                    [str(p) for p in problems],
                    previous.last_good_at if previous else None,
                    last_good,
                )
            )
        if last_good is None or not (self.cache_dir / last_good).is_dir():
            reasons = [str(p) for p in problems] or ["the files changed while being checked"]
            raise RulesError(
                "the rules cannot be used and there is no last good copy:\n" + "\n".join(reasons)
            )
        return self._load(self.cache_dir / last_good)

    def _copy(self, fingerprint: str) -> Path | None:
        """The cached copy of the checked files; None if they changed while checked."""
        target = self.cache_dir / f"rules-{fingerprint[:16]}"
        if target.is_dir():
            return target
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        incoming = Path(tempfile.mkdtemp(prefix="incoming-", dir=self.cache_dir))
        shutil.copytree(self.rules_dir, incoming / "rules")
        shutil.copytree(self.templates_dir, incoming / "templates")
        if _fingerprint(incoming / "rules", incoming / "templates") != fingerprint:
            shutil.rmtree(incoming)
            return None
        try:
            incoming.rename(target)
        except OSError:  # another process made the same copy first
            shutil.rmtree(incoming)
        self._prune(keep=target)
        return target

    def _prune(self, keep: Path) -> None:
        copies = sorted(self.cache_dir.glob("rules-*"), key=lambda p: p.stat().st_mtime)
        for old in copies[:-KEEP_COPIES]:
            if old != keep:
                shutil.rmtree(old, ignore_errors=True)

    def _write(self, status: RulesetStatus) -> None:
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix="status-", dir=self.cache_dir)
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(asdict(status), out, indent=2)
        os.replace(temporary, self.cache_dir / STATUS_FILE)


def _fingerprint(*folders: Path) -> str:
    """A digest of every file's name and content under the folders."""
    digest = hashlib.sha256()
    for index, folder in enumerate(folders):
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            digest.update(f"{index}:{path.relative_to(folder)}\0".encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def ruleset_status(cache_dir: Path) -> RulesetStatus | None:
    """What the last load of the rules found (for `mailflow status` and the digest)."""
    path = cache_dir / STATUS_FILE
    if not path.is_file():
        return None
    return RulesetStatus(**json.loads(path.read_text(encoding="utf-8")))
