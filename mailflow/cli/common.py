"""What the commands share: loading the settings they were given, printing tables."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import click

from mailflow.app import Mailflow, build
from mailflow.settings import load_settings


def open_mailflow(context: click.Context) -> Mailflow:
    config_path: Path = context.obj
    return build(load_settings(config_path))


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A plain-text table, columns as wide as their widest cell."""
    cells = [[str(h) for h in headers]] + [["" if c is None else str(c) for c in r] for r in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in cells
    ]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)


def send_now(flow: Mailflow) -> None:
    """Send what is queued and say what happened, failures included."""
    delivery = flow.outbox.send_queued(flow.database, flow.transport)
    click.echo(f"{len(delivery.sent)} mail(s) sent")
    for problem in delivery.problems:
        click.echo(f"not sent: {problem}")
