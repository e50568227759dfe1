"""The blank form filled, then printed to PDF: the values are text on the page, no fields.

Values are drawn into each field's box over the blank page with reportlab, as a PDF
printer would; a radio is an "X" in the chosen option's box. The same pages, rendered,
are what the fax and scan generators start from.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pypdf import PdfReader, PdfWriter
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from mailflow.documents.formspec import FormSpec

_FONT_DIRS = (Path("/usr/share/fonts/truetype"), Path("/usr/share/fonts/opentype"))


@dataclass(frozen=True)
class Pen:
    """How values are typed: a font file (found in the system's font folders) and size."""

    font_file: str = "DejaVuSans.ttf"
    size: float = 10.0


TYPED = Pen()


def find_font(font_file: str) -> Path | None:
    """The installed font file of that name, or None (fonts come from Debian packages)."""
    for folder in _FONT_DIRS:
        if folder.is_dir():
            for path in folder.rglob(font_file):
                return path
    return None


def _font_name(pen: Pen) -> str:
    name = Path(pen.font_file).stem
    if name not in pdfmetrics.getRegisteredFontNames():
        path = find_font(pen.font_file)
        if path is None:
            raise FileNotFoundError(f"font {pen.font_file} is not installed")
        pdfmetrics.registerFont(TTFont(name, str(path)))
    return name


@dataclass(frozen=True)
class Stroke:
    """One piece of text to write: page, left edge and baseline in PDF points."""

    page: int
    x: float
    baseline: float
    text: str


def strokes(
    spec: FormSpec, values: dict[str, str], size: float, width: Callable[[str], float]
) -> list[Stroke]:
    """Where each value goes: in its box, vertically centred (long text wrapped in a
    text area); a radio is an "X" in the chosen option's square. ``width`` measures text
    in points in the pen's font, so any way of drawing (PDF or pixels) places it alike."""
    placed = []
    for field in spec.fields:
        value = values.get(field.name, "")
        if not value:
            continue
        if field.kind == "radio":
            for option in field.options:
                if option.key == value:
                    box = option.box
                    x = (box.x0 + box.x1 - width("X")) / 2
                    placed.append(Stroke(box.page, x, box.y0 + 1.8, "X"))
            continue
        assert field.box is not None
        box = field.box
        if field.kind == "textarea":
            for number, line in enumerate(_wrap(value, box.x1 - box.x0 - 8, width)):
                baseline = box.y1 - size - 2 - number * size * 1.25
                if baseline > box.y0:
                    placed.append(Stroke(box.page, box.x0 + 4, baseline, line))
        else:
            baseline = box.y0 + (box.y1 - box.y0 - size) / 2 + 1.5
            placed.append(Stroke(box.page, box.x0 + 4, baseline, value))
    return placed


def _wrap(text: str, room: float, width: Callable[[str], float]) -> list[str]:
    lines: list[str] = []
    for word in text.split():
        if lines and width(f"{lines[-1]} {word}") <= room:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines


def _draw_frames(sheet: canvas.Canvas, spec: FormSpec, page: int) -> None:
    """Field boxes as a viewer prints them: a frame per text box, a square per option."""
    sheet.setLineWidth(0.8)
    sheet.setStrokeGray(0)
    sheet.setFillGray(1)
    for field in spec.fields:
        boxes = [field.box] if field.box else [option.box for option in field.options]
        for box in boxes:
            if box is not None and box.page == page:
                pad = 0.6 if field.kind == "radio" else 0  # covers the blank's round buttons
                sheet.rect(
                    box.x0 - pad,
                    box.y0 - pad,
                    box.x1 - box.x0 + 2 * pad,
                    box.y1 - box.y0 + 2 * pad,
                    stroke=1,
                    fill=1,
                )
    sheet.setFillGray(0)


def print_form(spec: FormSpec, values: dict[str, str], pen: Pen = TYPED) -> bytes:
    """The blank form with ``values`` printed into the field boxes, as a text-layer PDF."""
    font = _font_name(pen)
    width, height = spec.page_size
    overlay_data = io.BytesIO()
    sheet = canvas.Canvas(overlay_data, pagesize=(width, height))
    placed = strokes(spec, values, pen.size, lambda text: sheet.stringWidth(text, font, pen.size))
    for page in range(1, spec.page_count + 1):
        _draw_frames(sheet, spec, page)
        sheet.setFont(font, pen.size)
        for stroke in placed:
            if stroke.page == page:
                sheet.drawString(stroke.x, stroke.baseline, stroke.text)
        sheet.showPage()
    sheet.save()
    overlay = PdfReader(io.BytesIO(overlay_data.getvalue()))
    writer = PdfWriter(clone_from=PdfReader(spec.blank_pdf))
    for page, overlay_page in zip(writer.pages, overlay.pages, strict=True):
        page.merge_page(overlay_page)
        if "/Annots" in page:  # printed: the widgets are gone, only the page's drawing stays
            del page["/Annots"]
    if "/AcroForm" in writer.root_object:
        del writer.root_object["/AcroForm"]
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
