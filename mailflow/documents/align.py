"""Register a page image onto the blank form, so every field box is where the form says.

The blank is rendered at the page's resolution as it looks on paper (its text, a frame
around each field, a square per radio option), and the page is fitted to it with an
affine map (rotation, skew, scale, shift), coarse to fine, by ECC on blurred ink. After
this, a field's box in PDF points is a fixed rectangle of pixels: no separate deskew.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np
import pypdfium2

from mailflow.documents.formspec import Box, FormSpec
from mailflow.documents.images import PageImage

# (resolution of the step in dpi, blur sigma in pixels of that step)
_STEPS = ((25.0, 2.0), (50.0, 1.5), (100.0, 1.0))
_CRITERIA = (cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, 60, 1e-5)
_START_ANGLES = (0.0, -3.0, 3.0, -6.0, 6.0)
FRAME_POINTS = 0.8  # line width of the printed frames
GOOD_FIT = 0.6  # a score this high is the right page the right way up: look no further


@dataclass(frozen=True)
class AlignedPage:
    """A page in the blank's pixel grid; ``score`` is how well it matched the blank (0..1)."""

    pixels: np.ndarray
    dpi: float
    score: float
    page_height_points: float

    def box_pixels(self, box: Box) -> tuple[int, int, int, int]:
        """Left, top, right, bottom of a box in this page's pixels."""
        scale = self.dpi / 72
        return (
            round(box.x0 * scale),
            round((self.page_height_points - box.y1) * scale),
            round(box.x1 * scale),
            round((self.page_height_points - box.y0) * scale),
        )


@lru_cache(maxsize=16)
def reference_page(spec: FormSpec, page: int, dpi: float) -> np.ndarray:
    """The blank page as printed, grey, at ``dpi``."""
    document = pypdfium2.PdfDocument(str(spec.blank_pdf))
    try:
        bitmap = document[page - 1].render(scale=dpi / 72, grayscale=True, may_draw_forms=False)
        pixels = np.array(bitmap.to_pil().convert("L"))
    finally:
        document.close()
    scale = dpi / 72
    height = spec.page_size[1]
    line = max(1, round(FRAME_POINTS * scale))
    for field in spec.fields:
        boxes = [field.box] if field.box else [option.box for option in field.options]
        for box in boxes:
            if box is None or box.page != page:
                continue
            corners = (
                (round(box.x0 * scale), round((height - box.y1) * scale)),
                (round(box.x1 * scale), round((height - box.y0) * scale)),
            )
            if field.kind == "radio":  # the blank's round button under a printed square
                cv2.rectangle(pixels, *corners, 255, thickness=-1)
            cv2.rectangle(pixels, *corners, 0, thickness=line)
    pixels.setflags(write=False)
    return pixels


def _ink(pixels: np.ndarray, scale: float, sigma: float) -> np.ndarray:
    """Dark as high values, shrunk and blurred: what ECC compares."""
    small = cv2.resize(pixels, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    ink = (255 - small).astype(np.float32) / 255
    return cv2.GaussianBlur(ink, (0, 0), sigma)


def _rotation(angle: float, shape: tuple[int, ...]) -> np.ndarray:
    centre = (shape[1] / 2, shape[0] / 2)
    return cv2.getRotationMatrix2D(centre, angle, 1.0).astype(np.float32)


def _fit(template: np.ndarray, image: np.ndarray, warp: np.ndarray) -> tuple[np.ndarray, float]:
    try:
        score, warp = cv2.findTransformECC(
            template, image, warp.copy(), cv2.MOTION_AFFINE, _CRITERIA, None, 1
        )
    except cv2.error:  # did not converge: the page does not look like this blank
        return warp, 0.0
    return warp, float(score)


def align_page(image: PageImage, reference: np.ndarray, page_height_points: float) -> AlignedPage:
    """The page warped onto the reference (rendered at the image's dpi)."""
    warp: np.ndarray | None = None
    score = 0.0
    previous_dpi = _STEPS[0][0]
    for step_dpi, sigma in _STEPS:
        scale = step_dpi / image.dpi
        template = _ink(reference, scale, sigma)
        moving = _ink(image.pixels, scale, sigma)
        if warp is None:  # first step: try a few starting angles, keep the best fit
            fits = [_fit(template, moving, _rotation(a, template.shape)) for a in _START_ANGLES]
            warp, score = max(fits, key=lambda fit: fit[1])
        else:
            warp = warp.copy()
            warp[:, 2] *= step_dpi / previous_dpi
            warp, score = _fit(template, moving, warp)
        previous_dpi = step_dpi
    assert warp is not None
    warp[:, 2] *= image.dpi / previous_dpi
    height, width = reference.shape
    pixels = cv2.warpAffine(
        image.pixels,
        warp,
        (width, height),
        flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=255,
    )
    return AlignedPage(pixels, image.dpi, score, page_height_points)


def align_to_form(image: PageImage, spec: FormSpec, page: int) -> AlignedPage:
    """A page of a filled form registered onto page ``page`` of the blank.

    A page fed upside down, or scanned sideways, is turned: the fit is tried the way the
    page's shape allows (upright or upside down for a portrait page, either quarter turn
    for a landscape one) and the better one kept, the first as soon as it fits well.
    """
    reference = reference_page(spec, page, round(image.dpi, 1))
    height, width = image.pixels.shape
    form_portrait = spec.page_size[1] >= spec.page_size[0]
    turns = (None, cv2.ROTATE_180)
    if (height >= width) != form_portrait:
        turns = (cv2.ROTATE_90_CLOCKWISE, cv2.ROTATE_90_COUNTERCLOCKWISE)
    best: AlignedPage | None = None
    for turn in turns:
        pixels = image.pixels if turn is None else cv2.rotate(image.pixels, turn)
        fitted = align_page(PageImage(pixels, image.dpi), reference, spec.page_size[1])
        if best is None or fitted.score > best.score:
            best = fitted
        if best.score >= GOOD_FIT:
            break
    assert best is not None
    return best
