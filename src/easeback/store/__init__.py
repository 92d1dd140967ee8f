"""The event store: SQLite by default, any SQLAlchemy URL by configuration."""

from __future__ import annotations

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from easeback.errors import StoreError
from easeback.store.db import make_engine, migrate, resolve_url

__all__ = ["StoreError", "open_store"]


def open_store(db: str | None = None) -> Engine:
    """Open (creating and migrating when needed) the database named by ``db``."""
    url = resolve_url(db)
    engine = make_engine(url)
    try:
        migrate(engine)
    except SQLAlchemyError as exc:
        engine.dispose()
        reason = getattr(exc, "orig", None) or exc
        raise StoreError(
            f"cannot open the database {engine.url.render_as_string(hide_password=True)}: "
            f"{reason}. Check the path, or point EASEBACK_DB or --db at a writable file."
        ) from exc
    return engine
