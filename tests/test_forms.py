"""Form definitions come from the blank form; fillable forms read exactly."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

from click.testing import CliRunner

from mailflow.cli import cli
from mailflow.documents.blankform import describe_blank_form
from mailflow.documents.formspec import FormSpec
from mailflow.documents.reader import read_form
from mailflow.resources import shipped
from mailflow.samplegen.fillable import fill_form


def test_the_shipped_definition_matches_the_blank_forms_widgets(form_spec: FormSpec) -> None:
    described = describe_blank_form(form_spec.blank_pdf, "A901357", "A901357")
    shipped_file = tomllib.loads((shipped("rules") / "forms" / "A901357.toml").read_text())
    assert [f["name"] for f in described["fields"]] == [f["name"] for f in shipped_file["fields"]]
    for made, kept in zip(described["fields"], shipped_file["fields"], strict=True):
        assert made.get("box") == kept.get("box")
        assert made["label"] == kept["label"]
        assert made.get("normalizer") == kept.get("normalizer")
    sex = next(f for f in described["fields"] if f["name"] == "sex")
    assert [(o["key"], o["label"]) for o in sex["options"]] == [("M", "Male"), ("F", "Female")]


def test_form_import_writes_a_loadable_definition(tmp_path: Path, form_spec: FormSpec) -> None:
    output = tmp_path / "forms" / "X1.toml"
    output.parent.mkdir()
    (output.parent / "A901357.pdf").write_bytes(form_spec.blank_pdf.read_bytes())
    result = CliRunner().invoke(
        cli, ["form", "import", str(form_spec.blank_pdf), "--id", "X1", "--output", str(output)]
    )
    assert result.exit_code == 0, result.output
    from mailflow.documents.formspec import load_form_specs

    spec = load_form_specs(tmp_path)["X1"]
    assert spec.field_names == form_spec.field_names


def test_fillable_forms_read_exactly(form_spec: FormSpec, people) -> None:
    for person in people(10):
        reading = read_form(fill_form(form_spec, person.written), {"A901357": form_spec})
        assert reading is not None and reading.channel == "acroform"
        for name, expected in person.truth.items():
            field = reading.fields[name]
            if expected is None:
                assert field.status == "missing"
                continue
            assert field.status == "ok", (name, field)
            assert str(field.value).casefold() == str(expected).casefold(), name


def test_extract_prints_every_field_as_json(tmp_path: Path, form_spec: FormSpec, people) -> None:
    person = people(1)[0]
    pdf = tmp_path / "form.pdf"
    pdf.write_bytes(fill_form(form_spec, person.written))
    result = CliRunner().invoke(cli, ["extract", str(pdf), "--json"])
    assert result.exit_code == 0
    output = json.loads(result.output)
    assert output["form"] == "A901357" and output["channel"] == "acroform"
    assert set(output["fields"]) == set(form_spec.field_names)
    assert output["fields"]["email"] == {
        "value": person.truth["email"],
        "confidence": 1.0,
        "status": "ok",
    }
