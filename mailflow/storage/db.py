"""The database engine, its schema upgrades, and the one way to open a transaction."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS = Path(__file__).with_name("migrations")


class Database:
    """An engine whose schema is at the newest migration, and its sessions."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    @classmethod
    def open_sqlite(cls, path: Path) -> Database:
        """Open (creating if needed) a SQLite file and bring its schema up to date."""
        path.parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(f"sqlite:///{path}")
        event.listen(engine, "connect", _sqlite_pragmas)
        database = cls(engine)
        database.upgrade()
        return database

    def upgrade(self) -> None:
        """Apply every Alembic migration not yet applied (a no-op when up to date)."""
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        with self.engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")

    @contextmanager
    def transaction(self, writing: bool = False) -> Iterator[Session]:
        """One unit of work: committed when the block ends, rolled back on any error.

        ``writing`` takes SQLite's write lock at once (BEGIN IMMEDIATE). A transaction
        that reads first and writes later fails outright ("database is locked") if
        another process wrote in between; one that starts as a writer waits its turn.
        """
        with self._sessions.begin() as session:
            if writing and self.engine.dialect.name == "sqlite":
                session.execute(text("BEGIN IMMEDIATE"))
            yield session

    @contextmanager
    def scratch(self) -> Iterator[Session]:
        """A unit of work that is always rolled back: for replaying without effects."""
        session = self._sessions()
        try:
            yield session
        finally:
            session.rollback()
            session.close()


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    """Foreign keys on; WAL and a busy timeout so a reader never blocks the worker."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()
