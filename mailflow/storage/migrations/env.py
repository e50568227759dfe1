"""Alembic environment: runs on the connection mailflow hands it (see db.upgrade)."""

from alembic import context

from mailflow.storage.models import Base

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
