"""The event store: SQLite by default, any SQLAlchemy URL by configuration.

Importing this package is cheap on purpose (commands that only read a few rows must
start fast): SQLAlchemy and Alembic load when a store is opened.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from easeback.core.errors import StoreError

if TYPE_CHECKING:
    from sqlalchemy import Engine

__all__ = ["StoreError", "open_store"]


def open_store(db: str | None = None, *, busy_ms: int = 5000) -> Engine:
    """Open (creating and migrating when needed) the database named by ``db``; a write
    waits up to ``busy_ms`` for another program's lock (see store/db.py)."""
    from easeback.store.db import open_store as open_engine

    return open_engine(db, busy_ms=busy_ms)
