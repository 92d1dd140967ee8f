"""Making a clinic's database ready (server/installation.py), in-process on a real
PostgreSQL: the parts that the process tests (test_server_processes.py) cannot see."""

from __future__ import annotations

from sqlalchemy import text

from easeback.server.installation import patients_behind, prepare, readiness
from easeback.server.tenancy import patient_schema
from server_helpers import clinic, config_for


def test_patients_behind_counts_the_schemas_not_at_the_newest_revision(
    postgres_url: str,
) -> None:
    with clinic(postgres_url) as made:
        engine = made.app.state.clinic  # type: ignore[attr-defined]
        assert patients_behind(engine) == (2, 0)
        schema = patient_schema(made.people["pat_a"].id)
        with engine.begin() as connection:
            connection.execute(text(f"UPDATE {schema}.alembic_version SET version_num = 'old'"))  # noqa: S608
        assert patients_behind(engine) == (2, 1)
        with engine.begin() as connection:
            connection.execute(text(f"DROP TABLE {schema}.alembic_version"))
        assert patients_behind(engine) == (2, 2)  # all rebuilt rather than one missed


def test_prepare_counts_the_patients_and_readiness_finds_them(postgres_url: str) -> None:
    with clinic(postgres_url):
        pass
    engine, patients = prepare(postgres_url)
    engine.dispose()
    assert patients == 2
    found = readiness(config_for(postgres_url))
    assert (found.ready, found.patients, found.admins) == (True, 2, 1)
