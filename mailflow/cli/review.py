"""``mailflow review``: list what needs a person, and resolve it."""

from __future__ import annotations

import click

from mailflow.cli import cli
from mailflow.cli.clock import now_of
from mailflow.cli.common import open_mailflow, table
from mailflow.errors import MailflowError
from mailflow.workflow.decisions import describe
from mailflow.workflow.review import RESOLVING_EVENTS, ReviewEntry, open_items, resolve


@cli.group("review", invoke_without_command=True)
@click.pass_context
def review_group(context: click.Context) -> None:
    """List open review items with the values and confidences the form reader gave."""
    if context.invoked_subcommand is not None:
        return
    flow = open_mailflow(context)
    with flow.database.transaction() as session:
        entries = open_items(session)
        if not entries:
            click.echo("nothing to review")
        for entry in entries:
            click.echo(_describe(entry))


def _describe(entry: ReviewEntry) -> str:
    item = entry.item
    lines = [f"[{item.id}] {item.reason}"]
    if entry.applicant is not None:
        a = entry.applicant
        lines.append(f"    applicant {a.id}: {a.display_name} <{a.email}>, state {a.state}")
    if entry.mail is not None:
        lines.append(f"    mail from {entry.mail.sender}: {entry.mail.subject!r}")
    doubtful = [f for f in entry.fields if f.status != "ok"]
    if doubtful:
        rows = [(f.name, f.value, f"{f.confidence:.2f}", f.status) for f in doubtful]
        body = table(["field", "value read", "confidence", "status"], rows)
        lines += ["    " + line for line in body.splitlines()]
    return "\n".join(lines)


@review_group.command("resolve")
@click.argument("item_id", type=int)
@click.option(
    "--set",
    "values",
    multiple=True,
    help="Correct a field: NAME=VALUE (repeatable); for a mail nobody's: email=ADDRESS.",
)
@click.option("--note", default="", help="What was decided, kept with the item.")
@click.option(
    "--as",
    "event_name",
    type=click.Choice(RESOLVING_EVENTS),
    default="review_resolved",
    show_default=True,
    help="What the reviewed mail was, for the rules: e.g. a withdrawal in other words.",
)
@click.pass_context
def resolve_command(
    context: click.Context, item_id: int, values: tuple[str, ...], note: str, event_name: str
) -> None:
    """Close a review item, correcting fields first; the rules then act on the applicant."""
    pairs = {}
    for value in values:
        name, sep, text = value.partition("=")
        if not sep:
            raise MailflowError(f"--set {value!r}: write NAME=VALUE, e.g. date_of_birth=1980-05-17")
        pairs[name.strip()] = text.strip()
    flow = open_mailflow(context)
    with flow.database.transaction(writing=True) as session:
        firings = resolve(session, flow.intake, item_id, pairs, note, now_of(context), event_name)
    click.echo(f"item {item_id} resolved" + (f"\n{describe(firings)}" if firings else ""))
