"""Find the application form in a document and read it by the best channel it allows."""

from __future__ import annotations

import io
from collections.abc import Mapping

from pypdf import PdfReader
from pypdf.errors import PdfReadError

from mailflow.documents.acroform import acroform_values, matches_form, read_acroform
from mailflow.documents.formspec import FormSpec
from mailflow.documents.reading import FormReading
from mailflow.errors import DocumentError

PDF_MAGIC = b"%PDF-"


def looks_like_document(filename: str, content_type: str, data: bytes) -> bool:
    """Whether an attachment may hold a form (today: a PDF, by content or by name)."""
    return (
        data.startswith(PDF_MAGIC)
        or filename.lower().endswith(".pdf")
        or (content_type == "application/pdf")
    )


def read_form(
    data: bytes, specs: Mapping[str, FormSpec], name: str = "document"
) -> FormReading | None:
    """The form read from one document, or None when the document holds no known form.

    Raises DocumentError when the document cannot be opened at all.
    """
    if not data.startswith(PDF_MAGIC):
        raise DocumentError(f"{name}: not a PDF document")
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise DocumentError(f"{name}: the PDF is encrypted; ask for an unprotected copy")
        values = acroform_values(reader)
    except PdfReadError as exc:
        raise DocumentError(f"{name}: damaged PDF ({exc})") from None
    for spec in specs.values():
        if matches_form(values, spec):
            return read_acroform(values, spec)
    return None
