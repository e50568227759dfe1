"""Commands that show applicants: the list, and one applicant's fields and history."""

from __future__ import annotations

import json
from datetime import date

import click
from sqlalchemy import select
from sqlalchemy.orm import Session

from mailflow.cli import cli
from mailflow.cli.common import open_mailflow, table
from mailflow.errors import MailflowError
from mailflow.intake import FORM_COLUMNS
from mailflow.storage.models import Applicant, OutboxMail


def applicant_summaries(session: Session) -> list[dict[str, object]]:
    """One row per applicant: id, name, e-mail, state, course."""
    return [
        {"id": a.id, "name": a.display_name, "email": a.email, "state": a.state, "course": a.course}
        for a in session.scalars(select(Applicant).order_by(Applicant.id))
    ]


def applicants_table(rows: list[dict[str, object]]) -> str:
    return table(["id", "name", "e-mail", "state", "course"], [list(r.values()) for r in rows])


@cli.command("applicants")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@click.pass_context
def applicants_command(context: click.Context, as_json: bool) -> None:
    """List applicants: id, name, e-mail, state, course."""
    flow = open_mailflow(context)
    with flow.database.transaction() as session:
        rows = applicant_summaries(session)
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
    else:
        click.echo(applicants_table(rows))


@cli.command("show")
@click.argument("applicant_id", type=int)
@click.pass_context
def show_command(context: click.Context, applicant_id: int) -> None:
    """Show one applicant's form fields, history and mails."""
    flow = open_mailflow(context)
    with flow.database.transaction() as session:
        applicant = session.get(Applicant, applicant_id)
        if applicant is None:
            raise MailflowError(f"no applicant with id {applicant_id}; see `mailflow applicants`")
        click.echo(f"Applicant {applicant.id}: {applicant.display_name} <{applicant.email}>")
        flags = [f"language {applicant.language}"]
        if applicant.cost_sharing:
            flags.append(f"cost-sharing {applicant.cost_sharing}")
        if applicant.address_bad:
            flags.append("mail to this address bounced")
        click.echo(f"Course {applicant.course}, state {applicant.state}, {', '.join(flags)}\n")
        click.echo(
            table(
                ["field", "value"],
                [(name, _shown(getattr(applicant, name))) for name in FORM_COLUMNS],
            )
        )
        click.echo("\nHistory")
        click.echo(
            table(
                ["when (UTC)", "from", "to", "event", "cause"],
                [
                    (
                        c.at.strftime("%Y-%m-%d %H:%M"),
                        c.from_state or "-",
                        c.to_state,
                        c.event,
                        c.cause,
                    )
                    for c in applicant.history
                ],
            )
        )
        mails = session.scalars(
            select(OutboxMail)
            .where(OutboxMail.applicant_id == applicant.id)
            .order_by(OutboxMail.id)
        ).all()
        click.echo("\nMails")
        click.echo(
            table(
                ["template", "to", "status", "subject"],
                [(m.template, m.recipient, m.status, m.subject) for m in mails],
            )
        )


def _shown(value: object) -> str:
    if value is None:
        return "-"
    return value.isoformat() if isinstance(value, date) else str(value)
