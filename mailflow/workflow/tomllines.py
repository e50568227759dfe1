"""Where a table or key sits in a TOML text, so a staff file's mistakes carry a line number.

tomllib gives values without positions. Staff files are plain (one key per line, tables
by header), so scanning the text for a header and then for ``key =`` finds the line a
person must edit; when it cannot, the table's own line is close enough.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_HEADER = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")


@dataclass(frozen=True)
class Problem:
    """One mistake in a staff file: where it is and what to write instead."""

    location: str
    message: str
    severity: str = "error"  # "warning": worth fixing, but the rule set still runs

    def __str__(self) -> str:
        prefix = "warning: " if self.severity == "warning" else ""
        return f"{self.location}: {prefix}{self.message}"


class TomlLines:
    """Line numbers (1-based) of tables and keys in one TOML file's text."""

    def __init__(self, name: str, text: str) -> None:
        self.name = name
        self.lines = text.splitlines()

    def table(self, header: str, index: int = 0) -> int:
        """The line of the ``index``-th ``[header]`` or ``[[header]]``; 1 when absent."""
        seen = 0
        for number, line in enumerate(self.lines, start=1):
            match = _HEADER.match(line)
            if match and match.group(1) == header:
                if seen == index:
                    return number
                seen += 1
        return 1

    def key(self, key: str, start: int = 0) -> int:
        """The line of ``key =`` inside the table starting at line ``start`` (0: top level)."""
        pattern = re.compile(rf"^\s*{re.escape(key)}\s*=")
        for number in range(start + 1, len(self.lines) + 1):
            line = self.lines[number - 1]
            if _HEADER.match(line):
                break
            if pattern.match(line):
                return number
        return max(start, 1)

    def at(self, line: int) -> str:
        return f"{self.name}:{line}"
