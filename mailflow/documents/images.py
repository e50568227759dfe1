"""Page images out of what scanners and fax gateways send: PDF of images, TIFF, JPEG, PNG.

Every page comes out grey with square pixels and its resolution, whatever it came in:
standard fax (204x98 dpi) is stretched to square pixels, since letters only 6.5 px high
and squashed are beyond Tesseract. Sizes are checked before any pixel is decoded, so a
decompression bomb or a thousand-page file ends as a DocumentError, not a dead worker.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass

import cv2
import numpy as np
import pypdfium2
from PIL import Image, UnidentifiedImageError
from pypdf import PageObject

from mailflow.errors import DocumentError

MAX_PAGES = 12
MAX_PIXELS = 60_000_000  # a page at 600 dpi is 35 Mpx; beyond this, no scanner made it
MIN_PAGE_PIXELS = 500  # an image narrower than this is a logo or a signature, not a page
MAX_DPI = 300.0  # finer scans are brought down to this: OCR gains nothing above it
RENDER_DPI = 200.0  # a PDF page that is not one plain image is rendered at this
A4_WIDTH_INCHES = 8.27

_SIGNATURES = {
    b"%PDF-": "pdf",
    b"II*\x00": "tiff",
    b"MM\x00*": "tiff",
    b"\xff\xd8\xff": "jpeg",
    b"\x89PNG\r\n\x1a\n": "png",
}


@dataclass(frozen=True)
class PageImage:
    """One page: 8-bit grey pixels (0 = black), square, at ``dpi`` dots per inch."""

    pixels: np.ndarray
    dpi: float


def document_kind(data: bytes) -> str | None:
    """'pdf', 'tiff', 'jpeg' or 'png' by the file's first bytes; None for anything else."""
    for signature, kind in _SIGNATURES.items():
        if data.startswith(signature):
            return kind
    return None


def could_be_page(data: bytes) -> bool:
    """Whether an image is big enough to be a page (A4 is 595 px wide even at 72 dpi);
    an image that cannot even be opened counts, so that reading it says what is wrong."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            return min(image.size) >= MIN_PAGE_PIXELS
    except Exception:  # damaged or not an image: let the reader report it
        return True


def _check_size(width: int, height: int, name: str) -> None:
    if width <= 0 or height <= 0:
        raise DocumentError(f"{name}: an image of {width}x{height} pixels")
    if width * height > MAX_PIXELS:
        raise DocumentError(
            f"{name}: an image of {width}x{height} pixels is too large to be a scanned page"
        )


def _plausible_dpi(width_px: int, dpi: tuple[float, float] | None) -> tuple[float, float]:
    """The file's resolution, or one guessed from an A4 width when it says none or nonsense."""
    if dpi and dpi[0] > 0 and dpi[1] > 0:
        width_inches = width_px / dpi[0]
        if 0.6 * A4_WIDTH_INCHES < width_inches < 1.5 * A4_WIDTH_INCHES:
            return float(dpi[0]), float(dpi[1])
    guess = width_px / A4_WIDTH_INCHES
    return guess, guess


def to_page(image: Image.Image, dpi: tuple[float, float]) -> PageImage:
    """Grey, square pixels, at most MAX_DPI."""
    pixels = np.asarray(image.convert("L"))
    dpi_x, dpi_y = dpi
    target = min(max(dpi_x, dpi_y), MAX_DPI)
    if abs(dpi_x - target) > 1 or abs(dpi_y - target) > 1:
        height, width = pixels.shape
        size = (round(width * target / dpi_x), round(height * target / dpi_y))
        shrinking = target < min(dpi_x, dpi_y)
        pixels = cv2.resize(
            pixels, size, interpolation=cv2.INTER_AREA if shrinking else cv2.INTER_LINEAR
        )
    return PageImage(np.ascontiguousarray(pixels), target)


def _open_image(data: bytes, name: str) -> Image.Image:
    try:
        image = Image.open(io.BytesIO(data))
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise DocumentError(f"{name}: not a readable image ({exc})") from None
    except Image.DecompressionBombError:
        raise DocumentError(f"{name}: the image is too large to be a scanned page") from None
    return image


def _decode(image: Image.Image, name: str) -> PageImage:
    _check_size(*image.size, name)
    try:
        image.load()
    except (OSError, SyntaxError, ValueError) as exc:
        raise DocumentError(f"{name}: damaged image ({exc})") from None
    return to_page(image, _plausible_dpi(image.size[0], image.info.get("dpi")))


def image_pages(data: bytes, name: str) -> list[PageImage]:
    """The pages of a TIFF (every frame), JPEG or PNG file."""
    image = _open_image(data, name)
    frames = getattr(image, "n_frames", 1)
    if frames > MAX_PAGES:
        raise DocumentError(f"{name}: {frames} pages; an application form has a few")
    pages = []
    for frame in range(frames):
        try:
            image.seek(frame)
        except (OSError, EOFError) as exc:
            raise DocumentError(f"{name}: damaged page {frame + 1} ({exc})") from None
        pages.append(_decode(image, f"{name} page {frame + 1}"))
    return pages


def _single_image(page: PageObject) -> tuple[int, int] | None:
    """Pixel size of the page's one image XObject, read from its dictionary (no decoding)."""
    resources = page.get("/Resources")
    xobjects = resources.get_object().get("/XObject") if resources else None
    if not xobjects:
        return None
    images = [
        xobject.get_object()
        for xobject in xobjects.get_object().values()
        if xobject.get_object().get("/Subtype") == "/Image"
    ]
    if len(images) != 1:
        return None
    return int(images[0].get("/Width", 0)), int(images[0].get("/Height", 0))


def pdf_pages(data: bytes, pages: list[PageObject], name: str) -> Iterator[PageImage]:
    """The pages of a PDF as images: a fax page's own image, or else the rendered page."""
    rendered: pypdfium2.PdfDocument | None = None
    try:
        for number, page in enumerate(pages, start=1):
            label = f"{name} page {number}"
            width_in = float(page.mediabox.width) / 72
            height_in = float(page.mediabox.height) / 72
            if not (1 < width_in < 20 and 1 < height_in < 20):
                raise DocumentError(f"{label}: a page of {width_in:.1f}x{height_in:.1f} inches")
            size = _single_image(page)
            if size is not None:
                _check_size(*size, label)
                embedded = page.images[0].image
                if embedded is not None and embedded.size == size:
                    dpi = (size[0] / width_in, size[1] / height_in)
                    yield to_page(embedded, dpi)
                    continue
            if rendered is None:
                rendered = pypdfium2.PdfDocument(data)
            scale = RENDER_DPI / 72
            bitmap = rendered[number - 1].render(scale=scale, grayscale=True)
            yield PageImage(np.asarray(bitmap.to_pil().convert("L")), RENDER_DPI)
    finally:
        if rendered is not None:
            rendered.close()
