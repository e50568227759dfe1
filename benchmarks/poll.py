"""Polling cost on a real Dovecot: idle polls by folder size, and backlog throughput.

    python3 benchmarks/poll.py [--sizes 100,10000,50000] [--backlog 1000]

Idle poll: a folder of N mails already read (its sync state stored), nothing new;
one poll is what ``mailflow run`` does each time: connect, log in, STATUS, log out.
It should cost the same for every N. Backlog: N application mails (each with a filled
form) waiting in the INBOX, taken in by ``run_cycle`` with acknowledgements sent over
SMTP to aiosmtpd; printed as mails per minute. Mail is written straight into the
Maildir on disk, so filling 50,000 mails takes seconds. Needs dovecot (root or not).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from mailflow.app import build
from mailflow.cycle import run_cycle
from mailflow.documents.formspec import load_form_specs
from mailflow.resources import shipped
from mailflow.samplegen.fillable import fill_form
from mailflow.samplegen.mails import application_mail
from mailflow.samplegen.people import make_person
from mailflow.settings import Settings, parse_settings
from mailflow.sources.imap import ImapSource
from mailflow.sources.syncstate import SyncState
from mailflow.testing.dovecot import Dovecot, MailUser
from mailflow.testing.net import Certificate, self_signed_certificate
from mailflow.testing.smtpd import SmtpServer

COURSE = "a901357@itcilo.example"
IDLE_POLLS = 7
MAILDIR_SETTLES = 2.0


def settings_for(dovecot: Dovecot, user: MailUser, work: Path, smtp_port: int = 0) -> Settings:
    os.environ["BENCH_IMAP_PASSWORD"] = user.password
    transport = (
        {"kind": "smtp", "from": f"Course <{COURSE}>"}
        if smtp_port
        else {"kind": "folder", "folder": "out", "from": COURSE}
    )
    data: dict[str, Any] = {
        "storage": {"database": "mailflow.db", "raw_mail_dir": "raw"},
        "mailbox": {
            "kind": "imap",
            "host": dovecot.host,
            "port": dovecot.port,
            "security": "none",
            "username": user.name,
            "password_env": "BENCH_IMAP_PASSWORD",
            "processed_folder": "Processed",
        },
        "transport": transport,
    }
    if smtp_port:
        data["smtp"] = {"host": "127.0.0.1", "port": smtp_port, "security": "none"}
    return parse_settings(data, work / "mailflow.toml")


def small_mail(number: int) -> bytes:
    """A short question, written as bytes: building 50,000 EmailMessages takes long."""
    return (
        f"From: person{number}@example.org\r\nTo: {COURSE}\r\n"
        f"Subject: Question {number}\r\nMessage-ID: <q{number}@example.org>\r\n"
        "Date: Mon, 01 Jun 2009 09:30:00 +0000\r\n\r\nWhen does the course start?\r\n"
    ).encode()


def idle_poll(dovecot: Dovecot, size: int, work: Path) -> tuple[float, float, float]:
    """(seconds to fill, median seconds per idle poll, seconds to list every UID)."""
    user = dovecot.new_user()
    started = time.perf_counter()
    dovecot.write_into_maildir(user, [small_mail(n) for n in range(size)])
    dovecot.append(user, "Processed")
    filled = time.perf_counter() - started
    flow = build(settings_for(dovecot, user, work))
    source = flow.source
    assert isinstance(source, ImapSource)
    time.sleep(MAILDIR_SETTLES)
    with dovecot.client(user) as client:  # Dovecot indexes the new files here, once
        status = client.folder_status("INBOX", [b"UIDVALIDITY", b"UIDNEXT", b"MESSAGES"])
    assert status[b"MESSAGES"] == size, status
    # Dovecot rescans a Maildir (and its uidlist) changed within the last moments at every
    # access; a real folder settled long ago, so let this one settle before timing
    time.sleep(MAILDIR_SETTLES)
    source.states.save(
        source.account,
        "INBOX",
        SyncState(str(status[b"UIDVALIDITY"]), int(status[b"UIDNEXT"]) - 1),
    )
    timings = []
    for _ in range(IDLE_POLLS):
        started = time.perf_counter()
        assert list(source.fetch_new(lambda mail: False)) == []
        source.close()
        timings.append(time.perf_counter() - started)
    with dovecot.client(user) as client:  # what a poll without a stored position must do
        started = time.perf_counter()
        client.select_folder("INBOX", readonly=True)
        assert len(client.search(["ALL"])) == size
        listing = time.perf_counter() - started
    return filled, statistics.median(timings), listing


def backlog(
    dovecot: Dovecot, count: int, work: Path, certificate: Certificate
) -> tuple[float, int]:
    """(seconds for one cycle, acknowledgements sent) for ``count`` waiting applications."""
    spec = load_form_specs(shipped("rules"))["A901357"]
    rng = random.Random(2009)
    mails = []
    for serial in range(1, count + 1):
        person = make_person(rng, serial)
        pdf = fill_form(spec, person.written)
        mails.append(application_mail(str(person.truth["email"]), COURSE, pdf))
    user = dovecot.new_user()
    dovecot.write_into_maildir(user, mails)
    dovecot.append(user, "Processed")
    smtp = SmtpServer(certificate, security="none")
    smtp.start()
    try:
        flow = build(settings_for(dovecot, user, work, smtp.port))
        started = time.perf_counter()
        report = run_cycle(flow)
        elapsed = time.perf_counter() - started
    finally:
        smtp.stop()
    assert report.received == count and not report.errors, report
    return elapsed, len(smtp.received)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100,10000,50000")
    parser.add_argument("--backlog", type=int, default=1000)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="mailflow-bench-") as scratch:
        root = Path(scratch)
        certificate = self_signed_certificate(root / "tls")
        dovecot = Dovecot(certificate)
        dovecot.start()
        try:
            print("idle poll (connect, login, STATUS, logout), nothing new:")
            for size in (int(part) for part in options.sizes.split(",")):
                work = root / f"idle-{size}"
                work.mkdir()
                filled, poll, listing = idle_poll(dovecot, size, work)
                print(
                    f"  {size:>7,} mails: {poll * 1000:7.1f} ms per poll "
                    f"(median of {IDLE_POLLS}; listing every UID instead: "
                    f"{listing * 1000:.1f} ms more; folder filled in {filled:.1f} s)"
                )
            if options.backlog:
                work = root / "backlog"
                work.mkdir()
                elapsed, sent = backlog(dovecot, options.backlog, work, certificate)
                print(
                    f"backlog: {options.backlog:,} application mails in {elapsed:.1f} s = "
                    f"{options.backlog / elapsed * 60:,.0f} mails/minute "
                    f"({sent:,} acknowledgements sent over SMTP)"
                )
        finally:
            dovecot.remove()


if __name__ == "__main__":
    main()
