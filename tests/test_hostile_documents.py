"""Documents that cannot be read end in a DocumentError that says why, quickly."""

from __future__ import annotations

import io
import struct
import time
import zlib

import pytest
from PIL import Image
from pypdf import PdfWriter

from mailflow.documents.formspec import load_form_specs
from mailflow.documents.reader import Document, read_form
from mailflow.errors import DocumentError
from mailflow.resources import shipped


def _pdf(pages: int, password: str | None = None) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(595, 842)
    if password:
        writer.encrypt(password)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _png_claiming(width: int, height: int) -> bytes:
    """A PNG whose header claims a huge size, with almost no data behind it."""
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    chunk = b"IHDR" + header
    ihdr = struct.pack(">I", len(header)) + chunk + struct.pack(">I", zlib.crc32(chunk))
    data = zlib.compress(b"\x00" * 64)
    idat = (
        struct.pack(">I", len(data))
        + b"IDAT"
        + data
        + struct.pack(">I", zlib.crc32(b"IDAT" + data))
    )
    return b"\x89PNG\r\n\x1a\n" + ihdr + idat


def _tiff_of(pages: int) -> bytes:
    frames = [Image.new("1", (8, 8), 1) for _ in range(pages)]
    out = io.BytesIO()
    frames[0].save(out, format="TIFF", save_all=True, append_images=frames[1:])
    return out.getvalue()


HOSTILE = {
    "encrypted": (_pdf(2, password="secret"), "encrypted"),
    "corrupt": (b"%PDF-1.7\n1 0 obj << /Type /Catalog >>\n garbage", "damaged"),
    "zero pages": (_pdf(0), "no pages"),
    "thousands of pages": (_pdf(3000), "pages"),
    "huge image": (_png_claiming(100_000, 100_000), "too large"),
    "thousand-page tiff": (_tiff_of(1000), "pages"),
    "not a document": (b"Hello, this is plain text.", "neither a PDF"),
    "truncated jpeg": (b"\xff\xd8\xff\xe0" + b"\x00" * 40, "image"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_document_is_refused_with_a_reason(case: str) -> None:
    data, reason = HOSTILE[case]
    specs = load_form_specs(shipped("rules"))
    started = time.perf_counter()
    with pytest.raises(DocumentError, match=reason) as raised:
        read_form([Document(f"{case}.bin", data)], specs)
    assert time.perf_counter() - started < 20
    assert "\n" not in str(raised.value)


def test_a_blank_page_holds_no_known_form() -> None:
    specs = load_form_specs(shipped("rules"))
    assert read_form([Document("blank.pdf", _pdf(1))], specs) is None
