"""The definition of an application form, read from a file staff keep under rules/forms/.

A definition names every field (its label, kind, normalizer, radio options) and the box
where it sits on the blank page, so the next edition of a form needs a new file, not code.
Boxes are in PDF points, origin at the bottom left of the page, as in the PDF itself.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from mailflow.documents.normalize import NORMALIZERS
from mailflow.errors import RulesError

FieldKind = Literal["text", "textarea", "radio"]
FIELD_KINDS: tuple[FieldKind, ...] = ("text", "textarea", "radio")


@dataclass(frozen=True)
class Box:
    """A rectangle on one page (1-based page number, PDF points)."""

    page: int
    x0: float
    y0: float
    x1: float
    y1: float


@dataclass(frozen=True)
class RadioOption:
    key: str
    label: str
    box: Box


@dataclass(frozen=True)
class FieldSpec:
    name: str
    label: str
    kind: FieldKind
    normalizer: str
    required: bool
    box: Box | None
    options: tuple[RadioOption, ...] = ()

    @property
    def page(self) -> int:
        return self.box.page if self.box else self.options[0].box.page


@dataclass(frozen=True)
class FormSpec:
    """One edition of an application form and the course it applies to."""

    form_id: str
    title: str
    course: str
    markers: tuple[str, ...]
    page_count: int
    page_size: tuple[float, float]
    fields: tuple[FieldSpec, ...]
    blank_pdf: Path

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(field.name for field in self.fields)

    def field(self, name: str) -> FieldSpec:
        for field in self.fields:
            if field.name == name:
                return field
        raise KeyError(name)


def load_form_specs(rules_dir: Path) -> dict[str, FormSpec]:
    """Every form definition under ``rules_dir/forms``, by form id."""
    specs = {}
    for path in sorted((rules_dir / "forms").glob("*.toml")):
        spec = load_form_spec(path)
        specs[spec.form_id] = spec
    return specs


def load_form_spec(path: Path) -> FormSpec:
    """Read one definition; any mistake is a RulesError naming the file and the field."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        return _build_spec(data, path)
    except tomllib.TOMLDecodeError as exc:
        raise RulesError(f"{path}: not valid TOML: {exc}") from None
    except (KeyError, TypeError, ValueError) as exc:
        raise RulesError(f"{path}: {exc}") from None


def _build_spec(data: dict[str, Any], path: Path) -> FormSpec:
    form = data["form"]
    fields = tuple(_build_field(entry) for entry in data["fields"])
    blank = path.parent / form["blank"]
    if not blank.is_file():
        raise ValueError(f"blank form {form['blank']!r} not found beside the definition")
    return FormSpec(
        form_id=str(form["id"]),
        title=str(form["title"]),
        course=str(form["course"]),
        markers=tuple(form.get("markers", [form["id"]])),
        page_count=int(form["pages"]),
        page_size=(float(form["page_size"][0]), float(form["page_size"][1])),
        fields=fields,
        blank_pdf=blank,
    )


def _build_field(entry: dict[str, Any]) -> FieldSpec:
    name = entry["name"]
    kind = entry["kind"]
    if kind not in FIELD_KINDS:
        raise ValueError(f"field {name}: kind {kind!r} is not one of {', '.join(FIELD_KINDS)}")
    normalizer = entry.get("normalizer", "option" if kind == "radio" else "text")
    if kind != "radio" and normalizer not in NORMALIZERS:
        raise ValueError(
            f"field {name}: normalizer {normalizer!r} is not one of {', '.join(NORMALIZERS)}"
        )
    options = tuple(
        RadioOption(key=str(option["key"]), label=str(option["label"]), box=_box(option))
        for option in entry.get("options", [])
    )
    if kind == "radio" and not options:
        raise ValueError(f"field {name}: a radio field needs its options")
    return FieldSpec(
        name=name,
        label=str(entry.get("label", name)),
        kind=kind,
        normalizer=normalizer,
        required=bool(entry.get("required", False)),
        box=None if kind == "radio" else _box(entry),
        options=options,
    )


def _box(entry: dict[str, Any]) -> Box:
    x0, y0, x1, y1 = (float(v) for v in entry["box"])
    return Box(page=int(entry["page"]), x0=x0, y0=y0, x1=x1, y1=y1)
