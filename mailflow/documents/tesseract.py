"""Run Tesseract once over many small images, each read as one line of text.

Loading the Latin-script model takes Tesseract over a second, far longer than reading a
field, so the field images of a whole form go to one process as a list of pages
(``--psm 7``: each page is one line). Its TSV output gives every word with its
confidence and the page, that is the field, it came from.
"""

from __future__ import annotations

import csv
import os
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from mailflow.errors import DocumentError

LANGUAGES = "Latin"  # the script model keeps Ć, š, ł, ș... that `eng` drops
SECONDS_PER_IMAGE = 2.0
MIN_SECONDS = 20.0


@dataclass(frozen=True)
class Word:
    text: str
    confidence: float  # 0..1


def read_lines(images: list[np.ndarray], languages: str = LANGUAGES) -> list[list[Word]]:
    """The words Tesseract reads in each image, in order; one list per image.

    Raises DocumentError when Tesseract is missing, fails, or runs past its time.
    """
    if not images:
        return []
    with tempfile.TemporaryDirectory(prefix="mailflow-ocr-") as folder:
        paths = []
        for number, image in enumerate(images):
            path = Path(folder) / f"{number:04d}.png"
            cv2.imwrite(str(path), image)
            paths.append(str(path))
        listing = Path(folder) / "images.txt"
        listing.write_text("\n".join(paths) + "\n", encoding="utf-8")
        command = ["tesseract", str(listing), "-", "--psm", "7", "-l", languages, "tsv"]
        timeout = max(MIN_SECONDS, SECONDS_PER_IMAGE * len(images))
        try:
            done = subprocess.run(
                command,
                capture_output=True,
                timeout=timeout,
                check=False,
                env={**os.environ, "OMP_THREAD_LIMIT": "1"},  # one core per reading
            )
        except FileNotFoundError:
            raise DocumentError(
                "Tesseract OCR is not installed (apt install tesseract-ocr)"
            ) from None
        except subprocess.TimeoutExpired:
            raise DocumentError(f"OCR took longer than {timeout:.0f} s; gave up") from None
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise DocumentError(f"OCR failed: {message[-1] if message else done.returncode}")
    return _parse_tsv(done.stdout.decode("utf-8", "replace"), len(images))


def _parse_tsv(tsv: str, count: int) -> list[list[Word]]:
    lines: list[list[Word]] = [[] for _ in range(count)]
    for row in csv.DictReader(tsv.splitlines(), delimiter="\t", quoting=csv.QUOTE_NONE):
        text = (row.get("text") or "").strip()
        confidence = float(row.get("conf") or -1)
        page = int(row.get("page_num") or 0)
        if text and confidence >= 0 and 1 <= page <= count:
            lines[page - 1].append(Word(text, confidence / 100))
    return lines
