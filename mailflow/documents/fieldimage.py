"""A field's box cut out of an aligned page and cleaned for Tesseract.

The printed frame is wiped out with line kernels sized to the resolution (at standard
fax resolution a frame is a thick staircase an ordinary filter leaves as dashes, read as
``7 ~ =``); specks and remnants away from the writing are dropped; what remains keeps the
page's grey (smooth edges) and is scaled to ~300 dpi, the size Tesseract reads best.
"""

from __future__ import annotations

import cv2
import numpy as np

from mailflow.documents.align import AlignedPage
from mailflow.documents.formspec import Box

OCR_DPI = 300.0
MIN_INK_POINTS2 = 2.0  # less ink than a couple of square points is an empty box
SPECK_POINTS2 = 0.45  # blobs smaller than this are fax speckle, not dots of an i
LETTER_POINTS2 = 2.0  # blobs smaller than this, far from any bigger one, are dirt
LINE_GAP_POINTS = 1.8  # blank rows parting two lines of a text area
MIN_LINE_POINTS = 3.0  # a line of writing is at least this tall
WORD_GAP_POINTS = 14.0  # words of one value are a space (~3 pt) apart, not this
MARK_HEIGHT = 0.45  # an accent is less tall than this share of a capital
MARK_AREA = 0.004  # and larger than this share of a capital's height squared (speckle)


def _points2_to_pixels(points2: float, dpi: float) -> int:
    return max(1, round(points2 * (dpi / 72) ** 2))


def ink_mask(pixels: np.ndarray) -> np.ndarray:
    """Ink as 255 on 0, by Otsu's threshold (scans are grey and low in contrast)."""
    _, mask = cv2.threshold(pixels, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    return mask


def _frame_lines(ink: np.ndarray, dpi: float) -> np.ndarray:
    """The frame's straight runs. Thickened across first: a skewed line scanned at low
    resolution is a staircase of short steps, which a plain line kernel would miss."""
    long_run = (max(8, round(dpi * 0.35)), max(8, round(dpi * 14 / 72)))  # letters < 14 pt
    across = max(3, round(dpi * 1.5 / 72))
    mask = np.zeros_like(ink)
    for axis in (0, 1):
        thick = (1, across) if axis == 0 else (across, 1)
        run = (long_run[0], 1) if axis == 0 else (1, long_run[1])
        widened = cv2.dilate(ink, cv2.getStructuringElement(cv2.MORPH_RECT, thick))
        mask |= cv2.morphologyEx(
            widened, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, run)
        )
    grow = max(1, round(dpi / 150))
    return cv2.dilate(mask, np.ones((2 * grow + 1, 2 * grow + 1), np.uint8))


def _drop_specks(ink: np.ndarray, dpi: float) -> np.ndarray:
    """Fax speckle out: small blobs away from any letter (a date's dots sit beside digits)."""
    _count, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    area = stats[:, cv2.CC_STAT_AREA]
    small = area < _points2_to_pixels(SPECK_POINTS2, dpi)
    small[0] = False
    cleaned = ink.copy()
    cleaned[small[labels]] = 0
    letters = area >= _points2_to_pixels(LETTER_POINTS2, dpi)
    letters[0] = False
    reach = max(3, round(dpi * 6 / 72))
    near_letters = cv2.dilate((letters[labels] * 255).astype(np.uint8), np.ones((reach, reach)))
    lonely = ~letters & (area < _points2_to_pixels(LETTER_POINTS2, dpi))
    lonely[0] = False
    cleaned[lonely[labels] & (near_letters == 0)] = 0
    return cleaned


def _main_text(ink: np.ndarray, dpi: float) -> np.ndarray:
    """Only the run of writing holding the most ink: a remnant of the frame or a smudge
    far from the words (more than WORD_GAP_POINTS away) is not part of the value."""
    columns = np.flatnonzero(ink.any(axis=0))
    if columns.size == 0:
        return ink
    gap = dpi * WORD_GAP_POINTS / 72
    breaks = np.flatnonzero(np.diff(columns) > gap)
    starts = np.concatenate(([columns[0]], columns[breaks + 1]))
    ends = np.concatenate((columns[breaks], [columns[-1]]))
    weights = [cv2.countNonZero(ink[:, a : b + 1]) for a, b in zip(starts, ends, strict=True)]
    best = int(np.argmax(weights))
    kept = np.zeros_like(ink)
    kept[:, starts[best] : ends[best] + 1] = ink[:, starts[best] : ends[best] + 1]
    return kept


def _kept_grey(grey: np.ndarray, ink: np.ndarray) -> np.ndarray:
    """The grey of the kept ink and its edge, contrast stretched, on white: a grey scan's
    letters keep their smooth edges, which resampling a black-and-white mask would lose."""
    paper = float(np.median(grey[ink == 0])) if np.any(ink == 0) else 255.0
    dark = float(np.percentile(grey[ink > 0], 5))
    stretched = (grey.astype(np.float32) - dark) * (255 / max(1.0, paper - dark))
    keep = cv2.dilate(ink, np.ones((3, 3), np.uint8)) > 0
    return np.where(keep, np.clip(stretched, 0, 255), 255).astype(np.uint8)


def _line_bands(ink: np.ndarray, dpi: float) -> list[tuple[int, int]]:
    """Top and bottom rows of each line of writing: runs of inked rows parted by blank
    rows at least LINE_GAP_POINTS high (an accent is closer to its letter than that)."""
    rows = np.flatnonzero(ink.any(axis=1))
    if rows.size == 0:
        return []
    breaks = np.flatnonzero(np.diff(rows) > dpi * LINE_GAP_POINTS / 72)
    starts = np.concatenate(([rows[0]], rows[breaks + 1]))
    ends = np.concatenate((rows[breaks], [rows[-1]]))
    tall_enough = dpi * MIN_LINE_POINTS / 72
    return [(int(a), int(b) + 1) for a, b in zip(starts, ends, strict=True) if b - a >= tall_enough]


def _for_tesseract(grey: np.ndarray, dpi: float) -> np.ndarray:
    """Scaled to OCR_DPI with a white margin."""
    scale = OCR_DPI / dpi
    grey = cv2.resize(grey, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC)
    pad = round(OCR_DPI / 12)
    return cv2.copyMakeBorder(grey, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=255)


def detached_marks(image: np.ndarray) -> tuple[int, int]:
    """How many marks stand clear above the tops and below the feet of the tall letters
    of one line of writing (an image from ``clean_field``): the accents of capitals
    (``Ú``, ``Ñ``, ``Ż``) and the commas below ``Ș`` and ``Ț``. Two pieces of one mark a
    few pixels apart (a tilde broken by the fax) count once. Only telling for a line in
    capitals: in small letters the dots of ``i`` and ``j`` rise as high."""
    ink = (image < 128).astype(np.uint8)
    _count, _labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    blobs = stats[1:]
    if len(blobs) == 0:
        return 0, 0
    heights = blobs[:, cv2.CC_STAT_HEIGHT]
    tall = blobs[heights >= 0.6 * heights.max()]
    top = float(np.median(tall[:, cv2.CC_STAT_TOP]))
    feet = float(np.median(tall[:, cv2.CC_STAT_TOP] + tall[:, cv2.CC_STAT_HEIGHT]))
    body = max(1.0, feet - top)
    above: list[tuple[int, int]] = []
    below: list[tuple[int, int]] = []
    for x, y, w, h, area in blobs:
        if h > MARK_HEIGHT * body or area < MARK_AREA * body * body:
            continue
        if y + h <= top:
            above.append((x, x + w))
        elif y >= feet - 0.05 * body:
            below.append((x, x + w))
    return _clusters(above, 0.3 * body), _clusters(below, 0.3 * body)


def _clusters(spans: list[tuple[int, int]], gap: float) -> int:
    count, end = 0, -np.inf
    for start, stop in sorted(spans):
        if start > end + gap:
            count += 1
        end = max(end, stop)
    return count


def clean_field(
    page: AlignedPage, ink_page: np.ndarray, box: Box, multiline: bool = False
) -> list[np.ndarray]:
    """The box's ink without its frame and specks, black on white at OCR_DPI: one image,
    or one per line of writing in a text area (Tesseract reads each as one line); none
    for an empty box."""
    left, top, right, bottom = page.box_pixels(box)
    margin = max(2, round(page.dpi * 3 / 72))
    height, width = ink_page.shape
    y0, y1 = max(0, top - margin), min(height, bottom + margin)
    x0, x1 = max(0, left - margin), min(width, right + margin)
    ink = ink_page[y0:y1, x0:x1]
    ink = cv2.subtract(ink, _frame_lines(ink, page.dpi))
    inset = max(1, round(page.dpi / 100))
    inside = np.zeros_like(ink)
    inside[top - y0 + inset : bottom - y0 - inset, left - x0 + inset : right - x0 - inset] = 255
    ink = _drop_specks(ink & inside, page.dpi)
    if not multiline:
        ink = _main_text(ink, page.dpi)
    if cv2.countNonZero(ink) < _points2_to_pixels(MIN_INK_POINTS2, page.dpi):
        return []
    grey = _kept_grey(page.pixels[y0:y1, x0:x1], ink)
    bands = _line_bands(ink, page.dpi) if multiline else [(0, ink.shape[0])]
    images = []
    for band_top, band_bottom in bands:
        line = ink[band_top:band_bottom]
        if cv2.countNonZero(line) == 0:
            continue
        x, y, w, h = cv2.boundingRect(cv2.findNonZero(line))
        crop = grey[band_top + y : band_top + y + h, x : x + w]
        images.append(_for_tesseract(crop, page.dpi))
    return images
