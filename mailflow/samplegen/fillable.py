"""The blank fillable form, filled in as a PDF viewer would."""

from __future__ import annotations

import io
import logging
from pathlib import Path

from pypdf import PdfReader, PdfWriter

from mailflow.documents.formspec import FormSpec


def fill_form(spec: FormSpec, values: dict[str, str]) -> bytes:
    """The blank form with ``values`` typed into its fields (radios by option key)."""
    writer = PdfWriter(clone_from=PdfReader(Path(spec.blank_pdf)))
    text_values = {}
    for field in spec.fields:
        value = values.get(field.name, "")
        if field.kind == "radio":
            text_values[field.name] = f"/{value}" if value else "/Off"
        else:
            text_values[field.name] = value
    pypdf_log = logging.getLogger("pypdf")
    level = pypdf_log.level
    pypdf_log.setLevel(logging.ERROR)  # it warns about fonts for every accented name
    try:
        for page in writer.pages:
            writer.update_page_form_field_values(page, text_values, auto_regenerate=False)
    finally:
        pypdf_log.setLevel(level)
    writer.set_need_appearances_writer(True)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
