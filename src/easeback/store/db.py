"""Where the data lives and how the database is opened.

One SQLite file under the user's data directory by default; ``EASEBACK_DB`` or
``--db`` (a path or a SQLAlchemy URL) overrides it. SQLite runs in WAL mode with
``synchronous=FULL`` so that an event, once committed, survives an operating-system
crash and not only a crashed process. The schema is brought up to date by Alembic
every time the store is opened.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import quote

from alembic.util import CommandError
from sqlalchemy import URL, Connection, Engine, create_engine, event, inspect, text
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.pool import NullPool

from easeback.core.errors import StoreError
from easeback.store.faults import Fault, diagnose, explain
from easeback.store.journal import replay
from easeback.store.location import resolve_url, sqlite_file

# How long a write waits for another program's lock before giving up. Commands wait
# a while (a backup finishes); the session writer and the web app pass less, since a
# player or a page must never freeze on the disk (they keep the write and retry).
BUSY_WAIT_MS = 5000


def _pragmas(busy_ms: int) -> Callable[[Any, Any], None]:
    def apply(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_ms)}")
        cursor.close()

    return apply


def make_engine(url: str | URL, *, busy_ms: int = BUSY_WAIT_MS, **options: Any) -> Engine:
    engine = create_engine(url, **options)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _pragmas(busy_ms))
    return engine


def read_only_connection(path: Path) -> sqlite3.Connection:
    """The SQLite file at ``path`` opened for reading only, for when writing is
    impossible (its connections may be used from any thread).

    On a full disk SQLite cannot even make the shared-memory file a WAL reader needs,
    so reading falls back to opening the file as immutable; that is safe only when no
    write-ahead log holds newer pages, so it is used only then.
    """
    quoted = quote(str(path))
    wal = Path(f"{path}-wal")
    modes = ["mode=ro"]
    if not wal.exists() or wal.stat().st_size == 0:
        modes.append("immutable=1")
    last: sqlite3.Error = sqlite3.OperationalError("no way to read it")
    for mode in modes:
        connection = sqlite3.connect(f"file:{quoted}?{mode}", uri=True, check_same_thread=False)
        try:
            connection.execute("SELECT 1 FROM sqlite_master").close()
            connection.execute("PRAGMA query_only=ON")
        except sqlite3.Error as exc:
            connection.close()
            last = exc
            continue
        return connection
    raise last


def fallback_engine(path: Path, busy_ms: int) -> Engine:
    """An engine for a store that could not be written when it was opened: each
    connection it makes tries to open the file as usual first, and reads only when
    that fails. So a long-running app (the web app) writes again as soon as space is
    freed or the folder made writable, with no restart."""
    read_only_connection(path).close()  # fails here, not at the first query
    pragmas = _pragmas(busy_ms)

    def connect() -> sqlite3.Connection:
        connection = sqlite3.connect(path, check_same_thread=False)
        try:
            pragmas(connection, None)
            connection.execute("SELECT 1 FROM sqlite_master").close()
        except sqlite3.Error:
            connection.close()
            return read_only_connection(path)
        return connection

    return create_engine(f"sqlite:///{path}", creator=connect, poolclass=NullPool)


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest revision (cheap when it already is: Alembic is
    imported only when there is something to do).

    A database that holds tables but is not an easeback store (another program's
    file, given by mistake) is refused untouched: migrating would write easeback's
    tables into it.
    """
    from easeback.store.quick import SCHEMA_REVISION

    try:
        with engine.connect() as connection:
            current = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except SQLAlchemyError:
        with engine.connect() as connection:  # a real read error raises here again
            tables = set(inspect(connection).get_table_names())
        if "alembic_version" in tables:
            raise
        current = None
        if tables:
            _refuse_foreign(engine, tables)
    if current == SCHEMA_REVISION:
        return
    from alembic.script import ScriptDirectory

    scripts = ScriptDirectory.from_config(alembic_config())
    if current is not None and current not in {s.revision for s in scripts.walk_revisions()}:
        with engine.connect() as connection:
            tables = set(inspect(connection).get_table_names())
        if not tables >= EASEBACK_TABLES:
            _refuse_foreign(engine, tables)
    with engine.connect() as connection:
        if engine.dialect.name != "sqlite":
            with connection.begin():
                upgrade(connection)
            return
        # SQLite rebuilds a table to change a column (a copy, then DROP TABLE): with
        # foreign keys on, dropping a table others point to fails. They are off for the
        # migration (a pragma that only takes effect outside a transaction), checked
        # before it commits, and on again after.
        raw = connection.connection.driver_connection
        raw.execute("PRAGMA foreign_keys=OFF")  # type: ignore[union-attr]
        try:
            with connection.begin():
                upgrade(connection)
                broken = connection.execute(text("PRAGMA foreign_key_check")).first()
                if broken is not None:
                    raise StoreError(
                        f"the store's records do not fit together after upgrading it "
                        f"(table {broken[0]}); it was left as it was"
                    )
        finally:
            raw.execute("PRAGMA foreign_keys=ON")  # type: ignore[union-attr]


def alembic_config(package: str = "easeback.store") -> Any:
    """Alembic's configuration for the migrations kept in ``package``."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(resources.files(package).joinpath("migrations")))
    return config


def upgrade(
    connection: Connection, package: str = "easeback.store", schema: str | None = None
) -> None:
    """Run the migrations of ``package`` up to their newest on ``connection``, inside
    its transaction; with ``schema``, into that PostgreSQL schema (its version table
    too): how a clinic's server gives each patient the very tables of a person's own
    SQLite file."""
    from alembic import command
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    config = alembic_config(package)
    head = ScriptDirectory.from_config(config).get_current_head()
    options = {"version_table_schema": schema} if schema else {}
    if MigrationContext.configure(connection, opts=options).get_current_revision() == head:
        return
    config.attributes["connection"] = connection
    config.attributes["schema"] = schema
    command.upgrade(config, "head")


# Tables every easeback store has had since its first schema.
EASEBACK_TABLES = {"sessions", "events", "consents"}


def _refuse_foreign(engine: Engine, tables: set[str]) -> None:
    path = sqlite_file(str(engine.url))
    shown = str(path) if path is not None else engine.url.render_as_string(hide_password=True)
    names = ", ".join(sorted(tables)[:5]) + (", ..." if len(tables) > 5 else "")
    raise StoreError(
        f"{shown} holds another program's tables ({names}), not an easeback store; "
        "easeback has left it untouched. Give a new file with --db or EASEBACK_DB."
    )


def open_store(db: str | None = None, *, busy_ms: int = BUSY_WAIT_MS) -> Engine:
    """Open (creating and migrating when needed) the database named by ``db``.

    A store that cannot be written (a full disk, a read-only folder) is opened for
    reading, so history, reports, exports and backups still work; a write through it
    then fails with the real cause named. Refused: an in-memory database (it keeps
    nothing) and a file that holds another program's tables.
    """
    url = resolve_url(db)
    if _in_memory(url):
        raise StoreError(
            f"{url} is a database in memory, which keeps nothing once easeback stops; "
            "give a file path instead, e.g. --db ~/easeback.db"
        )
    try:
        engine = make_engine(url, busy_ms=busy_ms)
    except ArgumentError as exc:  # also NoSuchModuleError: an unknown dialect
        raise StoreError(f"easeback cannot use the database URL {url!r}: {exc}") from exc
    except ImportError as exc:
        raise StoreError(
            f"no database driver for {url.split(':', 1)[0]!r} is installed ({exc.name}); "
            "easeback works out of the box with a SQLite file path"
        ) from exc
    path = sqlite_file(url)
    shown = str(path) if path is not None else engine.url.render_as_string(hide_password=True)
    if path is not None and not _looks_like_sqlite(path):
        engine.dispose()
        raise StoreError(
            f"{shown} is not an SQLite database, so it cannot be an easeback store; easeback "
            "has left it untouched. Give the path of your store, or of a new file, with --db "
            "or EASEBACK_DB; if it was your store and something wrote over it, restore your "
            "latest backup with: easeback restore BACKUP-FILE"
        )
    try:
        migrate(engine)
        if path is not None:
            # Write-ahead logging, set once the file is known to be ours (it changes
            # the file's header, and another program's file must stay untouched).
            with engine.connect() as connection:
                connection.exec_driver_sql("PRAGMA journal_mode=WAL")
            # Sessions that could not be saved while they were played are saved now;
            # one refused again waits for the next start (usecases/recording.py).
            replay(engine, path)
    except CommandError as exc:
        engine.dispose()
        raise StoreError(
            f"{shown} was written by a newer version of easeback ({exc}); update easeback "
            "to use it. The file has not been changed."
        ) from exc
    except SQLAlchemyError as exc:
        engine.dispose()
        fault = diagnose(exc, path)
        if path is not None and fault in (Fault.FULL, Fault.READ_ONLY, Fault.IO):
            return _opened_for_reading(path, fault, exc, shown, busy_ms)
        problem = explain(exc, path, shown)
        if problem is not None:
            raise problem from exc
        # One line, however the driver spaced it (psycopg's own lines and tabs).
        reason = " ".join(str(getattr(exc, "orig", None) or exc).split())
        end = " " if reason.endswith((".", "?", "!")) else ". "
        advice = (
            "Check the path, or point EASEBACK_DB or --db at a writable file."
            if path is not None
            else "Check that the database server is running and the address, user and "
            "database name in the URL are right."
        )
        raise StoreError(f"cannot open the database {shown}: {reason}{end}{advice}") from exc
    return engine


def _looks_like_sqlite(path: Path) -> bool:
    """An empty or missing file (a new store), or one that begins as SQLite's do."""
    from easeback.store.backup import SQLITE_HEADER

    try:
        with path.open("rb") as handle:
            head = handle.read(len(SQLITE_HEADER))
    except OSError:
        return True  # not readable here: opening it names the real cause
    return head in (b"", SQLITE_HEADER)


def _in_memory(url: str) -> bool:
    """A SQLite URL that names no file: ``sqlite://``, ``:memory:``, ``mode=memory``."""
    from sqlalchemy.engine import make_url

    try:
        parsed = make_url(url)
    except ArgumentError:
        return False  # refused with its own message when the engine is made
    if not parsed.drivername.startswith("sqlite"):
        return False
    return (parsed.database or "") in ("", ":memory:") or "mode=memory" in url


def _opened_for_reading(
    path: Path, fault: Fault, exc: SQLAlchemyError, shown: str, busy_ms: int
) -> Engine:
    """The store at ``path`` for reading (writing again once it can: see
    ``fallback_engine``), when writing failed with ``fault``."""
    from easeback.store.quick import SCHEMA_REVISION

    problem = explain(exc, path, shown) or StoreError(str(exc), fault=fault)
    try:
        engine = fallback_engine(path, busy_ms)
    except sqlite3.Error:
        raise problem from exc
    try:
        with engine.connect() as connection:
            current = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except SQLAlchemyError:
        engine.dispose()
        raise problem from exc
    if current != SCHEMA_REVISION:  # an older store needs writing to be brought up to date
        engine.dispose()
        raise problem from exc
    return engine


def known_revisions() -> set[str]:
    """Every schema revision this version of easeback can read (and migrate from)."""
    from alembic.script import ScriptDirectory

    scripts = ScriptDirectory.from_config(alembic_config())
    return {script.revision for script in scripts.walk_revisions()}
