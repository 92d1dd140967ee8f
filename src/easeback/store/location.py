"""Where the database is: ``--db``, ``EASEBACK_DB`` or the default file.

No SQLAlchemy here: commands that read a few rows with plain sqlite3 use it too.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import quote, unquote

from easeback.core.errors import StoreError

ENV_VAR = "EASEBACK_DB"


def default_path() -> Path:
    from platformdirs import user_data_path

    return user_data_path("easeback", appauthor=False) / "easeback.db"


def resolve_url(db: str | None = None) -> str:
    """A SQLAlchemy URL from ``--db``, then ``EASEBACK_DB``, then the default file."""
    value = db or os.environ.get(ENV_VAR) or ""
    if "://" in value:
        return value  # checked when the engine is made
    from easeback.content.files import reason_for, shown

    path = Path(value).expanduser() if value else default_path()
    try:
        if path.is_dir():
            raise StoreError(
                f"{shown(path)} is a folder; give a file path such as {shown(path / 'easeback.db')}"
            )
        if path.exists() and not path.is_file():
            raise StoreError(
                f"{shown(path)} is not a regular file (a device, a pipe or a socket); give "
                "the path of a database file"
            )
        # Health data: a new folder and file are readable by their owner only.
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not path.exists():
            os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
    except OSError as exc:
        raise StoreError(f"cannot use {shown(path)} for the database: {reason_for(exc)}") from exc
    # Quoted: a '?' or '#' in a file name would otherwise start a URL's query.
    return f"sqlite:///{quote(str(path.resolve()), safe='/')}"


def store_path(db: str | None = None) -> Path | None:
    """The SQLite file ``db`` names (as ``resolve_url`` would), without creating it;
    None for another kind of database."""
    value = db or os.environ.get(ENV_VAR) or ""
    if "://" in value:
        return sqlite_file(value)
    return (Path(value).expanduser() if value else default_path()).resolve()


def sqlite_file(url: str) -> Path | None:
    """The file behind a SQLite URL, or None for any other database."""
    for prefix in ("sqlite:///", "sqlite+pysqlite:///"):
        if url.startswith(prefix):
            return Path(unquote(url[len(prefix) :].split("?", 1)[0]))
    return None


def journal_path(store: Path, session_id: str) -> Path:
    """The journal a session keeps beside the store while saving is delayed (see
    journal.py): here, so that a quick read can look for one without SQLAlchemy."""
    return store.with_name(f"{store.name}-pending-{session_id}")


def pending_journals(store: Path) -> list[Path]:
    """Journals beside ``store``, oldest first (a cheap look at its folder)."""
    try:
        found = [p for p in store.parent.glob(f"{store.name}-pending-*") if p.is_file()]
        return sorted(found, key=lambda p: (p.stat().st_mtime, p.name))
    except OSError:
        return []


def data_folder(db: str | None = None) -> Path:
    """The person's data folder: the SQLite store's folder (so ``--db`` and
    ``EASEBACK_DB`` move everything together), else the default one."""
    path = store_path(db)
    return (path or default_path()).parent
