"""``mailflow check-connection``: try the mailbox and the transport before trusting them."""

from __future__ import annotations

import click

from mailflow.cli import cli
from mailflow.cli.common import open_mailflow
from mailflow.errors import MailboxError, MailflowError


@cli.command("check-connection")
@click.pass_context
def check_connection_command(context: click.Context) -> None:
    """Log in to the mailbox and the transport; one line each on what works."""
    flow = open_mailflow(context)
    failures = 0
    try:
        for label, part in (("mailbox", flow.source), ("transport", flow.transport)):
            try:
                click.echo(f"{label}: ok: {part.check()}")
            except MailflowError as exc:
                failures += 1
                click.echo(f"{label}: FAILED: {exc}")
    finally:
        flow.source.close()
    if failures:
        context.exit(MailboxError.exit_code)
