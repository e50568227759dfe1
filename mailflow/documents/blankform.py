"""Write a form definition from a blank fillable PDF: its widgets give every field's box.

Labels come from the words printed just above a text box (or right of a radio box);
normalizers are guessed from the label, for staff to check and correct in the file.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pdfplumber
import pypdf
import tomli_w

from mailflow.errors import DocumentError

_NORMALIZER_HINTS = (
    (re.compile(r"passport\s*(number|no\b)", re.I), "passport"),
    (re.compile(r"date", re.I), "date"),
    (re.compile(r"telephone|phone|fax", re.I), "phone"),
    (re.compile(r"e-?mail", re.I), "email"),
    (re.compile(r"nationality|country", re.I), "country"),
    (re.compile(r"years|number of|how many", re.I), "integer"),
)


def guess_normalizer(label: str) -> str:
    for pattern, normalizer in _NORMALIZER_HINTS:
        if pattern.search(label) and not (
            normalizer != "passport" and re.search(r"passport", label, re.I)
        ):
            return normalizer
    return "text"


def _words_near(words: list[dict[str, Any]], x0: float, x1: float, top: float, above: bool) -> str:
    """The line of words just above a box (above=True) or just right of it, on one line."""
    if above:
        line = [
            w for w in words if 0 < top - w["bottom"] < 14 and w["x0"] >= x0 - 2 and w["x0"] < x1
        ]
    else:
        line = [w for w in words if abs(w["top"] - top) < 6 and x1 < w["x0"] < x1 + 250]
    if not line:
        return ""
    line.sort(key=lambda w: w["x0"])
    text = [line[0]]
    for word in line[1:]:  # stop at a gap wider than a few spaces: the next column
        if word["x0"] - text[-1]["x1"] > 15:
            break
        text.append(word)
    return " ".join(w["text"] for w in text)


def describe_blank_form(pdf_path: Path, form_id: str, course: str) -> dict[str, Any]:
    """The definition of a blank fillable form, as the data of a rules/forms TOML file."""
    try:
        reader = pypdf.PdfReader(pdf_path)
        plumber = pdfplumber.open(pdf_path)
    except Exception as exc:
        raise DocumentError(f"{pdf_path}: cannot open as PDF: {exc}") from None
    with plumber:
        fields: dict[str, dict[str, Any]] = {}
        for page_number, (page, plumbed) in enumerate(
            zip(reader.pages, plumber.pages, strict=True), start=1
        ):
            height = float(page.mediabox.height)
            words = plumbed.extract_words()
            for annotation in page.get("/Annots", []) or []:
                widget = annotation.get_object()
                if widget.get("/Subtype") != "/Widget":
                    continue
                parent = widget.get("/Parent")
                name = str(widget.get("/T") or (parent.get_object().get("/T") if parent else ""))
                field_type = widget.get("/FT") or (
                    parent.get_object().get("/FT") if parent else None
                )
                x0, y0, x1, y1 = (round(float(v), 2) for v in widget["/Rect"])
                top = height - y1
                if field_type == "/Btn":
                    states = [s for s in widget["/AP"]["/N"] if s != "/Off"]
                    key = str(states[0]).lstrip("/")
                    entry = fields.setdefault(name, {"name": name, "kind": "radio", "options": []})
                    if not entry["options"]:
                        entry["label"] = _words_near(words, x0, x1 + 200, top - 4, above=True)
                    entry["options"].append(
                        {
                            "key": key,
                            "label": _words_near(words, x0, x1, top, above=False) or key,
                            "page": page_number,
                            "box": [x0, y0, x1, y1],
                        }
                    )
                else:
                    label = _words_near(words, x0, x1, top, above=True) or name
                    flags = int(widget.get("/Ff", 0) or 0)
                    fields[name] = {
                        "name": name,
                        "label": label,
                        "kind": "textarea" if flags & 4096 or (y1 - y0) > 30 else "text",
                        "normalizer": guess_normalizer(label),
                        "page": page_number,
                        "box": [x0, y0, x1, y1],
                    }
        first = reader.pages[0].mediabox
    return {
        "form": {
            "id": form_id,
            "title": str((reader.metadata or {}).get("/Title") or f"Application form {form_id}"),
            "course": course,
            "blank": pdf_path.name,
            "markers": [form_id],
            "pages": len(reader.pages),
            "page_size": [round(float(first.width), 2), round(float(first.height), 2)],
        },
        "fields": list(fields.values()),
    }


def write_form_definition(pdf_path: Path, form_id: str, course: str) -> str:
    """The TOML text of the definition, with a header telling staff what to check."""
    header = (
        f"# Form definition written from {pdf_path.name} by `mailflow form import`.\n"
        "# Check each field's label and normalizer (text, date, country, phone, email,\n"
        "# passport, integer) and mark the fields an application needs with required = true.\n\n"
    )
    return header + tomli_w.dumps(describe_blank_form(pdf_path, form_id, course))
