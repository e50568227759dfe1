"""How far to trust what Tesseract read in a field, and small repairs of known slips.

Tesseract's own confidence is only a start: it is low on long tokens read right (an
e-mail address) and sometimes high on a slip (``l`` for ``1``). Two renderings of each
field and a second model are compared, and reads shaped like known slips are doubted.
"""

from __future__ import annotations

import re
import unicodedata

from mailflow.documents.tesseract import Word

RawRead = tuple[str | None, float]

AGREED = 0.93  # confidence of a value both models read alike
DOUBTFUL = 0.5  # confidence of a read shaped like a known OCR slip

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


def better_read(sharp: RawRead, soft: RawRead, check: RawRead | None = None) -> RawRead:
    """Of the reads of the crisp and the softened image, the surer one; the same text
    from both keeps the higher confidence. Fax letters are jagged 1-bit staircases; a
    slight blur turns them back into strokes the model knows, but sometimes joins them,
    so neither rendering is always better. Reads that differ only in accents are
    doubtful whichever is surer: at fax resolution an accent is a pixel or two, and
    speckle makes and unmakes them. A third rendering (``check``, the strokes thickened)
    only checks the accents: where it reads them otherwise, the read is doubtful too
    (``Žak`` crisp, ``Żak`` thickened)."""
    if sharp[0] == soft[0]:
        read = sharp[0], max(sharp[1], soft[1])
    else:
        read = max(sharp, soft, key=lambda read: read[1])
        if _accents_only(sharp[0], soft[0]):
            read = read[0], min(read[1], DOUBTFUL)
    if check is not None and _accents_only(read[0], check[0]):
        read = read[0], min(read[1], DOUBTFUL)
    return read


def _accents_only(text: str | None, other: str | None) -> bool:
    return bool(text and other and text != other and _unaccented(text) == _unaccented(other))


def _unaccented(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


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
    if text == second[0] or _same_digits(normalizer, text, second[0]):
        return text, max(confidence, second[1], AGREED)
    return first


def _same_digits(normalizer: str, text: str, other: str | None) -> bool:
    """A date both models read with the same numbers, told apart only by separators
    (``3.12.1984`` and ``3.12,1984``: a fax dot is a comma to one of them)."""
    if normalizer != "date" or not other:
        return False
    groups = re.findall(r"[0-9]+", text)
    separators = r"[0-9]+([.,/\-]|\s)+[0-9]+([.,/\-]|\s)+[0-9]+"
    return (
        len(groups) == 3
        and groups == re.findall(r"[0-9]+", other)
        and all(re.fullmatch(separators, read.strip()) for read in (text, other))
    )


def marks_missed(text: str, above: int, below: int) -> bool:
    """A line in capitals whose image shows more accents above, or marks below (the
    comma of ``Ț``), than the read has: the Latin model barely knows ``Ț`` or ``Ú`` at
    fax resolution and reads ``TURCANU`` for ``ȚURCANU`` with high confidence. Lines in
    small letters are not judged (the dot of an ``i`` rises as high as an accent)."""
    letters = [ch for ch in text if ch.isalpha()]
    if len(letters) < 2 or not all(ch.isupper() for ch in letters):
        return False
    marks_above = marks_below = 0
    for ch in letters:
        decomposed = unicodedata.normalize("NFD", ch)
        marks_above += any(0x0300 <= ord(m) <= 0x0315 for m in decomposed[1:])
        marks_below += any(ord(m) in (0x0326, 0x0327, 0x0328) for m in decomposed[1:])
    return above > marks_above or below > marks_below


def doubtful_shape(normalizer: str, text: str) -> bool:
    """Reads that look like a known OCR slip rather than what people write: ``l`` or
    ``I`` beside a digit or before the ``@`` of an e-mail address, ``!`` or ``|`` inside
    a word, a name with a word starting with a small ``l`` or ``t`` amid capitalized
    ones (``lon`` for ``Ion``, ``Thi tan`` for ``Thi Lan``), a value whose first
    word is in small letters (``tukasik`` for ``Łukasik``: a capital the model did not
    know; a real ``van der Berg`` goes to review too), a passport number with a digit
    before a letter (``5N23...`` for ``SN23...``: numbers follow letters) or a lone
    letter before a digit shaped like one (``R510...`` for ``RS10...``), and marks
    the model invents out of speckle far more often than people write them (``Maın``,
    ``Avēnue``): a real Yılmaz goes to review too."""
    if normalizer == "email":
        return bool(_LOOKALIKE_BESIDE_DIGIT.search(text) or _LOOKALIKE_BEFORE_AT.search(text))
    if normalizer == "passport":
        return bool(_DIGIT_THEN_LETTER.search(text))
    if normalizer != "text":
        return False
    words = [word for word in text.split() if word[0].isalpha()]
    if not words:
        return False
    small_first = words[0][0].islower() and not words[0].endswith(".")  # ul. (Polish: street)
    small_l = any(_SMALL_L_START.match(word) for word in words) and all(
        word[0].isupper() for word in words if not _SMALL_L_START.match(word)
    )
    invented = any(ch in _RARE_MARKS for ch in text)
    return small_first or small_l or invented or any(_INNER_MARK.search(w) for w in text.split())


_LOOKALIKE_BESIDE_DIGIT = re.compile(r"[lI|][0-9]|[0-9][lI|]")
_LOOKALIKE_BEFORE_AT = re.compile(r"[lI|1]@")
_RARE_MARKS = frozenset("ıāēīōūċġħŀŧȧėȯḃḋḟṁṗṡṫẋẏạẹịọụ")
_DIGIT_THEN_LETTER = re.compile(r"[0-9][A-Z]|^[A-Z][5820]")
_INNER_MARK = re.compile(r"\w[!?|{}\[\]]|[!?|{}\[\]]\w")
_SMALL_L_START = re.compile(r"^[lt][a-zà-ÿ]")  # lon for Ion, tan for Lan or Łan
