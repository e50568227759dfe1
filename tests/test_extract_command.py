"""`mailflow extract FILE... [--json]`: one JSON object; exit codes say what happened."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path

from mailflow.documents.formspec import FormSpec
from mailflow.samplegen import paper
from mailflow.samplegen.people import make_person
from mailflow.samplegen.printed import print_form

ROOT = Path(__file__).resolve().parents[1]


def extract(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mailflow", "extract", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=120,
        check=False,
    )


def test_typed_form_as_json(tmp_path: Path, form_spec: FormSpec) -> None:
    person = make_person(random.Random(2), 1)
    path = tmp_path / "typed.pdf"
    path.write_bytes(print_form(form_spec, person.written))
    done = extract(path, "--json")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["form"] == "A901357" and result["channel"] == "text"
    assert set(result["fields"]) == set(form_spec.field_names)
    for name, truth in person.truth.items():
        field = result["fields"][name]
        assert field["value"] == truth and 0 <= field["confidence"] <= 1
        assert field["status"] == ("missing" if truth is None else "ok")
    assert isinstance(result["problems"], list)


def test_jpeg_pages_read_together_exit_zero_even_with_doubts(
    tmp_path: Path, form_spec: FormSpec
) -> None:
    rng = random.Random(4)
    person = make_person(rng, 1)
    pages = []
    for number, data in enumerate(paper.scanned(form_spec, person.written, rng), start=1):
        pages.append(tmp_path / f"page{number}.jpg")
        pages[-1].write_bytes(data)
    done = extract(*pages, "--json")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["channel"] == "ocr"
    assert result["fields"]["english_level"]["value"] == person.truth["english_level"]


def test_unreadable_input_exits_non_zero_with_one_line(tmp_path: Path) -> None:
    path = tmp_path / "notes.pdf"
    path.write_bytes(b"not a pdf at all")
    done = extract(path, "--json")
    assert done.returncode != 0
    assert done.stdout == ""
    assert len(done.stderr.strip().splitlines()) == 1
    assert "notes.pdf" in done.stderr
