"""What the form reader reports: each field's value, how sure it is, and its status."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from mailflow.documents.formspec import FieldSpec, FormSpec
from mailflow.documents.normalize import NORMALIZERS, Hints, Value, collapse_spaces

Channel = Literal["acroform", "text", "ocr"]
FieldStatus = Literal["ok", "review", "missing"]


@dataclass(frozen=True)
class FieldReading:
    """One field as read: ``review`` means a person must look before it is used."""

    value: Value
    confidence: float
    status: FieldStatus
    note: str = ""


@dataclass(frozen=True)
class FormReading:
    """Every field of one form, read from one document by one channel."""

    form_id: str
    channel: Channel
    fields: dict[str, FieldReading]
    problems: list[str] = field(default_factory=list)

    def values(self) -> dict[str, Value]:
        """The values a person need not check (status ok); others are left out."""
        return {name: f.value for name, f in self.fields.items() if f.status == "ok"}

    def needing_review(self) -> list[str]:
        return [name for name, f in self.fields.items() if f.status == "review"]

    def to_json(self) -> dict[str, Any]:
        return {
            "form": self.form_id,
            "channel": self.channel,
            "fields": {
                name: {"value": f.value, "confidence": round(f.confidence, 3), "status": f.status}
                for name, f in self.fields.items()
            },
            "problems": list(self.problems),
        }


def threshold_key(spec_field: FieldSpec) -> str:
    """What a confidence threshold is set for: a radio, or a text field by its normalizer
    (OCR is surer of a name than of an e-mail address with ``l`` and ``1`` in it)."""
    return "radio" if spec_field.kind == "radio" else spec_field.normalizer


def assemble_reading(
    spec: FormSpec,
    channel: Channel,
    raw: dict[str, tuple[str | None, float]],
    problems: list[str] | None = None,
    threshold: float | Mapping[str, float] = 0.0,
) -> FormReading:
    """Normalize raw reads (text, confidence) for every field of the form.

    A field below its threshold (one number, or one per ``threshold_key``), or whose text
    fails its normalizer, is ``review``. An empty one is ``missing``, unless its empty
    text comes with a confidence below the threshold: marks nobody could read. Country is
    normalized first because a telephone number without its country code needs it.
    """
    problems = list(problems or [])
    country_text, _ = raw.get("country", (None, 0.0))
    country = NORMALIZERS["country"](country_text or "", Hints())
    hints = Hints(country=str(country.value) if country.ok and country.value else None)
    fields: dict[str, FieldReading] = {}
    for spec_field in spec.fields:
        text, confidence = raw.get(spec_field.name, (None, 0.0))
        minimum = (
            threshold
            if isinstance(threshold, int | float)
            else threshold.get(threshold_key(spec_field), threshold.get("default", 0.0))
        )
        fields[spec_field.name] = _read_field(spec_field, text, confidence, hints, minimum)
        if fields[spec_field.name].note:
            problems.append(f"{spec_field.name}: {fields[spec_field.name].note}")
    return FormReading(spec.form_id, channel, fields, problems)


def _read_field(
    spec_field: FieldSpec, text: str | None, confidence: float, hints: Hints, threshold: float
) -> FieldReading:
    if text is None or not collapse_spaces(text):
        if text is not None and confidence < threshold:
            return FieldReading(None, confidence, "review", "marks in the box could not be read")
        return FieldReading(None, confidence, "missing")
    if spec_field.kind == "radio":
        keys = {option.key for option in spec_field.options}
        if text not in keys:
            return FieldReading(text, confidence, "review", f"{text!r} is not an option")
        return FieldReading(text, confidence, "ok" if confidence >= threshold else "review")
    normalized = NORMALIZERS[spec_field.normalizer](text, hints)
    if not normalized.ok:
        return FieldReading(normalized.value, confidence, "review", normalized.note)
    status: FieldStatus = "ok" if confidence >= threshold else "review"
    note = "" if status == "ok" else f"read with low confidence ({confidence:.2f})"
    return FieldReading(normalized.value, confidence, status, note)
