"""How OCR reads are weighed, and the normalizers that catch misreads."""

from __future__ import annotations

import numpy as np
import pytest

from mailflow.documents.fieldimage import detached_marks
from mailflow.documents.normalize import (
    Hints,
    normalize_country,
    normalize_passport,
    normalize_text,
)
from mailflow.documents.ocrtrust import (
    DOUBTFUL,
    agree,
    better_read,
    doubtful_shape,
    marks_missed,
    tidy,
)
from mailflow.documents.tesseract import Word
from mailflow.documents.thresholds import CLEAN, HARD, NORMAL, ocr_thresholds


@pytest.mark.parametrize(
    ("normalizer", "text", "doubtful"),
    [
        ("email", "mpetrovicl0@yahoo.fr", True),
        ("email", "mbautistal@gmail.com", True),
        ("email", "mpetrovic10@yahoo.fr", False),  # a 1 between digits is no slip
        ("text", "lon", True),
        ("text", "Ion", False),
        ("text", "Thi tan", True),  # L read as t
        ("text", "Thi Lan", False),
        ("text", "tódź Water and Sanitation Company Ltd", True),
        ("text", "7 ul. Piotrkowska", False),
        ("text", "tukasik", True),
        ("text", "131 Maın Street", True),
        ("passport", "5N2309128", True),
        ("passport", "SN2309128", False),
        ("passport", "R51026645", True),
        ("text", "1?1 ul. Piotrkowska", True),
        ("text", "Avenue de la Paix", False),
        ("text", "Ministry of Loca! Government", True),
    ],
)
def test_reads_shaped_like_known_slips_are_doubted(normalizer, text, doubtful) -> None:
    assert doubtful_shape(normalizer, text) is doubtful


def test_least_sure_word_and_digit_lookalikes() -> None:
    words = [Word("2O/06/l974", 0.9), Word(",", 0.1)]
    assert tidy("date", words) == ("20/06/1974", 0.9)
    assert tidy("text", [Word("Grace", 0.96), Word("Wanjiru", 0.7)]) == ("Grace Wanjiru", 0.7)
    assert tidy("text", []) == ("", 0.0)  # ink nobody could read


def test_two_renderings_and_two_models() -> None:
    assert better_read(("Lima", 0.8), ("Lima", 0.9)) == ("Lima", 0.9)
    assert better_read(("Lima", 0.6), ("Lina", 0.9)) == ("Lina", 0.9)
    assert better_read(("Limà", 0.95), ("Lima", 0.9)) == ("Limà", DOUBTFUL)  # accents only
    assert better_read(("Žak", 0.9), ("Žak", 0.9), ("Żak", 0.8)) == ("Žak", DOUBTFUL)
    assert better_read(("Żak", 0.9), ("Żak", 0.9), ("Zak", 0.5)) == ("Żak", DOUBTFUL)
    assert better_read(("Kraków", 0.9), ("Kraków", 0.9), ("Krakdw", 0.5)) == ("Kraków", 0.9)
    assert agree("email", ("ab12@x.org", 0.6), ("ab12@x.org", 0.5))[1] > 0.9
    assert agree("text", ("Nimes", 0.6), ("Nimes", 0.7)) == ("Nimes", 0.6)  # eng drops accents
    assert agree("email", ("abl2@x.org", 0.6), ("abl2@x.org", 0.7)) == ("abl2@x.org", 0.6)
    assert agree("date", ("3.12.1984", 0.6), ("3.12,1984", 0.8))[1] > 0.9  # separators only
    assert agree("date", ("3.12.1984", 0.6), ("3.12.1981", 0.8)) == ("3.12.1984", 0.6)


@pytest.mark.parametrize(
    ("text", "above", "below", "missed"),
    [
        ("TURCANU", 0, 1, True),  # the comma below the T is in the image, not in the read
        ("ȚURCANU", 0, 1, False),
        ("NUÑEZ", 2, 0, True),
        ("NÚÑEZ", 2, 0, False),
        ("Nimes", 1, 0, False),  # small letters: the dot of the i rises as high
        ("OKONKWO", 0, 0, False),
    ],
)
def test_accents_seen_in_the_image_but_not_read_are_doubted(text, above, below, missed) -> None:
    assert marks_missed(text, above, below) is missed


def test_the_form_quality_picks_the_thresholds() -> None:
    assert ocr_thresholds([0.96, 0.97, 0.95]) is CLEAN
    assert ocr_thresholds([0.9, 0.85, 0.93]) is NORMAL
    assert ocr_thresholds([0.5, 0.7, 0.9]) is HARD
    assert HARD["text"] > NORMAL["text"] > CLEAN["text"]


@pytest.mark.parametrize(
    ("written", "code"),
    [("Filipine", "PH"), ("Kenian", "KE"), ("Turkey", "TR"), ("Viet Nam", "VN"), ("Iada", None)],
)
def test_country_names_misspelt_only_when_unambiguous(written, code) -> None:
    normalized = normalize_country(written, Hints())
    assert (normalized.value if normalized.ok else None) == code


def test_passport_shape() -> None:
    assert normalize_passport("ke 158-8829", Hints()).value == "KE1588829"
    assert not normalize_passport("AB12", Hints()).ok


def test_romanian_comma_below_for_romanian_and_moldovan_applicants() -> None:
    assert normalize_text("Chişinău", Hints(country="MD")).value == "Chișinău"
    assert normalize_text("Şahin", Hints(country="TR")).value == "Şahin"


def test_marks_clear_of_the_capitals_are_counted() -> None:
    line = np.full((90, 200), 255, np.uint8)
    for left in (20, 60, 100, 140):  # four capitals, 30 px tall
        line[30:60, left : left + 20] = 0
    line[22:26, 64:70] = 0  # an acute above the second
    line[23:26, 104:108] = 0  # a tilde broken in two above the third
    line[23:26, 111:116] = 0
    line[64:69, 28:31] = 0  # a comma below the first
    assert detached_marks(line) == (2, 1)
