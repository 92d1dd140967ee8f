"""The store on every database easeback runs on, for tests parametrised over them:
a person's SQLite file (the single-user default), a PostgreSQL database opened by URL
(``open_store(postgresql://...)``), and one patient's schema on a clinic's server (the
engine ``server.tenancy.scoped`` gives, the very way the server stores)."""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.pool import NullPool

from easeback.store import open_store

BACKENDS = ("sqlite", "postgresql", "patient-schema")


# One patient's id in the copies of the clinic's template (each test has its own copy).
PATIENT = "0123456789abcdef0123456789abcdef"
_templates: dict[tuple[str, str], str] = {}


def _admin(server: str) -> Engine:
    return create_engine(server, isolation_level="AUTOCOMMIT", poolclass=NullPool)


def _template(server: str, kind: str) -> str:
    """A database migrated once per run for ``kind``, that tests copy (PostgreSQL
    copies a database far faster than the migrations build one)."""
    if (server, kind) not in _templates:
        name = f"template_{kind.replace('-', '_')}_{uuid.uuid4().hex[:8]}"
        admin = _admin(server)
        try:
            with admin.connect() as connection:
                connection.execute(text(f'CREATE DATABASE "{name}"'))
        finally:
            admin.dispose()
        url = server.rsplit("/", 1)[0] + f"/{name}"
        if kind == "postgresql":
            open_store(url).dispose()
        else:
            from easeback.server.tenancy import create_patient_store, open_clinic

            clinic = open_clinic(url, pool_size=1)
            try:
                with clinic.begin() as connection:
                    create_patient_store(connection, PATIENT)
            finally:
                clinic.dispose()
        _templates[(server, kind)] = name
    return _templates[(server, kind)]


@contextmanager
def _copy(server: str, kind: str) -> Iterator[str]:
    """The URL of a fresh copy of ``kind``'s template, dropped afterwards."""
    template = _template(server, kind)
    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = _admin(server)
    try:
        with admin.connect() as connection:
            connection.execute(
                text(f'CREATE DATABASE "{name}" TEMPLATE "{template}" STRATEGY FILE_COPY')
            )
        yield server.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def store_on(kind: str, db_path: Path, request: pytest.FixtureRequest) -> Iterator[Engine]:
    """A fresh, migrated store of ``kind``; every engine made is disposed afterwards
    (on PostgreSQL a forgotten one keeps its connections open)."""
    if kind == "sqlite":
        engine = open_store(str(db_path))
        try:
            yield engine
        finally:
            engine.dispose()
        return
    server: str = request.getfixturevalue("postgres_server")
    with _copy(server, kind) as url:
        if kind == "postgresql":
            engine = open_store(url)
            try:
                yield engine
            finally:
                engine.dispose()
            return
        from easeback.server.tenancy import open_clinic, scoped

        clinic = open_clinic(url, pool_size=2)
        try:
            yield scoped(clinic, PATIENT)
        finally:
            clinic.dispose()


def schema_of(engine: Engine) -> str | None:
    """The patient's schema a scoped engine sees (None: not scoped)."""
    from easeback.server.tenancy import SCOPE_OPTION

    found: str | None = engine.get_execution_options().get(SCOPE_OPTION)
    return found


def elsewhere(engine: Engine, sql: str) -> list[tuple[Any, ...]]:
    """Rows read through a connection of their own, not the store's pool: what another
    program (or another of the clinic's servers) would see."""
    if engine.dialect.name == "sqlite":
        connection = sqlite3.connect(str(engine.url.database))
        try:
            return connection.execute(sql).fetchall()
        finally:
            connection.close()
    other = create_engine(engine.url, poolclass=NullPool)
    try:
        with other.connect() as connection:
            if (schema := schema_of(engine)) is not None:
                connection.execute(
                    text("SELECT set_config('search_path', :s, true)"), {"s": schema}
                )
            return [tuple(row) for row in connection.execute(text(sql))]
    finally:
        other.dispose()


def table_names(engine: Engine) -> set[str]:
    """The tables the store's own connection sees."""
    if engine.dialect.name == "sqlite":
        sql = "SELECT name FROM sqlite_master WHERE type = 'table'"
    else:
        sql = (
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
        )
    with engine.connect() as connection:
        return {row[0] for row in connection.execute(text(sql))}
