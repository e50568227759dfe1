"""Commands that run the worker: one cycle, the scheduled loop, and the demo."""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path

import click
from apscheduler.schedulers.blocking import BlockingScheduler
from sqlalchemy import select

from mailflow.app import Mailflow, build
from mailflow.cli import cli
from mailflow.cli.applicants import applicant_summaries, applicants_table
from mailflow.cli.clock import now_of
from mailflow.cli.common import open_mailflow, table
from mailflow.cycle import CycleReport, run_cycle
from mailflow.demo import make_demo
from mailflow.errors import MailboxError
from mailflow.samplegen.mails import SENT_AT
from mailflow.settings import load_settings
from mailflow.storage.models import OutboxMail

log = logging.getLogger(__name__)


@cli.command("run")
@click.option("--once", is_flag=True, help="Poll once and stop (default: poll on a schedule).")
@click.pass_context
def run_command(context: click.Context, once: bool) -> None:
    """Poll the mailbox, handle new mail, send what is queued."""
    flow = open_mailflow(context)
    if once:
        report = run_cycle(flow, now_of(context))
        click.echo(describe_cycle(report))
        if report.errors or report.send_problems:  # cron and monitoring see it went wrong
            context.exit(MailboxError.exit_code)
        return
    scheduler = BlockingScheduler()
    scheduler.add_job(
        lambda: log.warning(describe_cycle(run_cycle(flow))),
        "interval",
        seconds=flow.settings.worker.poll_seconds,
        max_instances=1,  # a slow cycle is never overlapped by the next one
        coalesce=True,
        next_run_time=datetime.now(),
    )
    click.echo(f"polling every {flow.settings.worker.poll_seconds} s; Ctrl-C stops")
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        scheduler.shutdown(wait=False)


def describe_cycle(report: CycleReport) -> str:
    if report.skipped:
        return "another worker is polling right now; skipped this turn"
    statuses = ", ".join(f"{n} {status}" for status, n in sorted(report.by_status.items()))
    problems = "".join(f"; mailbox problem: {error}" for error in report.errors)
    problems += "".join(f"; {problem}" for problem in report.send_problems)
    return (
        f"{report.received} new mail(s){': ' + statuses if statuses else ''}; "
        f"{len(report.sent)} mail(s) sent{problems}"
        + (f"; {len(report.reminders)} time rule(s) fired" if report.reminders else "")
    )


@cli.command("demo")
@click.option(
    "--dir",
    "folder",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("mailflow-demo"),
    show_default=True,
    help="Demo folder.",
)
@click.option("--count", default=5, show_default=True, help="Generated application mails.")
def demo_command(folder: Path, count: int) -> None:
    """Make a demo mailbox of generated applications and run one cycle on it."""
    settings_path = make_demo(folder, count)
    flow = build(load_settings(settings_path))
    # The generated mails apply to the seeded 2009 course: run when they were sent.
    report = run_cycle(flow, SENT_AT.replace(tzinfo=None))
    click.echo(f"Cycle: {describe_cycle(report)}\n")
    print_overview(flow)
    click.echo(
        f"\nLook in {folder}/inbox (the mails received), {folder}/outbox (the mails sent) "
        f"and {folder}/mailflow.db.\n"
        f"Run it again: nothing is sent twice. See one applicant: "
        f"mailflow --config {settings_path} show 1"
    )


def print_overview(flow: Mailflow) -> None:
    with flow.database.transaction() as session:
        click.echo("Applicants")
        click.echo(applicants_table(applicant_summaries(session)))
        mails = session.scalars(select(OutboxMail).order_by(OutboxMail.id)).all()
        click.echo("\nMails sent")
        click.echo(
            table(
                ["id", "to", "template", "status", "subject"],
                [(m.id, m.recipient, m.template, m.status, m.subject) for m in mails],
            )
        )
