"""Commands for the staff files: check them, preview a mail, replay a mail, see the status."""

from __future__ import annotations

import tempfile
from pathlib import Path

import click
from sqlalchemy import func, select

from mailflow.cli import cli
from mailflow.cli.clock import now_of
from mailflow.cli.common import open_mailflow, send_now, table
from mailflow.errors import MailflowError, RulesError
from mailflow.ledger import IncomingMail, RawMailStore, record
from mailflow.resources import shipped
from mailflow.settings import load_settings
from mailflow.storage.models import Applicant, OutboxMail, RawMail, ReviewItem
from mailflow.templating import MailTemplates
from mailflow.workflow.check import check_staff_files, errors_in
from mailflow.workflow.context import mail_context
from mailflow.workflow.decisions import describe
from mailflow.workflow.keeper import ruleset_status
from mailflow.workflow.reminders import calendar, run_reminders


@cli.group("rules")
def rules_group() -> None:
    """The staff files: rules/ and templates/."""


@rules_group.command("check")
@click.option("--rules", "rules_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option("--templates", "templates_dir", type=click.Path(file_okay=False, path_type=Path))
@click.pass_context
def check_command(
    context: click.Context, rules_dir: Path | None, templates_dir: Path | None
) -> None:
    """Read every rule file and template; report each problem with file:line."""
    config: Path = context.obj
    staff = load_settings(config).staff_files if config.is_file() else None
    rules_dir = rules_dir or (staff and staff.rules) or shipped("rules")
    templates_dir = templates_dir or (staff and staff.templates) or shipped("templates")
    problems = check_staff_files(rules_dir, templates_dir)
    for problem in problems:
        click.echo(str(problem))
    errors = errors_in(problems)
    if errors:
        raise RulesError(f"{len(errors)} problem(s); the worker would refuse these files")
    click.echo(f"{rules_dir} and {templates_dir}: usable ({len(problems)} warning(s))")


@cli.command("preview")
@click.argument("template")
@click.option("--applicant", "applicant_id", type=int, required=True)
@click.option("--language", help="Language (default: the applicant's).")
@click.pass_context
def preview_command(
    context: click.Context, template: str, applicant_id: int, language: str | None
) -> None:
    """Render a mail for an applicant, from the templates as edited; nothing is queued."""
    flow = open_mailflow(context)
    with flow.database.scratch() as session:
        applicant = session.get(Applicant, applicant_id)
        if applicant is None:
            raise MailflowError(f"no applicant with id {applicant_id}; see `mailflow applicants`")
        course = flow.rules.courses[applicant.course]
        ctx = mail_context(applicant, course, flow.rules.form_for(course.code))
        staff_templates = MailTemplates(flow.keeper.templates_dir)  # as edited, even if refused
        mail = staff_templates.render(template, language or applicant.language, ctx)
        click.echo(f"To: {applicant.email}\nSubject: {mail.subject}\n\n{mail.body}")


@cli.command("replay")
@click.argument("mail_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_context
def replay_command(context: click.Context, mail_file: Path) -> None:
    """Run the whole pipeline on one mail; nothing is sent or kept. Says what would happen."""
    flow = open_mailflow(context)
    incoming = IncomingMail("replay", "replay", "0", mail_file.name, mail_file.read_bytes())
    with tempfile.TemporaryDirectory() as folder, flow.database.scratch() as session:
        row = record(session, RawMailStore(Path(folder)), incoming)
        firings = flow.intake.handle(session, row, now_of(context))
        click.echo(f"{mail_file}: {row.status}: {row.reason}")
        for firing in firings:
            person = session.get_one(Applicant, firing.applicant_id)
            click.echo(f"\n{describe([firing])}\n  for: {person.display_name} <{person.email}>")
            click.echo(f"  why: {firing.why}")
            for mail in firing.mails:
                click.echo(f"\n  --- to {mail.recipient} ({mail.language}): {mail.subject}")
                click.echo("\n".join("  | " + line for line in mail.body.splitlines()))
    click.echo("\n(replay: nothing was sent or kept)")


@cli.command("remind")
@click.pass_context
def remind_command(context: click.Context) -> None:
    """Fire the reminders and other time rules due today, then send what they queued."""
    flow = open_mailflow(context)
    with flow.database.transaction(writing=True) as session:
        firings = run_reminders(session, flow.engine, now_of(context))
    click.echo(describe(firings) or "no reminder due")
    send_now(flow)


@cli.command("status")
@click.pass_context
def status_command(context: click.Context) -> None:
    """The rule set in use (or refused), applicants by state, mails and open reviews."""
    flow = open_mailflow(context)
    status = ruleset_status(flow.keeper.cache_dir)
    click.echo(status.describe() if status else "rules not loaded yet")
    with flow.database.transaction() as session:
        for title, column in (
            ("Applicants by state", Applicant.state),
            ("Mails received by status", RawMail.status),
            ("Mails to send by status", OutboxMail.status),
        ):
            counts = session.execute(select(column, func.count()).group_by(column)).all()
            click.echo(f"\n{title}\n" + table(["", "count"], [tuple(row) for row in counts]))
        reviews = session.scalar(
            select(func.count(ReviewItem.id)).where(ReviewItem.status == "open")
        )
        click.echo("\nTime rules\n" + "\n".join(calendar(session, flow.engine)))
    click.echo(f"\n{reviews} item(s) to review: `mailflow review`")
