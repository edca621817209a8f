"""Alembic's entry point: runs on the connection patrol.store.schema hands over, never from an ini file."""

from __future__ import annotations

from alembic import context

from patrol.store.schema import full_metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=full_metadata(),
    compare_type=True,
    # SQLite cannot ALTER most things: batch operations copy the table instead.
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
