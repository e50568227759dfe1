"""How far to trust what Tesseract read in a field, and small repairs of known slips.

Tesseract's own confidence is only a start: it is low on long tokens read right (an
e-mail address) and sometimes high on a slip (``l`` for ``1``). Two renderings of each
field and a second model are compared, and reads shaped like known slips are doubted.
"""

from __future__ import annotations

import re

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
