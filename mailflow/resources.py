"""Where the rules and templates shipped with mailflow are.

A wheel carries them inside the package (``mailflow/_defaults``); a source checkout has
them at the top of the repository, where staff edit them.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def shipped(name: str) -> Path:
    """The shipped folder ``name`` ("rules" or "templates")."""
    for candidate in (_PACKAGE / "_defaults" / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"mailflow is installed without its {name} folder")
