"""``mailflow outbox``: the mails that have not left, and a person's word to try again."""

from __future__ import annotations

import click
from sqlalchemy import select

from mailflow.cli import cli
from mailflow.cli.common import open_mailflow, table
from mailflow.errors import MailflowError
from mailflow.storage.models import OutboxMail

NOT_SENT = ("queued", "sending", "failed")


@cli.group("outbox", invoke_without_command=True)
@click.pass_context
def outbox_group(context: click.Context) -> None:
    """List the mails not sent yet: waiting, failed, or cut off in the middle of sending."""
    if context.invoked_subcommand:
        return
    flow = open_mailflow(context)
    with flow.database.transaction() as session:
        rows = session.scalars(
            select(OutboxMail).where(OutboxMail.status.in_(NOT_SENT)).order_by(OutboxMail.id)
        ).all()
        click.echo(
            table(
                ["id", "to", "template", "status", "tries", "next try (UTC)", "last error"],
                [
                    (
                        m.id,
                        m.recipient,
                        m.template,
                        m.status,
                        m.attempts,
                        f"{m.retry_at:%Y-%m-%d %H:%M}" if m.retry_at else "",
                        m.error or "",
                    )
                    for m in rows
                ],
            )
        )


@outbox_group.command("retry")
@click.argument("mail_ids", nargs=-1, type=int, required=True)
@click.pass_context
def retry_command(context: click.Context, mail_ids: tuple[int, ...]) -> None:
    """Queue failed mails (or ones cut off while sending) again, once the cause is mended.

    A mail cut off while sending may have left: retry it only when you know it did not.
    """
    flow = open_mailflow(context)
    with flow.database.transaction(writing=True) as session:
        for mail_id in mail_ids:
            mail = session.get(OutboxMail, mail_id)
            if mail is None or mail.status not in ("failed", "sending"):
                raise MailflowError(
                    f"mail {mail_id} is not failed or cut off; see `mailflow outbox`"
                )
            mail.status, mail.attempts, mail.retry_at = "queued", 0, None
    click.echo(f"{len(mail_ids)} mail(s) queued again; the worker sends them")
