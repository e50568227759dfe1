"""The migrations build exactly the schema the models describe, and can be undone."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext

from mailflow.storage.db import MIGRATIONS, Database
from mailflow.storage.models import Base


def test_migrations_match_the_models_and_downgrade(tmp_path: Path) -> None:
    database = Database.open_sqlite(tmp_path / "mailflow.db")
    with database.engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with database.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0001")
    database.upgrade()
