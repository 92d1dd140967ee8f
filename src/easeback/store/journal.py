"""The journal: a small file beside the store for what could not be written yet.

When another program holds the store (a backup, an import, a second easeback) or the
disk fills during a session, the session writer keeps the records it could not write
here, synced to disk, until the store takes them; if easeback stops first, the next
easeback to open the store writes them ("replay"). Room for a whole session is
reserved when it starts, so a disk that fills up meanwhile still has space for it.

One file per session, ``<store>-pending-<session id>``, locked while its writer runs,
so a replay in another process only takes journals whose writer has gone. Each record
is one line of JSON; the reserved room after the last one reads as zero bytes.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine

from easeback.store.faults import diagnose
from easeback.store.location import journal_path, pending_journals
from easeback.store.records import Record, apply

# Room reserved per session: a long routine makes a few hundred records of ~400 bytes.
RESERVE_BYTES = 256 * 1024


class Journal:
    """An open journal, locked by this process for as long as it is open."""

    def __init__(self, path: Path, fd: int) -> None:
        self.path = path
        self._fd = fd
        self._end = 0  # where the next record goes; 0: the journal holds nothing

    @classmethod
    def open(cls, store: Path, session_id: str) -> Journal:
        """Create, lock and reserve the journal of a session; OSError when it cannot
        (a full disk, a read-only folder), before the session begins.

        It is made under a name no replay looks for, and takes its own name only once
        it is locked: a replay in another process can never find it unlocked and empty
        (and remove it) in between.
        """
        path = journal_path(store, session_id)
        making = store.with_name(f".{store.name}-starting-{session_id}")
        fd = os.open(making, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            os.posix_fallocate(fd, 0, RESERVE_BYTES)
            os.fsync(fd)
            os.rename(making, path)
        except BaseException:
            os.close(fd)
            making.unlink(missing_ok=True)
            raise
        return cls(path, fd)

    @property
    def holds_records(self) -> bool:
        return self._end > 0

    def append(self, records: list[Record]) -> None:
        """Add records and sync them to disk before returning (OSError when even the
        reserved room is used up and the disk is full)."""
        if not records:
            return
        data = "".join(r.to_json() + "\n" for r in records).encode("utf-8")
        written = os.pwrite(self._fd, data, self._end)
        if written != len(data):
            raise OSError(28, "the journal could not take every record")
        os.fsync(self._fd)
        self._end += len(data)

    def clear(self) -> None:
        """Everything it held is in the store now: it reads as empty again."""
        if self._end:
            os.pwrite(self._fd, bytes(self._end), 0)  # zeros over all it held
            os.fsync(self._fd)
            self._end = 0

    def close(self) -> None:
        """Release it: removed when it holds nothing, kept (for replay) otherwise."""
        if not self._end:
            self.path.unlink(missing_ok=True)
        os.close(self._fd)


def read_records(data: bytes) -> list[Record]:
    """The records in a journal's bytes; a line cut short by a crash is left out."""
    text = data.split(b"\0", 1)[0].decode("utf-8", "replace")
    records = []
    for line in text.splitlines():
        try:
            records.append(Record.from_json(line))
        except ValueError:
            continue
    return records


@dataclass(frozen=True)
class Replay:
    """What a replay did: records written, and journals still waiting (their writer
    is alive, or the store refused them: ``problem`` says why)."""

    written: int
    waiting: list[Path]
    problem: Exception | None = None


def replay(engine: Engine, store: Path) -> Replay:
    """Write what journals beside ``store`` hold, once each, and remove them."""
    written = 0
    waiting: list[Path] = []
    problem: Exception | None = None
    for path in pending_journals(store):
        try:
            fd = os.open(path, os.O_RDWR)
        except OSError:
            continue  # removed meanwhile by its writer, or by another replay
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                waiting.append(path)  # its session is still being played
                continue
            records = read_records(_read_all(fd))
            if records:
                try:
                    with engine.begin() as connection:
                        written += apply(connection, records)
                except Exception as exc:
                    if diagnose(exc, store) is not None:  # kept for the next start
                        problem = exc
                        waiting.append(path)
                        continue
                    # Not the store's fault (a record the store can no longer take,
                    # say after restoring an older backup): write the others, one by
                    # one, so a journal can never stop every start for good.
                    written += _apply_each(engine, records)
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
        finally:
            os.close(fd)
    return Replay(written, waiting, problem)


def _apply_each(engine: Engine, records: list[Record]) -> int:
    written = 0
    for record in records:
        try:
            with engine.begin() as connection:
                written += apply(connection, [record])
        except Exception as exc:
            if diagnose(exc) is not None:
                raise
    return written


def _read_all(fd: int) -> bytes:
    size = os.fstat(fd).st_size
    return os.pread(fd, size, 0) if size else b""
