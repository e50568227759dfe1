"""Filled forms as paper makes them: faxed (1-bit, skewed, speckled, 204x196 or 204x98
dpi, as PDF or Group 4 TIFF), scanned (grey JPEG, low contrast, turned a little), and
filled by hand in a script font before being faxed.

Every degradation is drawn from the caller's random generator, so a benchmark run can be
repeated exactly.
"""

from __future__ import annotations

import io
import random

import cv2
import numpy as np
import pypdfium2
from PIL import Image, ImageDraw, ImageFont
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas

from mailflow.documents.formspec import FormSpec
from mailflow.samplegen.printed import find_font, print_form, strokes

FAX_DPI_X = 204.0
FINE_DPI_Y = 196.0
STANDARD_DPI_Y = 98.0
SCAN_DPI = 150.0
HAND_FONT = "DancingScript-Regular.otf"  # Debian package fonts-dancingscript
HAND_SIZE = 13.0


def render(pdf: bytes, dpi: float) -> list[np.ndarray]:
    """The PDF's pages as grey pixels at ``dpi``."""
    document = pypdfium2.PdfDocument(pdf)
    try:
        return [
            np.asarray(page.render(scale=dpi / 72, grayscale=True).to_pil().convert("L"))
            for page in document
        ]
    finally:
        document.close()


def _turn(pixels: np.ndarray, degrees: float, shift: tuple[float, float]) -> np.ndarray:
    height, width = pixels.shape
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), degrees, 1.0)
    matrix[:, 2] += shift
    return cv2.warpAffine(pixels, matrix, (width, height), borderValue=255)


def fax_page(pixels: np.ndarray, rng: random.Random, dpi_y: float) -> Image.Image:
    """A page rendered at 204 dpi, sent through a fax: skewed, 1-bit, speckled."""
    turned = _turn(pixels, rng.uniform(-1.5, 1.5), (rng.uniform(-15, 15), rng.uniform(-15, 15)))
    height, width = turned.shape
    squashed = cv2.resize(
        turned, (width, round(height * dpi_y / FAX_DPI_X)), interpolation=cv2.INTER_AREA
    )
    noise = np.random.default_rng(rng.getrandbits(32))
    threshold = rng.uniform(110, 160)
    ink = squashed < threshold + noise.normal(0, 18, squashed.shape)
    ink |= noise.random(squashed.shape) < rng.uniform(0.0003, 0.0012)  # speckle
    return Image.fromarray(np.where(ink, 0, 255).astype(np.uint8)).convert("1")


def fax_pdf(pages: list[Image.Image], dpi_y: float) -> bytes:
    """A fax gateway's PDF: one 1-bit image per page, sized by its resolution."""
    out = io.BytesIO()
    sheet = canvas.Canvas(out)
    for page in pages:
        size = (page.width / FAX_DPI_X * 72, page.height / dpi_y * 72)
        sheet.setPageSize(size)
        sheet.drawImage(ImageReader(page), 0, 0, *size)
        sheet.showPage()
    sheet.save()
    return out.getvalue()


def fax_tiff(pages: list[Image.Image], dpi_y: float) -> bytes:
    """A multi-page Group 4 TIFF, as standard-resolution fax gateways send."""
    out = io.BytesIO()
    pages[0].save(
        out,
        format="TIFF",
        compression="group4",
        save_all=True,
        append_images=pages[1:],
        dpi=(FAX_DPI_X, dpi_y),
    )
    return out.getvalue()


def faxed(spec: FormSpec, values: dict[str, str], rng: random.Random, fine: bool) -> bytes:
    """The typed form faxed: a PDF at 204x196 dpi (fine) or a TIFF at 204x98 (standard)."""
    dpi_y = FINE_DPI_Y if fine else STANDARD_DPI_Y
    pages = [fax_page(p, rng, dpi_y) for p in render(print_form(spec, values), FAX_DPI_X)]
    return fax_pdf(pages, dpi_y) if fine else fax_tiff(pages, dpi_y)


def scanned(spec: FormSpec, values: dict[str, str], rng: random.Random) -> list[bytes]:
    """The typed form scanned: one grey, low-contrast, slightly turned JPEG per page."""
    noise = np.random.default_rng(rng.getrandbits(32))
    jpegs = []
    for pixels in render(print_form(spec, values), SCAN_DPI):
        turned = _turn(pixels, rng.uniform(-3, 3), (rng.uniform(-20, 20), rng.uniform(-20, 20)))
        low, high = rng.uniform(40, 90), rng.uniform(190, 230)
        grey = low + turned.astype(np.float32) * (high - low) / 255
        grey += noise.normal(0, 6, grey.shape)
        grey = cv2.GaussianBlur(grey, (0, 0), rng.uniform(0.3, 0.8))
        image = Image.fromarray(np.clip(grey, 0, 255).astype(np.uint8))
        out = io.BytesIO()
        image.save(out, format="JPEG", quality=rng.randint(60, 85), dpi=(SCAN_DPI, SCAN_DPI))
        jpegs.append(out.getvalue())
    return jpegs


def hand_font_available() -> bool:
    return find_font(HAND_FONT) is not None


def hand_faxed(spec: FormSpec, values: dict[str, str], rng: random.Random) -> bytes:
    """The form filled by hand (a script font) and faxed at 204x196 dpi, as a PDF.

    Raises FileNotFoundError when the font (Debian's fonts-dancingscript) is missing.
    """
    path = find_font(HAND_FONT)
    if path is None:
        raise FileNotFoundError(f"{HAND_FONT} is not installed (apt install fonts-dancingscript)")
    scale = FAX_DPI_X / 72
    font = ImageFont.truetype(str(path), round(HAND_SIZE * scale))
    blanks = render(print_form(spec, {}), FAX_DPI_X)
    sheets = [Image.fromarray(pixels.copy()) for pixels in blanks]
    placed = strokes(spec, values, HAND_SIZE, lambda text: font.getlength(text) / scale)
    height = spec.page_size[1]
    for stroke in placed:
        draw = ImageDraw.Draw(sheets[stroke.page - 1])
        wobble = rng.uniform(-0.8, 0.8)
        xy = (stroke.x * scale, (height - stroke.baseline + wobble) * scale)
        draw.text(xy, stroke.text, fill=0, font=font, anchor="ls")
    pages = [fax_page(np.asarray(sheet), rng, FINE_DPI_Y) for sheet in sheets]
    return fax_pdf(pages, FINE_DPI_Y)
