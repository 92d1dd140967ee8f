"""Where the data lives and how the database is opened.

One SQLite file under the user's data directory by default; ``EASEBACK_DB`` or
``--db`` (a path or a SQLAlchemy URL) overrides it. SQLite runs in WAL mode with
``synchronous=FULL`` so that an event, once committed, survives an operating-system
crash and not only a crashed process. The schema is brought up to date by Alembic
every time the store is opened.
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from easeback.errors import StoreError

ENV_VAR = "EASEBACK_DB"


def default_path() -> Path:
    from platformdirs import user_data_path

    return user_data_path("easeback", appauthor=False) / "easeback.db"


def resolve_url(db: str | None = None) -> str:
    """A SQLAlchemy URL from ``--db``, then ``EASEBACK_DB``, then the default file."""
    value = db or os.environ.get(ENV_VAR) or ""
    if "://" in value:
        try:
            make_url(value)
        except ArgumentError as exc:
            raise StoreError(f"{value!r} is not a database URL or path ({exc})") from exc
        return value
    path = Path(value).expanduser() if value else default_path()
    if path.is_dir():
        raise StoreError(f"{path} is a folder; give a file path such as {path / 'easeback.db'}")
    try:
        # Health data: a new folder and file are readable by their owner only.
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not path.exists():
            os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
    except OSError as exc:
        raise StoreError(f"cannot create {path}: {exc.strerror}") from exc
    return f"sqlite:///{path.resolve()}"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def make_engine(url: str) -> Engine:
    engine = create_engine(url)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest revision (cheap when it already is)."""
    from alembic import command
    from alembic.config import Config
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option(
        "script_location", str(resources.files("easeback.store").joinpath("migrations"))
    )
    head = ScriptDirectory.from_config(config).get_current_head()
    with engine.begin() as connection:
        if MigrationContext.configure(connection).get_current_revision() == head:
            return
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
