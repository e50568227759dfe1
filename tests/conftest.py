"""Shared fixtures: a generated mailbox folder and a mailflow built on it."""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path

import pytest

from mailflow.app import Mailflow, build
from mailflow.demo import COURSE_ADDRESS, DEMO_SETTINGS
from mailflow.documents.formspec import FormSpec, load_form_specs
from mailflow.resources import shipped
from mailflow.samplegen.fillable import fill_form
from mailflow.samplegen.mails import SENT_AT, application_mail
from mailflow.samplegen.people import Person, make_person
from mailflow.settings import Settings, load_settings


@pytest.fixture(autouse=True)
def in_the_application_period(monkeypatch: pytest.MonkeyPatch) -> None:
    """Cycles run when the generated mails were sent, within the seeded 2009 course's
    application period, unless a test passes its own time (the workflow tests do)."""
    monkeypatch.setattr("mailflow.cycle.utcnow", lambda: SENT_AT.replace(tzinfo=None))


@pytest.fixture(scope="session")
def form_spec() -> FormSpec:
    return load_form_specs(shipped("rules"))["A901357"]


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    """A folder with a settings file for the folder mailbox and transport."""
    (tmp_path / "inbox").mkdir()
    (tmp_path / "mailflow.toml").write_text(DEMO_SETTINGS, encoding="utf-8")
    return tmp_path


@pytest.fixture
def settings(workdir: Path) -> Settings:
    return load_settings(workdir / "mailflow.toml")


@pytest.fixture
def flow(settings: Settings) -> Mailflow:
    return build(settings)


@pytest.fixture
def people() -> Callable[[int], list[Person]]:
    """``people(n)``: n generated applicants with distinct e-mail addresses."""
    rng = random.Random(1357)
    counter = iter(range(1, 10_000))

    def make(count: int) -> list[Person]:
        return [make_person(rng, next(counter)) for _ in range(count)]

    return make


@pytest.fixture
def deliver(workdir: Path, form_spec: FormSpec) -> Callable[..., Path]:
    """Put an application mail for a person into the inbox folder; returns the file."""
    counter = iter(range(1, 10_000))

    def put(person: Person | None = None, raw: bytes | None = None, **mail_options) -> Path:
        if raw is None:
            assert person is not None
            pdf = fill_form(form_spec, person.written)
            mail_options.setdefault("sender", str(person.truth["email"]))
            sender = mail_options.pop("sender")
            raw = application_mail(sender, COURSE_ADDRESS, pdf, **mail_options)
        path = workdir / "inbox" / f"mail-{next(counter):04d}.eml"
        path.write_bytes(raw)
        return path

    return put
