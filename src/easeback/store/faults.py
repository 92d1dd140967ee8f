"""Why the store could not be used, named by its real cause and with what to do.

SQLite reports a full disk, a read-only folder and a damaged file in several ways
(``database or disk is full``, ``attempt to write a readonly database``, a bare
``disk I/O error`` when it cannot make its shared-memory file...). Every shell and
the session writer ask here, so a person is told the same thing wherever it happens:
the cause (locked by another program, disk full, read-only, damaged) and the next
step. Light to import: no SQLAlchemy, only the standard library.
"""

from __future__ import annotations

import errno
import os
from enum import StrEnum
from pathlib import Path

from easeback.core.errors import StoreError


class Fault(StrEnum):
    """The cause of a failed read or write, as a person can act on it."""

    LOCKED = "locked"
    FULL = "full"
    READ_ONLY = "read-only"
    DAMAGED = "damaged"
    MISSING = "missing"
    IO = "io"


# Below this much free space a bare I/O error is a full disk: SQLite needs room for
# its journal and its 32 KiB shared-memory file before it can even read.
FULL_BELOW_BYTES = 1 << 20

_FULL_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}
_READ_ONLY_ERRNOS = {errno.EROFS, errno.EACCES, errno.EPERM}


def diagnose(exc: BaseException, path: Path | None = None) -> Fault | None:
    """The cause behind ``exc`` (an sqlite3, SQLAlchemy or OS error), or None when
    it is not a storage fault at all (a bug, say)."""
    orig = getattr(exc, "orig", None) or exc
    if isinstance(orig, OSError) and orig.errno is not None:
        if orig.errno in _FULL_ERRNOS:
            return Fault.FULL
        if orig.errno in _READ_ONLY_ERRNOS:
            return Fault.READ_ONLY
        return _by_folder(path) or Fault.IO
    name = str(getattr(orig, "sqlite_errorname", "") or "")
    text = str(orig).lower()
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")) or "is locked" in text:
        return Fault.LOCKED
    if name == "SQLITE_FULL" or "disk is full" in text:
        return Fault.FULL
    if name.startswith("SQLITE_READONLY") or "readonly database" in text:
        return _by_folder(path) or Fault.READ_ONLY
    if name.startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB")) or (
        "malformed" in text or "not a database" in text
    ):
        return Fault.DAMAGED
    if name.startswith(("SQLITE_IOERR", "SQLITE_CANTOPEN")) or (
        "disk i/o error" in text or "unable to open database" in text
    ):
        return _by_folder(path) or Fault.IO
    return None


def _by_folder(path: Path | None) -> Fault | None:
    """A full or read-only file system under ``path``, seen from the outside."""
    if path is None:
        return None
    folder = path.parent
    if not folder.is_dir():
        return Fault.MISSING
    try:
        stats = os.statvfs(folder)
    except OSError:
        return None
    if stats.f_flag & os.ST_RDONLY or not os.access(folder, os.W_OK):
        return Fault.READ_ONLY  # first: a read-only file system reports no free space
    if stats.f_bavail * stats.f_frsize < FULL_BELOW_BYTES:
        return Fault.FULL
    if path.exists() and not os.access(path, os.W_OK):
        return Fault.READ_ONLY
    return None


def describe(fault: Fault, shown: str, detail: str = "") -> str:
    """One message: what happened to the store at ``shown``, and what to do."""
    if fault is Fault.LOCKED:
        return (
            f"another program is using {shown} (a backup, an import or a second easeback, "
            "perhaps), so easeback could not save just now. Nothing already saved is lost; "
            "try again when it has finished."
        )
    if fault is Fault.FULL:
        return (
            f"the disk that holds {shown} is full, so easeback could not save. Free some "
            "space, then try again; reading, exporting and backing up still work."
        )
    if fault is Fault.READ_ONLY:
        return (
            f"{shown} cannot be written: the file or its folder is read-only. Make it "
            "writable, or point --db (or EASEBACK_DB) at a file you can write; reading, "
            "exporting and backing up still work."
        )
    if fault is Fault.MISSING:
        return (
            f"the folder of {shown} does not exist. Create it, or point --db (or "
            "EASEBACK_DB) at a file in a folder that exists."
        )
    if fault is Fault.DAMAGED:
        return (
            f"{shown} is damaged{_said(detail)}. Restore your latest backup with: "
            "easeback restore BACKUP-FILE (the damaged file is kept until that succeeds)."
        )
    return (
        f"the disk reported an error while easeback used {shown}{_said(detail)}. Check "
        "the disk, then try again; if it keeps happening, restore your latest backup "
        "with: easeback restore BACKUP-FILE."
    )


def _said(detail: str) -> str:
    return f" (SQLite says: {detail})" if detail else ""


def explain(exc: BaseException, path: Path | None, shown: str | None = None) -> StoreError | None:
    """A ``StoreError`` naming the cause of ``exc``, or None when it is not a storage
    fault (then the caller lets it through as the bug it is)."""
    fault = diagnose(exc, path)
    if fault is None:
        return None
    orig = getattr(exc, "orig", None) or exc
    detail = str(orig).splitlines()[0] if str(orig) else ""
    detail = "" if isinstance(orig, OSError) else detail
    return StoreError(describe(fault, shown or str(path or "the database"), detail), fault=fault)
