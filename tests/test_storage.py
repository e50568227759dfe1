"""The schema comes from the Alembic migrations, and they match the models."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from mailflow.storage.db import Database
from mailflow.storage.models import Base


def test_migrations_create_the_schema_of_the_models(tmp_path: Path) -> None:
    database = Database.open_sqlite(tmp_path / "m.db")
    with database.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert differences == []
    assert {"raw_mail", "applicant", "state_change", "outbox", "form_reading"} <= set(
        inspect(database.engine).get_table_names()
    )


def test_opening_again_upgrades_nothing_and_keeps_data(tmp_path: Path) -> None:
    from mailflow.storage.models import Applicant

    first = Database.open_sqlite(tmp_path / "m.db")
    with first.transaction() as session:
        session.add(Applicant(course="A901357", state="received", email="a@example.org"))
    second = Database.open_sqlite(tmp_path / "m.db")
    with second.transaction() as session:
        assert session.query(Applicant).count() == 1
