"""The store on PostgreSQL (issue 13, first part): the same Alembic migrations build
the same schema on a real PostgreSQL server as on SQLite, and a person's records
written through the store read back the same from both."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, inspect, text

from easeback.store import open_store

# Names reflection gives the same column differently: SQLite's FLOAT is 8 bytes, as
# PostgreSQL's double precision is.
SAME_KIND = {"Double": "Float"}


def schema(engine: Engine, name: str | None = None) -> dict[str, Any]:
    """Tables, their columns (name, kind of type, nullable), primary and foreign keys,
    and indexes, in a form both databases can be compared by; ``name``: a PostgreSQL
    schema other than the default (a clinic's patient's)."""
    seen = inspect(engine)
    tables: dict[str, Any] = {}
    for table in sorted(seen.get_table_names(schema=name)):
        tables[table] = {
            "columns": [
                (c["name"], kind(c["type"]), c["nullable"])
                for c in seen.get_columns(table, schema=name)
            ],
            "primary": seen.get_pk_constraint(table, schema=name)["constrained_columns"],
            "foreign": sorted(
                (tuple(f["constrained_columns"]), f["referred_table"], tuple(f["referred_columns"]))
                for f in seen.get_foreign_keys(table, schema=name)
            ),
            "indexes": sorted(
                (tuple(i["column_names"]), bool(i["unique"]))
                for i in seen.get_indexes(table, schema=name)
                if not i.get("duplicates_constraint")  # PostgreSQL's index behind a UNIQUE
            ),
            "unique": sorted(
                tuple(u["column_names"]) for u in seen.get_unique_constraints(table, schema=name)
            ),
        }
    return tables


def kind(column_type: Any) -> str:
    name = type(column_type.as_generic()).__name__
    return SAME_KIND.get(name, name)


def test_the_same_migrations_build_the_same_schema_on_sqlite_and_postgresql(
    db_path: Path, postgres_url: str
) -> None:
    lite, postgres = open_store(str(db_path)), open_store(postgres_url)
    try:
        assert postgres.dialect.name == "postgresql"
        with postgres.connect() as connection:
            head = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
        with lite.connect() as connection:
            assert (
                connection.execute(text("SELECT version_num FROM alembic_version")).scalar() == head
            )
        built = schema(postgres)
        assert len(built) > 15
        assert built == schema(lite)
    finally:
        lite.dispose()
        postgres.dispose()


def test_a_persons_records_read_back_the_same_from_postgresql(
    db_path: Path, postgres_url: str
) -> None:
    from easeback.store.safety import safety_records
    from helpers import screened_store

    read: list[list[tuple[str, dict[str, Any]]]] = []
    for url in (str(db_path), postgres_url):
        engine = open_store(url)
        try:
            screened_store(engine)
            read.append([(r.kind, r.detail) for r in safety_records(engine)])
        finally:
            engine.dispose()

    assert read[0] and read[0] == read[1]
