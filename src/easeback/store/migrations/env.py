"""Alembic environment: runs on the connection that easeback.store.db hands over
(into a patient's own PostgreSQL schema when it names one: easeback.server)."""

from alembic import context

from easeback.store.schema import metadata

connection = context.config.attributes["connection"]
schema = context.config.attributes.get("schema")
context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=True,
    version_table_schema=schema,
)
with context.begin_transaction():
    context.run_migrations()
