"""Staff commands that move applicants: decisions, confirmations, withdrawals.

Each is an event handed to the workflow rules, in one transaction with the mails it
queues; the mails go out on the worker's next cycle (or with ``--send``).
"""

from __future__ import annotations

from pathlib import Path

import click

from mailflow.app import Mailflow
from mailflow.cli import cli
from mailflow.cli.clock import now_of
from mailflow.cli.common import open_mailflow, send_now
from mailflow.errors import MailflowError
from mailflow.workflow.decisions import DECISIONS, decide_from_csv, describe, staff_event

_SEND = click.option("--send", is_flag=True, help="Send the queued mails now.")


def _run_event(
    context: click.Context, applicant_id: int, event: str, reason: str, send: bool
) -> None:
    flow = open_mailflow(context)
    with flow.database.transaction(writing=True) as session:
        firings = staff_event(session, flow.engine, applicant_id, event, now_of(context), reason)
    click.echo(describe(firings))
    _maybe_send(flow, send)


def _maybe_send(flow: Mailflow, send: bool) -> None:
    if send:
        send_now(flow)
    else:
        click.echo("mails are queued; the worker sends them (or use --send)")


@cli.command("decide")
@click.argument("applicant_id", type=int, required=False)
@click.argument("decision", type=click.Choice(sorted(DECISIONS)), required=False)
@click.option("--reason", default="", help="Said in the mail to the applicant.")
@click.option(
    "--csv",
    "csv_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Many decisions: a CSV with columns id, decision, reason.",
)
@_SEND
@click.pass_context
def decide_command(
    context: click.Context,
    applicant_id: int | None,
    decision: str | None,
    reason: str,
    csv_file: Path | None,
    send: bool,
) -> None:
    """Accept, waitlist or reject an applicant (or many, from --csv)."""
    if csv_file is None:
        if applicant_id is None or decision is None:
            raise click.UsageError("give ID and accept|waitlist|reject, or --csv FILE")
        _run_event(context, applicant_id, DECISIONS[decision], reason, send)
        return
    flow = open_mailflow(context)
    with flow.database.transaction(writing=True) as session:
        outcomes = decide_from_csv(session, flow.engine, csv_file, now_of(context))
    for outcome in outcomes:
        mark = "ok" if outcome.ok else "NOT DONE"
        click.echo(f"{csv_file}:{outcome.line}: {mark}: {outcome.outcome}")
    _maybe_send(flow, send)
    if not all(o.ok for o in outcomes):
        raise MailflowError(f"some rows of {csv_file} were not applied; fix them and rerun")


@cli.command("confirm")
@click.argument("applicant_id", type=int)
@click.option("--payment", "how", flag_value="payment_confirmed", help="The fee was paid.")
@click.option("--sponsor", "how", flag_value="sponsor_guarantee", help="A sponsor guarantees it.")
@_SEND
@click.pass_context
def confirm_command(context: click.Context, applicant_id: int, how: str | None, send: bool) -> None:
    """Confirm an accepted applicant's place: by payment or a sponsor's guarantee."""
    if how is None:
        raise click.UsageError("say how: --payment or --sponsor")
    _run_event(context, applicant_id, how, "", send)


@cli.command("withdraw")
@click.argument("applicant_id", type=int)
@click.option("--reason", default="", help="Kept in the history.")
@_SEND
@click.pass_context
def withdraw_command(context: click.Context, applicant_id: int, reason: str, send: bool) -> None:
    """Record that an applicant withdrew; a place they held goes to the waiting list."""
    _run_event(context, applicant_id, "withdrawal", reason, send)


@cli.command("cost-sharing")
@click.argument("applicant_id", type=int)
@click.argument("decision", type=click.Choice(["grant", "refuse"]))
@click.option("--reason", default="", help="Said in the mail to the applicant.")
@_SEND
@click.pass_context
def cost_sharing_command(
    context: click.Context, applicant_id: int, decision: str, reason: str, send: bool
) -> None:
    """Decide a cost-sharing request (a place that waives the fee), apart from selection."""
    event = "cost_sharing_granted" if decision == "grant" else "cost_sharing_refused"
    _run_event(context, applicant_id, event, reason, send)
