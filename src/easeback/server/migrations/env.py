"""Alembic environment for the clinic's tables: runs on the connection that
easeback.server.tenancy hands over, with its version table in the clinic schema."""

from alembic import context

from easeback.server.schema import SCHEMA, metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata,
    version_table_schema=SCHEMA,
    include_schemas=True,
)
with context.begin_transaction():
    context.run_migrations()
