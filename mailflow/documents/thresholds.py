"""How sure OCR must be of a field, per kind of field, before its value is used unchecked.

Calibrated with ``benchmarks/extraction.py`` on generated faxes and scans: Tesseract
returns wrong reads at confidences up to ~0.9, differently per kind of value, so each
threshold is set where wrong-but-ok reads stay under 1% of fields.
"""

from __future__ import annotations

OCR_THRESHOLDS: dict[str, float] = {
    "default": 0.90,
    "radio": 0.5,
    "text": 0.90,
    "date": 0.80,
    "country": 0.50,  # the country table itself rejects misreads
    "phone": 0.85,
    "email": 0.90,
    "integer": 0.90,
}
