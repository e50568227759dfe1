"""How sure OCR must be of a field, per kind of field, before its value is used unchecked.

Calibrated with ``benchmarks/extraction.py`` on generated faxes and scans. Tesseract
returns wrong reads at confidences up to ~0.95, differently per kind of value and per
kind of form: on a clean scan a name read at 0.85 is right, on a hand-filled fax a name
read at 0.92 may not be. So a form's own quality (the median confidence of its text
fields) picks the table, and each table is set where wrong-but-ok reads stay under 1%.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping

NORMAL: dict[str, float] = {
    "default": 0.90,
    "radio": 0.5,
    "text": 0.90,
    "date": 0.80,
    "country": 0.50,  # the country table itself rejects misreads
    "phone": 0.85,
    "email": 0.90,
    "passport": 0.90,
    "integer": 0.90,
}
CLEAN = {**NORMAL, "text": 0.80}  # crisp prints: typed faxes at 196 dpi, scans
HARD = {**NORMAL, "text": 0.97, "date": 0.90, "phone": 0.90, "country": 0.80}  # handwriting

CLEAN_FORM = 0.95  # median confidence of a form's text fields at or above which it is clean
HARD_FORM = 0.80  # and below which it is hard (hand-filled, badly degraded)


def ocr_thresholds(text_confidences: list[float]) -> Mapping[str, float]:
    """The threshold table for a form whose text fields were read with these confidences."""
    if not text_confidences:
        return NORMAL
    quality = statistics.median(text_confidences)
    if quality >= CLEAN_FORM:
        return CLEAN
    if quality < HARD_FORM:
        return HARD
    return NORMAL
