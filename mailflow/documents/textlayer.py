"""Channel 2: a form filled and printed to PDF keeps its values as words on the page.

Each word belongs to the field whose box holds the word's centre; a radio option is
chosen when an "X" sits in its box. The text is exact, so a value is sure unless a word
spills over its box's edge (a value written past the frame may have lost its end).
"""

from __future__ import annotations

from typing import Any

import pdfplumber

from mailflow.documents.formspec import Box, FormSpec
from mailflow.documents.reading import FormReading, assemble_reading

SURE = 0.99
SPILLED = 0.5
_LINE_TOLERANCE = 3.0  # points: words whose tops differ by less sit on one line

Word = dict[str, Any]


def page_text(page: pdfplumber.page.Page) -> str:
    """All the text of a page (to find a form's marker)."""
    return page.extract_text() or ""


def _inside(word: Word, box: Box, page_height: float) -> bool:
    x = (word["x0"] + word["x1"]) / 2
    y = page_height - (word["top"] + word["bottom"]) / 2
    return box.x0 < x < box.x1 and box.y0 < y < box.y1


def _spills(word: Word, box: Box, page_height: float) -> bool:
    return (
        word["x1"] > box.x1 + 1
        or word["x0"] < box.x0 - 1
        or (page_height - word["bottom"] < box.y0 - 2)
    )


def _join_lines(words: list[Word]) -> str:
    """Words in reading order: lines top to bottom, words left to right."""
    lines: list[list[Word]] = []
    for word in sorted(words, key=lambda w: (w["top"], w["x0"])):
        if lines and abs(lines[-1][0]["top"] - word["top"]) < _LINE_TOLERANCE:
            lines[-1].append(word)
        else:
            lines.append([word])
    return " ".join(
        " ".join(w["text"] for w in sorted(line, key=lambda w: w["x0"])) for line in lines
    )


def _read_box(words: list[Word], box: Box, height: float) -> tuple[str | None, float]:
    inside = [w for w in words if _inside(w, box, height)]
    if not inside:
        return None, SURE
    spilled = any(_spills(w, box, height) for w in inside)
    return _join_lines(inside), SPILLED if spilled else SURE


def read_text_layer(pdf: pdfplumber.PDF, spec: FormSpec) -> FormReading:
    """Every field of ``spec`` read from the words of the PDF's pages."""
    words_by_page = {
        number: (page.height, page.extract_words(keep_blank_chars=False, use_text_flow=False))
        for number, page in enumerate(pdf.pages[: spec.page_count], start=1)
    }
    raw: dict[str, tuple[str | None, float]] = {}
    problems = []
    for field in spec.fields:
        if field.page not in words_by_page:
            problems.append(f"{field.name}: page {field.page} is missing")
            continue
        height, words = words_by_page[field.page]
        if field.kind != "radio":
            assert field.box is not None
            raw[field.name] = _read_box(words, field.box, height)
            continue
        marked = [
            option.key
            for option in field.options
            if any(w["text"].upper() == "X" for w in words if _inside(w, option.box, height))
        ]
        if len(marked) > 1:
            problems.append(f"{field.name}: several options marked ({', '.join(marked)})")
        raw[field.name] = (marked[0] if marked else None, SURE if len(marked) == 1 else 0.0)
    return assemble_reading(spec, "text", raw, problems, threshold=SURE)
