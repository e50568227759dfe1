"""Commands about forms: write a definition from a blank form; read filled ones."""

from __future__ import annotations

import json
from pathlib import Path

import click

from mailflow.cli import cli
from mailflow.cli.common import table
from mailflow.documents.blankform import write_form_definition
from mailflow.documents.formspec import load_form_specs
from mailflow.documents.reader import Document, read_form
from mailflow.errors import DocumentError
from mailflow.resources import shipped


@cli.group("form")
def form_group() -> None:
    """Form definitions (rules/forms/)."""


@form_group.command("import")
@click.argument("blank_pdf", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--id", "form_id", required=True, help="Form id, e.g. the activity code.")
@click.option("--course", help="Activity code of the course (default: the form id).")
@click.option("--output", type=click.Path(path_type=Path), help="File to write (default: print).")
def import_command(blank_pdf: Path, form_id: str, course: str | None, output: Path | None) -> None:
    """Write the definition of a blank fillable form: fields, labels, boxes, options."""
    text = write_form_definition(blank_pdf, form_id, course or form_id)
    if output:
        output.write_text(text, encoding="utf-8")
        click.echo(f"wrote {output}; copy {blank_pdf.name} beside it and check the labels")
    else:
        click.echo(text, nl=False)


@cli.command("extract")
@click.argument(
    "files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option(
    "--rules",
    type=click.Path(file_okay=False, path_type=Path),
    help="Rules folder holding forms/ (default: the shipped rules).",
)
def extract_command(files: tuple[Path, ...], as_json: bool, rules: Path | None) -> None:
    """Read the application form from FILES (the pages or parts of one application)."""
    specs = load_form_specs(rules or shipped("rules"))
    documents = [Document(str(path), path.read_bytes()) for path in files]
    reading = read_form(documents, specs)
    if reading is None:
        names = ", ".join(str(path) for path in files)
        raise DocumentError(f"{names}: no known application form found")
    if as_json:
        click.echo(json.dumps(reading.to_json(), ensure_ascii=False, indent=2))
        return
    click.echo(f"form {reading.form_id}, read by {reading.channel}")
    click.echo(
        table(
            ["field", "value", "confidence", "status"],
            [
                (name, f.value, f"{f.confidence:.2f}", f.status)
                for name, f in reading.fields.items()
            ],
        )
    )
    for problem in reading.problems:
        click.echo(f"problem: {problem}")
