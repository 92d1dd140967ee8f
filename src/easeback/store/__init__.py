"""The event store: SQLite by default, any SQLAlchemy URL by configuration."""

from __future__ import annotations

from alembic.util import CommandError
from sqlalchemy import Engine
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from easeback.errors import StoreError
from easeback.store.db import make_engine, migrate, resolve_url

__all__ = ["StoreError", "open_store"]


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
