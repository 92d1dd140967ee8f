"""Backups of the SQLite store, and restoring one.

A backup uses SQLite's online backup, so it is consistent even while the web app or
a session is writing. A restore checks the file completely (an SQLite database,
easeback's tables, a schema this version knows, integrity) on a copy, brings the
copy up to date, and only then swaps it in: until that moment the current data is
untouched.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import tempfile
from pathlib import Path

from easeback.core.errors import StoreError

SQLITE_HEADER = b"SQLite format 3\x00"
REQUIRED_TABLES = {"alembic_version", "sessions", "events", "consents"}


class BackupError(ValueError):
    """A backup file that cannot be used, with the reason."""


def backup(source: Path, target: Path) -> int:
    """Copy the store at ``source`` into ``target`` (replaced whole or not at all);
    returns the number of bytes written."""
    fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=".easeback-", suffix=".db")
    os.close(fd)
    try:
        live = _reader(source)
        try:
            with sqlite3.connect(temporary) as copy:
                live.backup(copy)
                copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
            copy.close()
        finally:
            live.close()
        os.chmod(temporary, 0o600)
        for suffix in ("-wal", "-shm"):  # a journal left beside an old file there
            Path(str(target) + suffix).unlink(missing_ok=True)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return target.stat().st_size


def _reader(source: Path) -> sqlite3.Connection:
    """The store to copy from: as usual, or read-only when its disk is full or its
    folder read-only (a backup is most needed then)."""
    from easeback.store.db import read_only_connection

    live = sqlite3.connect(source)
    try:
        live.execute("SELECT 1 FROM sqlite_master").close()
    except sqlite3.OperationalError:
        live.close()
        return read_only_connection(source)
    return live


def check_backup(path: Path, known_revisions: set[str]) -> str:
    """The schema revision of a usable easeback backup; BackupError otherwise."""
    try:
        with path.open("rb") as handle:
            header = handle.read(16)
    except OSError as exc:
        raise BackupError(f"cannot read {path}: {exc.strerror}") from None
    if header != SQLITE_HEADER:
        raise BackupError(f"{path} is not an easeback backup (not an SQLite database)")
    if Path(str(path) + "-wal").exists():
        raise BackupError(
            f"{path} has a journal file beside it ({path.name}-wal), so it is in use or was "
            "copied while in use; make a backup with 'easeback backup FILE'"
        )
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        tables = {r[0] for r in connection.execute("SELECT name FROM sqlite_master")}
        if not tables >= REQUIRED_TABLES:
            raise BackupError(f"{path} is an SQLite database, but not an easeback backup")
        revision = connection.execute("SELECT version_num FROM alembic_version").fetchone()
        if revision is None or revision[0] not in known_revisions:
            raise BackupError(
                f"{path} comes from another version of easeback (schema "
                f"{revision[0] if revision else 'unknown'}); update easeback first"
            )
        if connection.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            raise BackupError(f"{path} is damaged (SQLite's integrity check fails)")
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path} cannot be read as a database: {exc}") from None
    finally:
        connection.close()
    return str(revision[0])


def restore(backup_file: Path, store: Path, known_revisions: set[str]) -> Path | None:
    """Replace the store at ``store`` with ``backup_file``, all or nothing; returns
    where the file it replaced is kept, when it was not an SQLite database."""
    from easeback.store.db import make_engine, migrate

    check_backup(backup_file, known_revisions)
    fd, temporary = tempfile.mkstemp(dir=store.parent, prefix=".easeback-restore-", suffix=".db")
    os.close(fd)
    try:
        with sqlite3.connect(backup_file) as source, sqlite3.connect(temporary) as copy:
            source.backup(copy)
        source.close()
        copy.close()
        engine = make_engine(f"sqlite:///{temporary}")
        try:
            migrate(engine)  # an older backup is brought up to this version's schema
        finally:
            engine.dispose()
        with sqlite3.connect(temporary) as check:
            if check.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                raise StoreError("the restored copy failed its integrity check; nothing changed")
        check.close()
        return _swap_in(Path(temporary), store)
    finally:
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(temporary + suffix).unlink(missing_ok=True)


def _swap_in(ready: Path, store: Path) -> Path | None:
    """Make the store hold what ``ready`` holds; returns where the file it replaced is
    kept, when it was replaced as a file.

    Through SQLite's own backup into the live file, so a running easeback (the web
    app, say) sees the restored data at once instead of writing on into a replaced
    file. Only a store so damaged that SQLite cannot open it is replaced as a file,
    and that file is kept beside it first: it may not have been a store at all.
    """
    try:
        with sqlite3.connect(ready) as source, sqlite3.connect(store, timeout=10) as live:
            source.backup(live)
        source.close()
        live.close()
    except sqlite3.DatabaseError as exc:
        if "not a database" not in str(exc) and "malformed" not in str(exc):
            raise StoreError(f"could not restore into {store}: {exc}; nothing changed") from exc
        kept = store.with_name(f"{store.name}.before-restore")
        shutil.copyfile(store, kept)
        os.chmod(kept, 0o600)
        os.chmod(ready, 0o600)
        os.replace(ready, store)
        for suffix in ("-wal", "-shm"):
            Path(str(store) + suffix).unlink(missing_ok=True)
        return kept
    return None
