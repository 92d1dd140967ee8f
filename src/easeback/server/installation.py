"""Making a clinic's database ready, and saying what stops a server from serving.

``easeback server init`` and ``easeback server check`` are thin shells over this
module: ``prepare`` builds (or brings up to date) the clinic's tables and every
patient's, ``make_first_admin`` makes the one account nobody can invite, and
``readiness`` looks at a configuration and its database without changing either.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, func, select, text
from sqlalchemy.exc import ProgrammingError, SQLAlchemyError
from sqlalchemy.pool import NullPool

from easeback.core.errors import StoreError
from easeback.server import accounts
from easeback.server.config import ServerConfig, split_url
from easeback.server.schema import SCHEMA
from easeback.server.schema import accounts as accounts_table
from easeback.server.tenancy import open_clinic, patient_schemas, upgrade_patients
from easeback.store.db import alembic_config, make_engine

MIN_POSTGRESQL = 15
RUN_INIT = "run easeback server init"


def psycopg_url(url: str) -> str:
    """``url`` with psycopg 3 named as its driver (``postgresql://`` would ask for psycopg2)."""
    if url.startswith("postgresql://"):
        return "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return url


def unreachable(engine: Engine, exc: SQLAlchemyError) -> str:
    """Why the database at ``engine`` did not answer, without its password."""
    shown = engine.url.render_as_string(hide_password=True)
    reason = " ".join(str(getattr(exc, "orig", None) or exc).split())
    return (
        f"PostgreSQL at {shown} does not answer: {reason}. Check that PostgreSQL is "
        "running and that the address, user and database name in EASEBACK_SERVER_DB "
        "are right"
    )


def too_old(version_num: int, version: str) -> str | None:
    """Why a PostgreSQL server of ``version_num`` (``server_version_num``) cannot serve."""
    if version_num >= MIN_POSTGRESQL * 10000:
        return None
    return (
        f"PostgreSQL {version} is too old: easeback needs {MIN_POSTGRESQL} or newer. "
        "Install a newer one (Debian 12 has 15: apt-get install postgresql)"
    )


def server_version(engine: Engine) -> tuple[int, str]:
    with engine.connect() as connection:
        number = int(connection.execute(text("SHOW server_version_num")).scalar_one())
        version = str(connection.execute(text("SHOW server_version")).scalar_one())
    return number, version.split()[0]


def patients_behind(engine: Engine) -> tuple[int, int]:
    """How many patients' schemas there are, and how many are not at the store's newest
    revision, in one query: asking each schema in turn costs a server with a thousand
    patients many seconds at every start."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config("easeback.store")).get_current_head()
    with engine.connect() as connection:
        schemas = patient_schemas(connection)
        if not schemas:
            return 0, 0
        versions = " UNION ALL ".join(
            f"SELECT version_num FROM {schema}.alembic_version"  # noqa: S608 - names from pg_namespace
            for schema in schemas
        )
        try:
            current = connection.execute(
                text(f"SELECT count(*) FROM ({versions}) AS v WHERE version_num = :head"),  # noqa: S608
                {"head": head},
            ).scalar_one()
        except ProgrammingError:  # a schema without its version table: build them all
            return len(schemas), len(schemas)
    return len(schemas), len(schemas) - int(current)


def prepare(url: str) -> tuple[Engine, int]:
    """The clinic's database at ``url`` with its tables and every patient's brought up
    to date; how many patients it holds. Raises StoreError when it cannot be used."""
    engine = open_clinic(psycopg_url(url), pool_size=2)
    try:
        problem = too_old(*server_version(engine))
        if problem is not None:
            raise StoreError(problem)
        patients, behind = patients_behind(engine)
        return engine, upgrade_patients(engine) if behind else patients
    except BaseException:
        engine.dispose()
        raise


def admin_count(engine: Engine) -> int:
    query = select(func.count()).select_from(accounts_table).where(accounts_table.c.role == "admin")
    with engine.connect() as connection:
        return int(connection.execute(query).scalar_one())


def make_first_admin(
    engine: Engine, *, email: str, name: str, password: str, now: datetime
) -> accounts.Account | None:
    """The clinic's first admin account, or None when an admin exists already (then
    nothing is changed). Raises ``AccountProblem`` for an email, name or password
    that cannot be used."""
    with engine.begin() as connection:
        # Two inits at once make one admin: the second waits here, then finds it.
        connection.execute(text("SELECT pg_advisory_xact_lock(8422)"))
        if accounts.has_admin(connection):
            return None
        return accounts.create_account(
            connection, role="admin", email=email, name=name, password=password, now=now
        )


@dataclass
class Readiness:
    """What ``easeback server check`` finds: problems stop the server, warnings do not."""

    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    public_url: str = ""
    postgresql: str | None = None
    patients: int | None = None
    admins: int | None = None

    @property
    def ready(self) -> bool:
        return not self.problems

    def to_json(self) -> dict[str, Any]:
        return {
            "ready": self.ready,
            "problems": self.problems,
            "warnings": self.warnings,
            "public_url": self.public_url,
            "postgresql": self.postgresql,
            "patients": self.patients,
            "admins": self.admins,
        }


def readiness(config: ServerConfig) -> Readiness:
    """What is wrong with ``config`` and its database, changing neither."""
    found = Readiness(
        problems=config.problems(), warnings=config.warnings(), public_url=config.public_url
    )
    url = config.database
    if (
        not url
        or not url.startswith(("postgresql://", "postgresql+psycopg://"))
        or split_url(url) is None
    ):
        return found  # config.problems() has said what to set
    engine = make_engine(psycopg_url(url), poolclass=NullPool)
    try:
        number, found.postgresql = server_version(engine)
        if (old := too_old(number, found.postgresql)) is not None:
            found.problems.append(old)
        with engine.connect() as connection:
            made = connection.execute(text("SELECT to_regclass(:t)"), {"t": f"{SCHEMA}.accounts"})
            if made.scalar() is None:
                found.problems.append(f"The clinic's tables are not made yet: {RUN_INIT}")
                return found
            found.patients = len(patient_schemas(connection))
        found.admins = admin_count(engine)
        if found.admins == 0:
            found.problems.append(f"The clinic has no admin account yet: {RUN_INIT}")
    except SQLAlchemyError as exc:
        found.problems.append(unreachable(engine, exc))
    finally:
        engine.dispose()
    return found
