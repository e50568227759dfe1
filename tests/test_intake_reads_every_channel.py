"""The poll cycle reads forms from fax TIFF attachments and from JPEG page attachments."""

from __future__ import annotations

import io
import random

from PIL import Image
from sqlalchemy import select

from mailflow.cycle import run_cycle
from mailflow.documents.reader import Document, applications
from mailflow.samplegen import paper
from mailflow.samplegen.mails import application_mail
from mailflow.samplegen.people import make_person
from mailflow.storage.models import Applicant, FormReadingRecord
from tests.conftest import COURSE_ADDRESS


def test_tiff_fax_and_jpeg_pages_become_applicants(flow, deliver, form_spec) -> None:
    rng = random.Random(9)
    faxed, scanned = make_person(rng, 1), make_person(rng, 2)
    tiff = paper.faxed(form_spec, faxed.written, rng, fine=False)
    deliver(
        raw=application_mail(
            "fax-gateway@fax.example", COURSE_ADDRESS, tiff, filename="fax-0001.tif"
        )
    )
    first, second = paper.scanned(form_spec, scanned.written, rng)
    deliver(
        raw=application_mail(
            str(scanned.truth["email"]),
            COURSE_ADDRESS,
            first,
            filename="page1.jpg",
            more_attachments=(("page2.jpg", second),),
        )
    )
    report = run_cycle(flow)
    assert report.received == 2
    with flow.database.transaction() as session:
        records = session.scalars(select(FormReadingRecord)).all()
        assert sorted(r.channel for r in records) == ["ocr", "ocr"]
        assert {r.attachment for r in records} == {"fax-0001.tif", "page1.jpg, page2.jpg"}
        applicants = session.scalars(select(Applicant)).all()
        by_family = {a.family_name: a for a in applicants if a.family_name}
        scanned_applicant = next(a for a in applicants if a.email == scanned.truth["email"])
        assert scanned_applicant.english_level == scanned.truth["english_level"]
        assert len(applicants) == 2, by_family


def test_pdfs_alone_and_page_images_together_without_the_logo() -> None:
    logo = io.BytesIO()
    Image.new("RGB", (120, 40), "navy").save(logo, format="PNG")
    page = io.BytesIO()
    Image.new("L", (1240, 1754), 255).save(page, format="JPEG")
    documents = [
        Document("logo.png", logo.getvalue()),
        Document("form.pdf", b"%PDF-1.7 ..."),
        Document("p1.jpg", page.getvalue()),
        Document("p2.jpg", page.getvalue()),
    ]
    groups = [[document.name for document in group] for group in applications(documents)]
    assert groups == [["form.pdf"], ["p1.jpg", "p2.jpg"]]
