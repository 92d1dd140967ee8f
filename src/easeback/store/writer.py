"""The session writer: a session's records written on their own thread, so the player
never waits for the disk.

The player hands each record over and carries on at once. The writer commits what it
has, usually within a few milliseconds. When the store will not take it (another
program holds it, the disk is full) the writer keeps everything in memory and in the
session's journal (journal.py), says so through ``status``, and tries the store again
every ``retry_s`` seconds; meanwhile each record that comes is put in the journal as
it comes, so a kill loses nothing already handed over. At the end of the session
``finish`` waits a little, and what is still not written stays in the journal for
the next easeback to write.
"""

from __future__ import annotations

import contextlib
import signal
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine

from easeback.store.db import make_engine
from easeback.store.faults import Fault, diagnose
from easeback.store.journal import Journal
from easeback.store.records import Record, apply

RETRY_S = 1.0
BUSY_MS = 50


@dataclass(frozen=True)
class SavingStatus:
    """How saving stands: records not in the store yet, and why they wait.

    ``kept`` is True when every waiting record is safe in the journal on disk (it is
    False only while a record is in memory alone: being written, or with no room left).
    """

    waiting: int
    fault: Fault | None
    kept: bool
    journal: Path | None

    @property
    def delayed(self) -> bool:
        return self.fault is not None


class SessionWriter:
    """Takes records from the player's thread; writes them on its own."""

    def __init__(
        self,
        engine: Engine,
        journal: Journal | None,
        *,
        store: Path | None = None,
        retry_s: float = RETRY_S,
        busy_ms: int = BUSY_MS,
    ) -> None:
        # Its own engine, which gives up on another program's lock quickly: the
        # writer would rather keep a record in the journal and try again than stall.
        self._engine = make_engine(engine.url, busy_ms=busy_ms)
        self._journal = journal
        self._store = store
        self._retry_s = retry_s
        self._queue: list[Record] = []
        self._journaled = 0  # how many of the queue's first records are in the journal
        self._fault: Fault | None = None
        self._head: Record | None = None  # the session's own row: every journal opens with it
        self._stop_at: float | None = None
        self._closed = False
        self._cond = threading.Condition()
        self._thread = threading.Thread(target=self._run, name="easeback-writer", daemon=True)
        # Signals are the main thread's: a Ctrl-C the kernel handed to this thread would
        # still interrupt the main one, even where it holds stop signals back between
        # playing a phase and saving it (terminal/keys.py). A thread starts with its
        # maker's signal mask, so it is made with every signal held back.
        held = signal.pthread_sigmask(signal.SIG_BLOCK, signal.valid_signals())
        try:
            self._thread.start()
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, held)

    def record(self, record: Record) -> None:
        """Hand a record over; never waits for the disk."""
        with self._cond:
            if self._head is None and record.kind == "session":
                self._head = record
            self._queue.append(record)
            self._cond.notify()

    @property
    def status(self) -> SavingStatus:
        with self._cond:
            return self._status()

    def _status(self) -> SavingStatus:
        return SavingStatus(
            waiting=len(self._queue),
            fault=self._fault,
            kept=self._journaled == len(self._queue),
            journal=self._journal.path if self._journal else None,
        )

    def settle(self, wait_s: float) -> SavingStatus:
        """Wait up to ``wait_s`` seconds until every record handed over so far is kept:
        in the store, or in the journal on disk. For the moment between the end of a
        session and the next question: a pain stop is kept before anything else."""
        deadline = time.monotonic() + wait_s
        with self._cond:
            while self._journaled < len(self._queue) and self._thread.is_alive():
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._cond.wait(left)
            return self._status()

    def finish(self, wait_s: float) -> SavingStatus:
        """Write what is left, trying for up to ``wait_s`` seconds, then stop; what is
        still waiting stays in the journal, for the next easeback to write.

        When even the journal had no room, the records are still in memory: calling
        ``finish`` again (once space is freed) tries the store and the journal again.
        """
        if self._thread.is_alive():
            with self._cond:
                self._stop_at = time.monotonic() + wait_s
                self._cond.notify()
            self._thread.join()
        elif self._queue:
            # Stopped earlier with records in memory alone: one more try, here.
            fault = self._write(list(self._queue))
            if fault is None:
                self._queue.clear()
                self._journaled = 0
            self._fault = fault
        self._journaled += self._keep(self._queue[self._journaled :])
        status = self._status()
        if status.kept and not self._closed:
            self._closed = True
            self._engine.dispose()
            if self._journal is not None:
                self._journal.close()
        return status

    # --- the writer's thread ---------------------------------------------------------
    # Only this thread writes to the store and the journal (until ``finish`` has joined
    # it), and it never holds the lock while it does: ``record`` must never wait.

    def _run(self) -> None:
        retry_at = 0.0  # after a refusal, when the store may be tried again
        keep_blocked = False  # the journal had no room: wait for the next try
        while True:
            with self._cond:
                while True:
                    now = time.monotonic()
                    stop_at = self._stop_at
                    if not self._queue:
                        if stop_at is not None:
                            return
                        self._cond.wait()
                        continue
                    if now >= retry_at:
                        break  # try the store
                    if len(self._queue) > self._journaled and not keep_blocked:
                        break  # saving is delayed: keep what just came on disk at once
                    if stop_at is not None and now >= stop_at:
                        return
                    wake = retry_at if stop_at is None else min(retry_at, stop_at)
                    self._cond.wait(max(0.0, wake - now))
                batch = list(self._queue)
                journaled = self._journaled
            if time.monotonic() < retry_at:
                kept = self._keep(batch[journaled:])
                keep_blocked = kept == 0
                with self._cond:
                    self._journaled = journaled + kept
                    self._cond.notify_all()
                continue
            fault = self._write(batch)
            if fault is None:
                with self._cond:
                    del self._queue[: len(batch)]
                    self._journaled = max(0, journaled - len(batch))
                    self._fault = None
                    emptied = self._journaled == 0
                    self._cond.notify_all()
                keep_blocked = False
                if emptied and self._journal is not None and self._journal.holds_records:
                    # Replaying records already stored writes nothing twice, so a
                    # journal that cannot be cleared does no harm.
                    with contextlib.suppress(OSError):
                        self._journal.clear()
                continue
            kept = self._keep(batch[journaled:])
            keep_blocked = kept < len(batch) - journaled
            with self._cond:
                self._fault = fault
                self._journaled = journaled + kept
                self._cond.notify_all()
            retry_at = time.monotonic() + self._retry_s

    def _write(self, batch: list[Record]) -> Fault | None:
        try:
            with self._engine.begin() as connection:
                apply(connection, batch)
        except Exception as exc:  # a storage fault, named; anything else is kept too
            return diagnose(exc, self._store) or Fault.IO
        return None

    def _keep(self, records: list[Record]) -> int:
        """Put records in the journal; how many it took (none when there is no room:
        they stay in memory, and ``status.kept`` says so)."""
        if not records or self._journal is None:
            return 0
        # A journal names its session first, so it can be replayed on its own (the
        # session's row may have been written, then lost with an older backup).
        head = self._head
        opening = [head] if head and not self._journal.holds_records and head not in records else []
        try:
            self._journal.append(opening + records)
        except OSError:
            return 0
        return len(records)
