"""Channel 3: read a form from page images, one field box at a time.

Each page is first registered onto the blank (align.py), so a field's box is a known
rectangle of pixels; each box is cleaned on its own (fieldimage.py) and all the boxes of
a form go to Tesseract together. A radio option is marked when its square holds enough
ink. A field's confidence is its least sure word's, weighed as ocrtrust.py says.
"""

from __future__ import annotations

import cv2
import numpy as np

from mailflow.documents.align import AlignedPage
from mailflow.documents.fieldimage import clean_field, detached_marks, ink_mask
from mailflow.documents.formspec import FieldSpec
from mailflow.documents.ocrtrust import (
    DOUBTFUL,
    RawRead,
    agree,
    better_read,
    doubtful_shape,
    marks_missed,
    tidy,
)
from mailflow.documents.tesseract import Word, read_lines

SECOND_OPINION = "eng"
SOFTEN_SIGMA = 1.0  # pixels at OCR_DPI: the blur of the second rendering of each field
THICKEN = np.ones((3, 3), np.uint8)  # a third rendering of names: strokes a pixel bolder
MARK_DENSITY = 0.10  # share of an option square's inside that ink must cover
SURE = 1.0


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


def read_fields(pages: dict[int, AlignedPage], fields: tuple[FieldSpec, ...]) -> dict[str, RawRead]:
    """Every field found on the given pages (page number -> aligned page), read by OCR."""
    raw: dict[str, RawRead] = {}
    crops: list[tuple[str, np.ndarray]] = []  # a text area gives one crop per line
    marks: dict[str, tuple[int, int]] = {}  # accents seen above and below a line of text
    inks = {number: ink_mask(page.pixels) for number, page in pages.items()}
    for field in fields:
        page = pages.get(field.page)
        if page is None:
            continue
        if field.kind == "radio":
            raw[field.name] = read_radio(page, inks[field.page], field)
            continue
        assert field.box is not None
        images = clean_field(page, inks[field.page], field.box, field.kind == "textarea")
        crops.extend((field.name, image) for image in images)
        if len(images) == 1 and field.kind == "text" and field.normalizer == "text":
            marks[field.name] = detached_marks(images[0])
        if not images:
            raw[field.name] = (None, SURE)
    pixels = [image for _, image in crops]
    softened = [cv2.GaussianBlur(image, (0, 0), SOFTEN_SIGMA) for image in pixels]
    checked = [name for name, _ in crops if name in marks]  # one crop each
    thickened = [cv2.erode(image, THICKEN) for name, image in crops if name in marks]
    latin = read_lines(pixels + softened + thickened)  # one process: the model loads once
    count = len(pixels)
    thick = dict(zip(checked, latin[2 * count :], strict=True))
    english = read_lines(pixels, SECOND_OPINION)
    words: dict[str, tuple[list[Word], list[Word], list[Word]]] = {}
    for (name, _), sharp, soft, second in zip(
        crops, latin[:count], latin[count : 2 * count], english, strict=True
    ):
        field_words = words.setdefault(name, ([], [], []))
        for gathered, read in zip(field_words, (sharp, soft, second), strict=True):
            gathered.extend(read)
    normalizers = {field.name: field.normalizer for field in fields}
    for name, (sharp, soft, second) in words.items():
        normalizer = normalizers[name]
        check = tidy(normalizer, thick[name]) if name in thick else None
        text, confidence = agree(
            normalizer,
            better_read(tidy(normalizer, sharp), tidy(normalizer, soft), check),
            tidy(normalizer, second),
        )
        if text and (
            doubtful_shape(normalizer, text) or (name in marks and marks_missed(text, *marks[name]))
        ):
            confidence = min(confidence, DOUBTFUL)
        raw[name] = (text, confidence)
    return raw
