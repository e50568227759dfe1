"""Channel 1: a form filled in a PDF viewer keeps its values in the AcroForm fields."""

from __future__ import annotations

from pypdf import PdfReader

from mailflow.documents.formspec import FormSpec
from mailflow.documents.reading import FormReading, assemble_reading


def acroform_values(reader: PdfReader) -> dict[str, str]:
    """Field name -> value as text (a radio's chosen option without its leading slash)."""
    values = {}
    for name, field in (reader.get_fields() or {}).items():
        value = field.get("/V")
        text = "" if value is None else str(value)
        if field.get("/FT") == "/Btn":
            text = "" if text == "/Off" else text.lstrip("/")
        values[name] = text
    return values


def matches_form(values: dict[str, str], spec: FormSpec) -> bool:
    """A PDF is this form when it has (nearly all) the form's fields by name."""
    return len(set(spec.field_names) & set(values)) >= 0.8 * len(spec.fields)


def read_acroform(values: dict[str, str], spec: FormSpec) -> FormReading:
    """Field values typed into the form are exactly what the applicant wrote: confidence 1."""
    raw = {name: (values.get(name), 1.0) for name in spec.field_names}
    return assemble_reading(spec, "acroform", raw)
