"""One generator per channel an application arrives by, under the channel's name.

The benchmark and the tests make their forms through this one table, so both measure
the same faxes and scans.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from mailflow.documents.formspec import FormSpec
from mailflow.documents.reader import Document
from mailflow.samplegen import paper
from mailflow.samplegen.fillable import fill_form
from mailflow.samplegen.printed import print_form

Maker = Callable[[FormSpec, dict[str, str], random.Random], list[Document]]

CHANNELS: dict[str, Maker] = {
    "fillable": lambda spec, values, rng: [Document("form.pdf", fill_form(spec, values))],
    "typed": lambda spec, values, rng: [Document("form.pdf", print_form(spec, values))],
    "fax_fine": lambda spec, values, rng: [
        Document("fax.pdf", paper.faxed(spec, values, rng, fine=True))
    ],
    "fax_tiff": lambda spec, values, rng: [
        Document("fax.tif", paper.faxed(spec, values, rng, fine=False))
    ],
    "scan_jpeg": lambda spec, values, rng: [
        Document(f"page{number}.jpg", data)
        for number, data in enumerate(paper.scanned(spec, values, rng), start=1)
    ],
    "hand_fax": lambda spec, values, rng: [
        Document("fax.pdf", paper.hand_faxed(spec, values, rng))
    ],
}
