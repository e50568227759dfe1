"""Turn what an applicant wrote into the normalized value the rules and templates use.

Each normalizer returns a ``Normalized``: the value, or ``ok=False`` when what was
written does not fit (a date that is no date, a country nobody knows). A value that
fails its normalizer is never guessed at: the field goes to review.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources

import phonenumbers
import pycountry
from babel import Locale

Value = str | int | None


@dataclass(frozen=True)
class Normalized:
    """A normalized value; ``ok`` is False when the written text did not fit the kind."""

    value: Value
    ok: bool = True
    note: str = ""


@dataclass(frozen=True)
class Hints:
    """What other fields of the same form tell a normalizer (the country, for a phone)."""

    country: str | None = None


def collapse_spaces(text: str) -> str:
    return " ".join(text.split())


def normalize_text(raw: str, _hints: Hints) -> Normalized:
    return Normalized(collapse_spaces(raw) or None)


_NUMERIC_DATE = re.compile(r"^\s*(\d{1,2})\s*[./\-\s]\s*(\d{1,2})\s*[./\-\s]\s*(\d{2}|\d{4})\s*$")


def normalize_date(raw: str, _hints: Hints) -> Normalized:
    """Day-first dates (the form asks dd/mm/yyyy) to ISO 8601."""
    text = collapse_spaces(raw)
    if not text:
        return Normalized(None)
    match = _NUMERIC_DATE.match(text)
    try:
        if match:
            day, month, year = (int(part) for part in match.groups())
            if year < 100:
                year += 1900 if year > 30 else 2000
            parsed = date(year, month, day)
        else:
            parsed = _parse_worded_date(text)
    except ValueError:
        parsed = None
    if parsed is None or not 1900 <= parsed.year <= 2100:
        return Normalized(text, ok=False, note=f"not a day-first date: {text!r}")
    return Normalized(parsed.isoformat())


def _parse_worded_date(text: str) -> date | None:
    """Dates with month names in any language, such as '16 juin 1974'."""
    import dateparser  # imported here: it takes a second to load and most dates are numeric

    parsed = dateparser.parse(
        text,
        settings={"DATE_ORDER": "DMY", "STRICT_PARSING": True, "PREFER_LOCALE_DATE_ORDER": False},
    )
    return parsed.date() if parsed else None


def _fold(text: str) -> str:
    """Lower case, accents and punctuation dropped: the key for looking names up."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    letters = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(re.sub(r"[^a-z0-9]+", " ", letters).split())


_NAME_LANGUAGES = ("en", "fr", "es", "it", "de", "pt")


@cache
def _country_names() -> dict[str, str]:
    """Every way of writing a country we know, folded, to its alpha-2 code."""
    names: dict[str, str] = {}
    for country in pycountry.countries:
        code = country.alpha_2
        for attribute in ("name", "official_name", "common_name", "alpha_3"):
            value = getattr(country, attribute, None)
            if value:
                names[_fold(value)] = code
    for language in _NAME_LANGUAGES:
        for code, name in Locale(language).territories.items():
            if len(code) == 2 and code.isalpha() and pycountry.countries.get(alpha_2=code):
                names.setdefault(_fold(name), code)
    extra = resources.files("mailflow.documents").joinpath("country_names.tsv").read_text("utf-8")
    for line in extra.splitlines():
        if line and not line.startswith("#"):
            name, code = line.split("\t")
            names.setdefault(_fold(name), code)
    return names


def normalize_country(raw: str, _hints: Hints) -> Normalized:
    """Country names, demonyms and names in other languages to ISO 3166-1 alpha-2."""
    text = collapse_spaces(raw)
    if not text:
        return Normalized(None)
    folded = _fold(text)
    if len(folded) == 2 and pycountry.countries.get(alpha_2=folded.upper()):
        return Normalized(folded.upper())
    code = _country_names().get(folded)
    if code is None:
        return Normalized(text, ok=False, note=f"unknown country or nationality: {text!r}")
    return Normalized(code)


def normalize_phone(raw: str, hints: Hints) -> Normalized:
    """Telephone numbers to E.164; a number without country code uses the form's country."""
    text = collapse_spaces(raw)
    if not text:
        return Normalized(None)
    candidate = re.sub(r"^00", "+", re.sub(r"[^\d+]", "", text))
    try:
        number = phonenumbers.parse(candidate, hints.country)
    except phonenumbers.NumberParseException:
        return Normalized(text, ok=False, note=f"not a telephone number: {text!r}")
    if not phonenumbers.is_possible_number(number):
        return Normalized(text, ok=False, note=f"not a possible telephone number: {text!r}")
    return Normalized(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))


_EMAIL = re.compile(r"^[a-z0-9._%+'-]+@[a-z0-9-]+(\.[a-z0-9-]+)*\.[a-z]{2,}$")


def normalize_email(raw: str, _hints: Hints) -> Normalized:
    text = "".join(raw.split()).lower()
    if not text:
        return Normalized(None)
    if not _EMAIL.match(text):
        return Normalized(text, ok=False, note=f"not an e-mail address: {text!r}")
    return Normalized(text)


def normalize_integer(raw: str, _hints: Hints) -> Normalized:
    text = collapse_spaces(raw)
    if not text:
        return Normalized(None)
    if not re.fullmatch(r"\d{1,3}", text):
        return Normalized(text, ok=False, note=f"not a whole number: {text!r}")
    return Normalized(int(text))


NORMALIZERS: dict[str, Callable[[str, Hints], Normalized]] = {
    "text": normalize_text,
    "date": normalize_date,
    "country": normalize_country,
    "phone": normalize_phone,
    "email": normalize_email,
    "integer": normalize_integer,
}
