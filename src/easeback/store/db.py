"""Where the data lives and how the database is opened.

One SQLite file under the user's data directory by default; ``EASEBACK_DB`` or
``--db`` (a path or a SQLAlchemy URL) overrides it. SQLite runs in WAL mode with
``synchronous=FULL`` so that an event, once committed, survives an operating-system
crash and not only a crashed process. The schema is brought up to date by Alembic
every time the store is opened.
"""

from __future__ import annotations

from importlib import resources
from typing import Any

from alembic.util import CommandError
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from easeback.core.errors import StoreError
from easeback.store.location import resolve_url


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
    """Bring the schema to the newest revision (cheap when it already is: Alembic is
    imported only when there is something to do)."""
    from sqlalchemy import text
    from sqlalchemy.exc import SQLAlchemyError

    from easeback.store.quick import SCHEMA_REVISION

    try:
        with engine.connect() as connection:
            current = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except SQLAlchemyError:
        current = None  # a new store: no table yet
    if current == SCHEMA_REVISION:
        return
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


def open_store(db: str | None = None) -> Engine:
    """Open (creating and migrating when needed) the database named by ``db``."""
    url = resolve_url(db)
    try:
        engine = make_engine(url)
    except ArgumentError as exc:  # also NoSuchModuleError: an unknown dialect
        raise StoreError(f"easeback cannot use the database URL {url!r}: {exc}") from exc
    except ImportError as exc:
        raise StoreError(
            f"no database driver for {url.split(':', 1)[0]!r} is installed ({exc.name}); "
            "easeback works out of the box with a SQLite file path"
        ) from exc
    shown = engine.url.render_as_string(hide_password=True)
    try:
        migrate(engine)
    except CommandError as exc:
        engine.dispose()
        raise StoreError(
            f"{shown} was written by a newer version of easeback ({exc}); update easeback "
            "to use it. The file has not been changed."
        ) from exc
    except SQLAlchemyError as exc:
        engine.dispose()
        reason = getattr(exc, "orig", None) or exc
        raise StoreError(
            f"cannot open the database {shown}: {reason}. Check the path, or point "
            "EASEBACK_DB or --db at a writable file."
        ) from exc
    return engine


def known_revisions() -> set[str]:
    """Every schema revision this version of easeback can read (and migrate from)."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option(
        "script_location", str(resources.files("easeback.store").joinpath("migrations"))
    )
    return {script.revision for script in ScriptDirectory.from_config(config).walk_revisions()}
