"""The whole poll cycle, unchanged, on a real IMAP server and a real SMTP server."""

from __future__ import annotations

from collections.abc import Callable
from email.parser import BytesParser
from email.policy import default
from pathlib import Path

from sqlalchemy import select

from mailflow.app import build
from mailflow.cycle import run_cycle
from mailflow.documents.formspec import FormSpec
from mailflow.samplegen.fillable import fill_form
from mailflow.samplegen.mails import application_mail
from mailflow.settings import load_settings
from mailflow.storage.models import Applicant
from mailflow.testing.dovecot import Dovecot, MailUser
from mailflow.testing.net import Certificate
from mailflow.testing.smtpd import SmtpServer
from tests.mailbox.helpers import COURSE_ADDRESS, folder_uids, imap_mailbox, smtp_section


def test_application_in_over_imap_acknowledgement_out_over_smtp(
    configure: Callable[..., Path],
    dovecot: Dovecot,
    imap_user: MailUser,
    smtp_server: SmtpServer,
    certificate: Certificate,
    people,  # type: ignore[no-untyped-def]
    form_spec: FormSpec,
) -> None:
    (person,) = people(1)
    address = str(person.truth["email"])
    raw = application_mail(address, COURSE_ADDRESS, fill_form(form_spec, person.written))
    applied = BytesParser(policy=default).parsebytes(raw)
    dovecot.append(imap_user, "Processed")
    dovecot.append(imap_user, "Sent")
    dovecot.append(imap_user, "INBOX", raw)
    settings_file = configure(
        imap_mailbox(dovecot, imap_user, processed_folder="Processed"),
        {"kind": "smtp", "from": f"Course assistant <{COURSE_ADDRESS}>"},
        smtp=smtp_section(smtp_server, certificate, sent_folder="Sent"),
    )
    flow = build(load_settings(settings_file))

    report = run_cycle(flow)

    assert (report.received, report.by_status, report.errors) == (1, {"processed": 1}, [])
    with flow.database.transaction() as session:
        applicant = session.scalars(select(Applicant)).one()
        assert applicant.email == address
    (delivered,) = smtp_server.received
    assert delivered.rcpt_tos == [address]
    assert delivered.mail_from == "bounces@itcilo.example"
    answer = BytesParser(policy=default).parsebytes(delivered.data)
    assert answer["In-Reply-To"] == applied["Message-ID"]
    assert applied["Message-ID"] in answer["References"]
    assert answer["Message-ID"].endswith("@itcilo.example>")
    assert answer["Auto-Submitted"] == "auto-replied"
    assert folder_uids(dovecot, imap_user, "INBOX") == []
    assert len(folder_uids(dovecot, imap_user, "Processed")) == 1
    assert len(folder_uids(dovecot, imap_user, "Sent")) == 1

    again = run_cycle(build(load_settings(settings_file)))

    assert (again.received, again.sent) == (0, [])
    assert len(smtp_server.received) == 1
