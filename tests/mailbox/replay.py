"""Replaying recorded HTTP conversations (Graph JSON, EWS SOAP) under the real code.

``responses`` takes the place of the network inside ``requests``, which msal,
exchangelib and mailflow's Graph client all use, so everything above the socket runs
as in production. A recording lists the expected requests in order; each one must
match (method, URL path, query, and for SOAP the operation) or the test fails.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import responses

RECORDINGS = Path(__file__).resolve().parent.parent / "recordings"
SOAP_OPERATION = re.compile(rb"<(?:\w+:)?Body[^>]*>\s*<(?:\w+:)?(\w+)")


@dataclass
class Recording:
    """``with Recording("graph/cycle.json") as recording:`` then ``recording.done()``."""

    name: str
    pending: list[dict[str, Any]] = field(default_factory=list)
    seen: list[Any] = field(default_factory=list)
    mismatches: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        path = RECORDINGS / self.name
        self.folder = path.parent
        self.pending = _steps(path)
        self._mock = responses.RequestsMock(assert_all_requests_are_fired=False)
        for method in ("GET", "POST", "PATCH", "DELETE"):
            self._mock.add_callback(method, re.compile(r".*"), callback=self._reply)

    def __enter__(self) -> Recording:
        self._mock.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._mock.stop()
        self._mock.reset()

    def done(self) -> None:
        """Every recorded request was made, and nothing else."""
        assert self.mismatches == [], self.mismatches
        assert self.pending == [], [step["request"] for step in self.pending]

    def _reply(self, request: Any) -> tuple[int, dict[str, str], bytes]:
        self.seen.append(request)
        if not self.pending:
            return self._mismatch(f"unexpected {request.method} {request.url}")
        step = self.pending.pop(0)
        problem = _difference(step["request"], request)
        if problem:
            return self._mismatch(problem)
        answer = step["response"]
        headers = dict(answer.get("headers", {}))
        if "json" in answer:
            body = json.dumps(answer["json"]).encode()
            headers.setdefault("Content-Type", "application/json")
        elif "file" in answer:
            body = (self.folder / answer["file"]).read_bytes()
        else:
            body = answer.get("body", "").encode()
        return answer.get("status", 200), headers, body

    def _mismatch(self, problem: str) -> tuple[int, dict[str, str], bytes]:
        self.mismatches.append(problem)
        return 599, {}, b"not in the recording"


def _steps(path: Path) -> list[dict[str, Any]]:
    """The interactions of a recording, with ``{"include": "other.json"}`` spliced in."""
    steps = []
    for step in json.loads(path.read_text(encoding="utf-8"))["interactions"]:
        if "include" in step:
            steps.extend(_steps(path.parent / step["include"]))
        else:
            steps.append(step)
    return steps


def _difference(expected: dict[str, Any], request: Any) -> str | None:
    actual = urlsplit(request.url)
    wanted = urlsplit(expected["url"])
    if request.method != expected["method"] or actual.path != wanted.path:
        return f"expected {expected['method']} {wanted.path}, got {request.method} {actual.path}"
    if "?" in expected["url"] and dict(parse_qsl(actual.query)) != dict(parse_qsl(wanted.query)):
        return f"{actual.path}: expected query {wanted.query!r}, got {actual.query!r}"
    if "operation" in expected:
        body = request.body if isinstance(request.body, bytes) else str(request.body).encode()
        found = SOAP_OPERATION.search(body or b"")
        operation = found.group(1).decode() if found else None
        if operation != expected["operation"]:
            return f"expected SOAP {expected['operation']}, got {operation}"
    return None
