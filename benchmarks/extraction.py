"""How well and how fast mailflow reads forms, per channel, on generated applications.

    python3 benchmarks/extraction.py [--forms 20] [--seed 1] [--samples DIR]

For each channel it generates forms (different people, values, skew and noise), reads
them with ``read_form`` and compares every field a reviewer checks (the person's truth)
with what was read. It prints per channel the share of fields correct and ``ok``, the
share sent to ``review``, the share wrong but ``ok`` (silent errors, the ones that
matter), and the median seconds per form. ``--samples`` also scores a folder of filled
forms with ``NAME.truth.json`` files (such as the shared samples).
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from mailflow.documents.formspec import FormSpec, load_form_specs
from mailflow.documents.reader import Document, read_form
from mailflow.documents.reading import FormReading
from mailflow.resources import shipped
from mailflow.samplegen import paper
from mailflow.samplegen.channels import CHANNELS
from mailflow.samplegen.people import make_person


@dataclass
class Score:
    """Field outcomes of one channel, and the seconds each form took."""

    correct: int = 0
    review: int = 0
    silent: int = 0
    seconds: list[float] = field(default_factory=list)
    wrong: list[str] = field(default_factory=list)

    @property
    def fields(self) -> int:
        return self.correct + self.review + self.silent

    def add(self, reading: FormReading | None, truth: dict[str, object], seconds: float) -> None:
        self.seconds.append(seconds)
        for name, expected in truth.items():
            if name.startswith("_"):
                continue
            read = reading.fields.get(name) if reading else None
            if read is None or read.status == "review":
                self.review += 1
            elif _same(read.value, expected):
                self.correct += 1
            else:
                self.silent += 1
                self.wrong.append(f"{name}: read {read.value!r}, was {expected!r}")

    def line(self, channel: str) -> str:
        share = 100 / max(1, self.fields)
        return (
            f"{channel:10} {len(self.seconds):4d} forms  correct+ok {self.correct * share:5.1f}%  "
            f"review {self.review * share:5.1f}%  silent errors {self.silent * share:4.1f}%  "
            f"median {statistics.median(self.seconds):.2f} s/form"
        )


def _same(read: object, expected: object) -> bool:
    """Values match; text compared case-insensitively, as a reviewer would."""
    if isinstance(read, str) and isinstance(expected, str):
        return _folded(read) == _folded(expected)
    return read == expected


def _folded(text: str) -> str:
    """Case folded; Turkish dotless i as i, since capitals (YILMAZ) do not show it."""
    return " ".join(text.split()).casefold().replace("ı", "i")


def _timed_read(documents: list[Document], specs: dict[str, FormSpec]) -> tuple:
    started = time.perf_counter()
    reading = read_form(documents, specs)
    return reading, time.perf_counter() - started


def bench_generated(specs: dict[str, FormSpec], forms: int, seed: int, channels: list[str]) -> None:
    spec = specs["A901357"]
    for channel in channels:
        if channel == "hand_fax" and not paper.hand_font_available():
            print(f"{channel:10} skipped: no script font (apt install fonts-dancingscript)")
            continue
        rng = random.Random(f"{seed}-{channel}")
        score = Score()
        for serial in range(1, forms + 1):
            person = make_person(rng, serial)
            documents = CHANNELS[channel](spec, person.written, rng)
            reading, seconds = _timed_read(documents, specs)
            score.add(reading, person.truth, seconds)
        print(score.line(channel), flush=True)
        for wrong in score.wrong[:8]:
            print(f"    silent: {wrong}")


def bench_samples(specs: dict[str, FormSpec], folder: Path) -> None:
    scores: dict[str, Score] = {}
    for truth_path in sorted(folder.glob("*.truth.json")):
        stem = truth_path.name.removesuffix(".truth.json")
        truth = json.loads(truth_path.read_text(encoding="utf-8"))
        files = sorted(
            p for p in folder.glob(f"{stem}*") if p != truth_path and ".truth" not in p.name
        )
        documents = [Document(p.name, p.read_bytes()) for p in files]
        reading, seconds = _timed_read(documents, specs)
        channel = str(truth.get("_channel", stem.split("-")[0]))
        scores.setdefault(channel, Score()).add(reading, truth, seconds)
    for channel, score in scores.items():
        print(score.line(channel))
        for wrong in score.wrong:
            print(f"    silent: {wrong}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--forms", type=int, default=20, help="forms per channel")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--channels", default=",".join(CHANNELS), help="comma-separated")
    parser.add_argument("--samples", type=Path, help="also score this folder of samples")
    options = parser.parse_args()
    specs = load_form_specs(shipped("rules"))
    print(f"generated forms ({options.forms} per channel, seed {options.seed})")
    bench_generated(specs, options.forms, options.seed, options.channels.split(","))
    if options.samples:
        print(f"\nsamples in {options.samples}")
        bench_samples(specs, options.samples)


if __name__ == "__main__":
    main()
