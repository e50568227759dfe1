"""Find the application form in the documents of one application and read it.

The documents are the pages or parts of one application, in order: one PDF, one TIFF,
or several page images. The best channel the documents allow is used: AcroForm field
values, else the words of a text layer, else OCR of the page images. Whatever is wrong
with a document, reading it ends in a DocumentError saying what, never a hang or a crash.
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import pdfplumber
from pypdf import PdfReader

from mailflow.documents.acroform import acroform_values, matches_form, read_acroform
from mailflow.documents.align import AlignedPage, align_to_form
from mailflow.documents.formspec import FormSpec
from mailflow.documents.images import (
    MAX_PAGES,
    PageImage,
    could_be_page,
    document_kind,
    image_pages,
    pdf_pages,
)
from mailflow.documents.ocr import read_fields
from mailflow.documents.reading import FormReading, assemble_reading
from mailflow.documents.textlayer import page_text, read_text_layer
from mailflow.documents.thresholds import ocr_thresholds
from mailflow.errors import DocumentError

MIN_MATCH = 0.45  # alignment score below which a page is not this form's page
_DOCUMENT_NAMES = (".pdf", ".tif", ".tiff", ".jpg", ".jpeg", ".png")
_DOCUMENT_TYPES = ("application/pdf", "image/tiff", "image/jpeg", "image/png")


@dataclass(frozen=True)
class Document:
    """One file of an application: a name for messages, and its bytes."""

    name: str
    data: bytes


def looks_like_document(filename: str, content_type: str, data: bytes) -> bool:
    """Whether an attachment may hold a form: a PDF or a page image, by content or name."""
    return (
        document_kind(data) is not None
        or filename.lower().endswith(_DOCUMENT_NAMES)
        or content_type.lower() in _DOCUMENT_TYPES
    )


def applications(documents: Sequence[Document]) -> list[list[Document]]:
    """The documents of one mail grouped as applications: each PDF on its own, and all
    page-sized images (TIFF, JPEG, PNG) together, in order, as the pages of one. Small
    images (a logo, a signature in the mail's footer) are no page of a form."""
    pdfs = [[document] for document in documents if document_kind(document.data) == "pdf"]
    images = [
        document
        for document in documents
        if document_kind(document.data) != "pdf" and could_be_page(document.data)
    ]
    return pdfs + ([images] if images else [])


def read_form(documents: Sequence[Document], specs: Mapping[str, FormSpec]) -> FormReading | None:
    """The form read from the documents of one application, or None when they hold no
    known form. Raises DocumentError when a document cannot be read at all."""
    if not documents:
        raise DocumentError("no document to read")
    pages: list[PageImage] = []
    for document in documents:
        kind = document_kind(document.data)
        if kind is None:
            raise DocumentError(f"{document.name}: neither a PDF nor a TIFF, JPEG or PNG image")
        with _refusing_damage(document.name, "PDF" if kind == "pdf" else "image"):
            if kind == "pdf":
                reader = _open_pdf(document)
                if len(documents) == 1:
                    reading = _read_pdf_text(document, reader, specs)
                    if reading is not None:
                        return reading
                pages.extend(pdf_pages(document.data, list(reader.pages), document.name))
            else:
                pages.extend(image_pages(document.data, document.name))
        if len(pages) > MAX_PAGES:
            raise DocumentError(f"{document.name}: more than {MAX_PAGES} pages in all")
    with _refusing_damage(documents[0].name, "page image"):
        return _read_images(pages, specs)


@contextmanager
def _refusing_damage(name: str, what: str) -> Iterator[None]:
    """Any failure inside becomes a DocumentError naming the document: a damaged file can
    break a parser in any of many ways, and none of them may stop the worker."""
    try:
        yield
    except DocumentError:
        raise
    except MemoryError:
        raise DocumentError(f"{name}: too large to read") from None
    except Exception as exc:
        raise DocumentError(f"{name}: damaged {what} ({type(exc).__name__}: {exc})") from None


def _open_pdf(document: Document) -> PdfReader:
    reader = PdfReader(io.BytesIO(document.data))
    if reader.is_encrypted:
        raise DocumentError(f"{document.name}: the PDF is encrypted; ask for an unprotected copy")
    count = len(reader.pages)
    if count == 0:
        raise DocumentError(f"{document.name}: the PDF has no pages")
    if count > MAX_PAGES:
        raise DocumentError(f"{document.name}: {count} pages; an application form has a few")
    return reader


def _read_pdf_text(
    document: Document, reader: PdfReader, specs: Mapping[str, FormSpec]
) -> FormReading | None:
    """AcroForm values, else the text layer of a form printed to PDF; None for neither."""
    values = acroform_values(reader)
    for spec in specs.values():
        if matches_form(values, spec):
            return read_acroform(values, spec)
    with pdfplumber.open(io.BytesIO(document.data)) as pdf:
        text = page_text(pdf.pages[0])
        for spec in specs.values():
            if any(marker in text for marker in spec.markers):
                return read_text_layer(pdf, spec)
    return None


def _read_images(pages: list[PageImage], specs: Mapping[str, FormSpec]) -> FormReading | None:
    """OCR: the form whose blank the first page matches best, each page aligned to its own."""
    if not pages:
        return None
    fits = [(align_to_form(pages[0], spec, 1), spec) for spec in specs.values()]
    first, spec = max(fits, key=lambda fit: fit[0].score, default=(None, None))
    if first is None or spec is None or first.score < MIN_MATCH:
        return None
    aligned: dict[int, AlignedPage] = {1: first}
    problems = []
    for number, page in enumerate(pages[1 : spec.page_count], start=2):
        fitted = align_to_form(page, spec, number)
        if fitted.score < MIN_MATCH:
            problems.append(f"page {number} does not match page {number} of the form")
        else:
            aligned[number] = fitted
    if len(pages) < spec.page_count:
        problems.append(f"{len(pages)} of the form's {spec.page_count} pages arrived")
    if len(pages) > spec.page_count:
        extra = len(pages) - spec.page_count
        problems.append(f"{extra} page(s) after the form's {spec.page_count} were not read")
    raw = read_fields(aligned, spec.fields)
    for field in spec.fields:  # a page that came unreadable: its fields need a person
        raw.setdefault(field.name, ("", 0.0))
    text_confidences = [
        raw[field.name][1]
        for field in spec.fields
        if field.kind == "text" and field.normalizer == "text" and raw[field.name][0]
    ]
    thresholds = ocr_thresholds(text_confidences)
    return assemble_reading(spec, "ocr", raw, problems, thresholds)
