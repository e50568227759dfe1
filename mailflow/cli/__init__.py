"""The ``mailflow`` command: every MailflowError becomes one clear line and an exit code."""

from __future__ import annotations

import logging
import sys
from datetime import datetime
from pathlib import Path

import click

from mailflow.cli.clock import NOW_KEY
from mailflow.errors import MailflowError
from mailflow.settings import DEFAULT_CONFIG


@click.group()
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path),
    default=DEFAULT_CONFIG,
    show_default=True,
    help="Settings file.",
)
@click.option("-v", "--verbose", is_flag=True, help="Log what happens.")
@click.option(
    "--now",
    type=click.DateTime(["%Y-%m-%d", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M"]),
    help="Act as if it were this time (UTC): to rehearse a replay or a reminder day.",
)
@click.pass_context
def cli(context: click.Context, config_path: Path, verbose: bool, now: datetime | None) -> None:
    """mailflow: runs the application mailbox of a training course."""
    context.meta[NOW_KEY] = now
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    context.obj = config_path


def main() -> None:
    try:
        # Without standalone mode click returns the code a command exits with.
        exit_code = cli.main(standalone_mode=False)
    except click.exceptions.Abort:
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except MailflowError as exc:
        click.echo(f"mailflow: {exc}", err=True)
        sys.exit(exc.exit_code)
    if isinstance(exit_code, int) and exit_code:
        sys.exit(exit_code)


from mailflow.cli import (  # noqa: E402  (commands register themselves)
    applicants,
    connection,
    forms,
    outbox,
    review,
    rules,
    staff,
    worker,
)

__all__ = [
    "applicants",
    "cli",
    "connection",
    "forms",
    "main",
    "outbox",
    "review",
    "rules",
    "staff",
    "worker",
]
