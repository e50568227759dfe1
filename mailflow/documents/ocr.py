"""Channel 3: read a form from page images, one field box at a time.

Each page is first registered onto the blank (align.py), so a field's box is a known
rectangle of pixels. In it the printed frame is wiped out with line kernels sized to the
resolution (at standard fax resolution a frame is a thick staircase an ordinary filter
leaves as dashes, read as ``7 ~ =``), specks are dropped, and what remains is scaled to
~300 dpi for Tesseract. A radio option is marked when its square holds enough ink.
A field's confidence is its least sure word's: one doubtful letter spoils the value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import cv2
import numpy as np

from mailflow.documents.align import AlignedPage
from mailflow.documents.formspec import Box, FieldSpec
from mailflow.documents.tesseract import Word, read_lines

SECOND_OPINION = "eng"
AGREED = 0.93  # confidence of a value both models read alike
SOFTEN_SIGMA = 1.0  # pixels at OCR_DPI: the blur of the second rendering of each field
DOUBTFUL = 0.5  # confidence of a read shaped like a known OCR slip

OCR_DPI = 300.0
MIN_INK_POINTS2 = 2.0  # less ink than a couple of square points is an empty box
SPECK_POINTS2 = 0.45  # blobs smaller than this are fax speckle, not dots of an i
LETTER_POINTS2 = 2.0  # blobs smaller than this, far from any bigger one, are dirt
WORD_GAP_POINTS = 14.0  # words of one value are a space (~3 pt) apart, not this
MARK_DENSITY = 0.10  # share of an option square's inside that ink must cover
SURE = 1.0

RawRead = tuple[str | None, float]


@dataclass(frozen=True)
class FieldImage:
    """A field's cleaned pixels, ready for Tesseract (None when the box is empty)."""

    name: str
    pixels: np.ndarray | None


def _points2_to_pixels(points2: float, dpi: float) -> int:
    return max(1, round(points2 * (dpi / 72) ** 2))


def _ink_mask(pixels: np.ndarray) -> np.ndarray:
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


def clean_field(page: AlignedPage, ink_page: np.ndarray, box: Box) -> np.ndarray | None:
    """The box's ink without its frame and specks, black on white at OCR_DPI; None if empty."""
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
    ink = _main_text(_drop_specks(ink & inside, page.dpi), page.dpi)
    if cv2.countNonZero(ink) < _points2_to_pixels(MIN_INK_POINTS2, page.dpi):
        return None
    x, y, w, h = cv2.boundingRect(cv2.findNonZero(ink))
    grey = _kept_grey(page.pixels[y0:y1, x0:x1], ink)[y : y + h, x : x + w]
    scale = OCR_DPI / page.dpi
    grey = cv2.resize(grey, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC)
    pad = round(OCR_DPI / 12)
    return cv2.copyMakeBorder(grey, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=255)


def read_radio(page: AlignedPage, ink_page: np.ndarray, field: FieldSpec) -> RawRead:
    """The option whose square is inked; doubtful when two are, or one only faintly."""
    densities = []
    for option in field.options:
        left, top, right, bottom = page.box_pixels(option.box)
        inset = max(2, round(page.dpi * 1.5 / 72))
        inside = ink_page[top + inset : bottom - inset, left + inset : right - inset]
        densities.append(cv2.countNonZero(inside) / max(1, inside.size))
    order = np.argsort(densities)[::-1]
    best, second = densities[order[0]], densities[order[1]] if len(order) > 1 else 0.0
    if best < MARK_DENSITY:
        return None, SURE
    confidence = 1.0 - second / best if second >= MARK_DENSITY / 2 else SURE
    return field.options[order[0]].key, confidence


_DIGIT_LOOKALIKES = str.maketrans({"O": "0", "o": "0", "D": "0", "l": "1", "I": "1", "|": "1"})


def tidy(normalizer: str, words: list[Word]) -> RawRead:
    """The field's text and its least sure word's confidence, with digit look-alikes fixed
    where only digits belong (a date, a telephone number, a count). A lone punctuation
    mark is a speck Tesseract tried to read, not part of any field's value."""
    if not words:
        return "", 0.0  # ink Tesseract could not read at all: a person must look
    words = [word for word in words if len(word.text) > 1 or word.text.isalnum()] or words
    text = " ".join(word.text for word in words)
    if normalizer in ("date", "phone", "integer"):
        text = text.translate(_DIGIT_LOOKALIKES)
    if normalizer == "email":
        text = re.sub(r"\s+", "", text)
    return text, min(word.confidence for word in words)


def read_fields(pages: dict[int, AlignedPage], fields: tuple[FieldSpec, ...]) -> dict[str, RawRead]:
    """Every field found on the given pages (page number -> aligned page), read by OCR."""
    raw: dict[str, RawRead] = {}
    images: list[FieldImage] = []
    inks = {number: _ink_mask(page.pixels) for number, page in pages.items()}
    for field in fields:
        page = pages.get(field.page)
        if page is None:
            continue
        if field.kind == "radio":
            raw[field.name] = read_radio(page, inks[field.page], field)
            continue
        assert field.box is not None
        pixels = clean_field(page, inks[field.page], field.box)
        if pixels is None:
            raw[field.name] = (None, SURE)
        else:
            images.append(FieldImage(field.name, pixels))
    normalizers = {field.name: field.normalizer for field in fields}
    pixels = [image.pixels for image in images if image.pixels is not None]
    softened = [cv2.GaussianBlur(image, (0, 0), SOFTEN_SIGMA) for image in pixels]
    latin = read_lines(pixels + softened)  # one process: the model loads once
    english = read_lines(pixels, SECOND_OPINION)
    for image, sharp_words, soft_words, english_words in zip(
        images, latin[: len(pixels)], latin[len(pixels) :], english, strict=True
    ):
        normalizer = normalizers[image.name]
        text, confidence = agree(
            normalizer,
            better_read(tidy(normalizer, sharp_words), tidy(normalizer, soft_words)),
            tidy(normalizer, english_words),
        )
        if text and doubtful_shape(normalizer, text):
            confidence = min(confidence, DOUBTFUL)
        raw[image.name] = (text, confidence)
    return raw


def better_read(sharp: RawRead, soft: RawRead) -> RawRead:
    """Of the reads of the crisp and the softened image, the surer one; the same text
    from both keeps the higher confidence. Fax letters are jagged 1-bit staircases; a
    slight blur turns them back into strokes the model knows, but sometimes joins them,
    so neither rendering is always better."""
    if sharp[0] == soft[0]:
        return sharp[0], max(sharp[1], soft[1])
    return max(sharp, soft, key=lambda read: read[1])


def agree(normalizer: str, first: RawRead, second: RawRead) -> RawRead:
    """The Latin-script read, surer when a second model, trained apart, reads the same.

    Tesseract's confidence is low on long tokens read right (an e-mail address); two
    models agreeing letter for letter is better evidence. Not for names and free text:
    the English model drops accents, so it would confirm a Latin read that lost them.
    Nor where both models are known to fail alike: ``l`` or ``1`` beside a digit.
    """
    text, confidence = first
    if not text or normalizer == "text" or _LOOKALIKE_BESIDE_DIGIT.search(text):
        return first
    if text == second[0]:
        return text, max(confidence, second[1], AGREED)
    return first


def doubtful_shape(normalizer: str, text: str) -> bool:
    """Reads that look like a known OCR slip rather than what people write: ``l`` or
    ``I`` beside a digit or before the ``@`` of an e-mail address, ``!`` or ``|`` inside
    a word, a name starting with a small ``l`` (``lon`` for ``Ion``)."""
    if normalizer == "email":
        return bool(_LOOKALIKE_BESIDE_DIGIT.search(text) or _LOOKALIKE_BEFORE_AT.search(text))
    if normalizer == "text":
        words = text.split()
        return any(_INNER_MARK.search(word) for word in words) or (
            any(_SMALL_L_START.match(word) for word in words)
            and all(word[0].isupper() or not word[0].isalpha() for word in words if word[0] != "l")
        )
    return False


_LOOKALIKE_BESIDE_DIGIT = re.compile(r"[lI|][0-9]|[0-9][lI|]")
_LOOKALIKE_BEFORE_AT = re.compile(r"[lI|1]@")
_INNER_MARK = re.compile(r"\w[!|{}\[\]]|[!|{}\[\]]\w")
_SMALL_L_START = re.compile(r"^l[a-zà-ÿ]")
