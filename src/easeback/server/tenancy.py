"""One PostgreSQL schema per patient, and the engine that sees only one of them.

A patient's records are kept in the schema ``p_<their account id>``, built by the
store's own migrations (the very tables of a person's SQLite file). An engine scoped
to a patient sets PostgreSQL's ``search_path`` to that schema at the start of every
transaction (``SET LOCAL``, so a pooled connection never carries it to the next
request), so the store and the use-cases run on one patient's data unchanged.
Unscoped, the search path names no patient at all: a query that forgot its scope
fails instead of reading someone's records.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import Connection, Engine, event, text
from sqlalchemy.exc import SQLAlchemyError

from easeback.core.errors import StoreError
from easeback.server.schema import SCHEMA as CLINIC_SCHEMA
from easeback.store.db import make_engine, upgrade

ACCOUNT_ID = re.compile(r"[0-9a-f]{32}")
SCOPE_OPTION = "easeback_patient_schema"
# Unscoped transactions see only the clinic's tables (every connection starts with
# this path, and a scoped transaction's SET LOCAL falls back to it at its end).
UNSCOPED_PATH = CLINIC_SCHEMA


def patient_schema(account_id: str) -> str:
    """The schema holding the records of the patient with ``account_id``."""
    if not ACCOUNT_ID.fullmatch(account_id):
        raise ValueError(f"not an account id: {account_id!r}")
    return f"p_{account_id}"


def _set_search_path(connection: Connection) -> None:
    schema = connection.get_execution_options().get(SCOPE_OPTION)
    if schema is None:
        return  # the session's own path (UNSCOPED_PATH, set when it connected)
    cursor = connection.connection.cursor()
    try:
        cursor.execute("SELECT set_config('search_path', %s, true)", (schema,))
    finally:
        cursor.close()


def open_clinic(url: str, *, pool_size: int = 10) -> Engine:
    """The clinic's database at ``url``, its own tables brought up to date, with every
    transaction's search path set (see above). Patients' schemas are brought up to
    date by ``upgrade_patients`` (``easeback server init`` and ``run`` do it)."""
    if not url.startswith(("postgresql://", "postgresql+psycopg://")):
        raise StoreError(f"a clinic's server needs PostgreSQL, not {url.split(':', 1)[0]}")
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    engine = make_engine(
        url,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=True,
        hide_parameters=True,  # a failed statement's values (health data) never logged
        connect_args={"options": f"-c search_path={UNSCOPED_PATH}"},
    )
    event.listen(engine, "begin", _set_search_path)
    try:
        with engine.begin() as connection:
            # One server migrates at a time: a second one started alongside waits here.
            connection.execute(text("SELECT pg_advisory_xact_lock(8421)"))
            connection.execute(text(f"CREATE SCHEMA IF NOT EXISTS {CLINIC_SCHEMA}"))
            upgrade(connection, "easeback.server", CLINIC_SCHEMA)
    except SQLAlchemyError as exc:
        engine.dispose()
        shown = engine.url.render_as_string(hide_password=True)
        reason = " ".join(str(getattr(exc, "orig", None) or exc).split())
        raise StoreError(
            f"cannot open the clinic's database {shown}: {reason}. Check that PostgreSQL "
            "is running and that the address, user and database name in "
            "EASEBACK_SERVER_DB are right"
        ) from exc
    return engine


def scoped(engine: Engine, account_id: str) -> Engine:
    """``engine``, seeing only the records of the patient with ``account_id`` (it
    shares the engine's pool of connections)."""
    return engine.execution_options(**{SCOPE_OPTION: patient_schema(account_id)})


def create_patient_store(connection: Connection, account_id: str) -> None:
    """Make (or bring up to date) the schema of the patient with ``account_id``, in
    ``connection``'s transaction: the account and its records appear together or not
    at all."""
    schema = patient_schema(account_id)
    connection.execute(text(f"CREATE SCHEMA IF NOT EXISTS {schema}"))
    connection.execute(text("SELECT set_config('search_path', :s, true)"), {"s": schema})
    upgrade(connection, "easeback.store", schema)
    connection.execute(text("SELECT set_config('search_path', :s, true)"), {"s": UNSCOPED_PATH})


def patient_schemas(connection: Connection) -> list[str]:
    rows = connection.execute(
        text("SELECT nspname FROM pg_namespace WHERE nspname ~ '^p_[0-9a-f]{32}$'")
    )
    return sorted(row[0] for row in rows)


def upgrade_patients(engine: Engine) -> int:
    """Bring every patient's schema to the newest revision; how many there are."""
    with engine.begin() as connection:
        connection.execute(text("SELECT pg_advisory_xact_lock(8421)"))
        schemas = patient_schemas(connection)
        for schema in schemas:
            create_patient_store(connection, schema.removeprefix("p_"))
    return len(schemas)


def describe(engine: Engine) -> dict[str, Any]:
    """What the database holds, for ``easeback server check``: no names, no records."""
    with engine.connect() as connection:
        version = connection.execute(text("SHOW server_version")).scalar()
        return {"postgresql": version, "patients": len(patient_schemas(connection))}


def erase_patient_store(connection: Connection, account_id: str) -> None:
    """Drop every record of the patient with ``account_id`` and give them an empty
    store of the newest revision, in ``connection``'s transaction (a request using
    their schema meanwhile is waited for: dropping it needs the schema to itself)."""
    connection.execute(text(f"DROP SCHEMA IF EXISTS {patient_schema(account_id)} CASCADE"))
    create_patient_store(connection, account_id)
