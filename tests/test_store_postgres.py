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


def test_todays_plan_read_by_url_leaves_no_connection_open(postgres_url: str) -> None:
    """`easeback today --db postgresql://...` opens the store for one read: it must
    close it, not leave its connection to the garbage collector (psycopg warns then)."""
    from sqlalchemy import create_engine
    from sqlalchemy.pool import NullPool

    from easeback.usecases.today import person_today

    open_store(postgres_url).dispose()
    database = postgres_url.rsplit("/", 1)[1]
    watcher = create_engine(postgres_url, poolclass=NullPool)

    view = person_today(postgres_url)

    try:
        with watcher.connect() as connection:
            others = connection.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE datname = :d AND pid <> pg_backend_pid()"
                ),
                {"d": database},
            ).scalar()
    finally:
        watcher.dispose()
    assert view["slots"]
    assert others == 0


def test_every_export_reads_the_same_from_postgresql(db_path: Path, postgres_url: str) -> None:
    """The exports read every table by name, a prescription's "end" among them (a
    reserved word in PostgreSQL's SQL): each format holds the same from both."""
    import io
    import json
    import zipfile
    from datetime import UTC, date, datetime

    from easeback.reports.exports import FORMATS, write_export
    from helpers import prescribe, screened_store

    now = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    made: list[dict[str, Any]] = []
    for url in (str(db_path), postgres_url):
        engine = open_store(url)
        try:
            screened_store(engine)
            prescribe(engine, at=now, start=date(2026, 3, 2), end=date(2026, 4, 2))
            outs: dict[str, Any] = {}
            for kind in FORMATS:
                out = io.BytesIO()
                write_export(engine, kind, now, out)
                outs[kind] = out.getvalue()
        finally:
            engine.dispose()
        with zipfile.ZipFile(io.BytesIO(outs["csv"])) as csv_zip:
            prescriptions = csv_zip.read("prescriptions.csv").decode()
        tables = json.loads(outs["json"])["tables"]
        made.append({"csv": prescriptions, "json": tables["prescriptions"]})

    assert made[0]["json"][0]["end"] == "2026-04-02"
    assert made[0] == made[1]
