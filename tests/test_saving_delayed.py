"""A pain stop never waits for the disk: while another program holds the store, or the
disk fills up mid-session, the terminal player carries on, stops at once on p, says
plainly that saving is delayed, and everything (the pain stop and its follow-up
included) ends up in the store: at the end of the session or at the next start."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from easeback.store.location import pending_journals
from easeback.wording import messages
from helpers import EASEBACK, TIMEOUT, SmallDisk, Terminal, screened
from helpers import HeldLock as Lock

# 3 s to get ready, then 10 s holds: the hold begins (an event) while the store is held.
SHORT = """
name = "short-rotation"
prepare_s = 3
release_s = 2
switch_s = 2

[[stretches]]
id = "lower-back-rotation"
hold_s = 10
"""


def started(db_path: Path, routine: Path) -> Terminal:
    """`easeback start ROUTINE --plain` in a pseudo-terminal."""
    return Terminal(db_path, "start", str(routine), "--plain", columns=200)


@pytest.fixture
def sessions() -> Iterator[list[Terminal]]:
    started: list[Terminal] = []
    yield started
    for session in started:
        if session.child.isalive():
            session.child.terminate(force=True)


def easeback(db_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [EASEBACK, "--db", str(db_path), *args], capture_output=True, text=True, timeout=TIMEOUT
    )


def history(db_path: Path) -> dict:  # type: ignore[type-arg]
    done = easeback(db_path, "history", "--json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def play_until_the_hold_then_pain_stop(session: Terminal, lock: Lock | None = None) -> None:
    """At the pain question: rate 3, let the hold begin (with the store held when
    ``lock``), press p."""
    session.child.sendline("3")
    session.expect("Get ready")
    if lock is not None:
        # The session's first records could not be saved: it says so and carries on.
        session.expect(messages.SAVING_DELAYED.split(":")[0])
    session.expect("Hold")
    session.child.send("p")
    session.expect("Stopped because it hurt. That was the right thing to do.")


def saved_up_to(db_path: Path, kind: str) -> None:
    """Wait until the session's writer has stored an event of ``kind``."""
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        with sqlite3.connect(db_path) as store:
            found = store.execute("SELECT 1 FROM events WHERE kind = ?", (kind,)).fetchone()
        store.close()
        if found:
            return
        time.sleep(0.01)
    raise AssertionError(f"no {kind!r} event was saved within {TIMEOUT} s")


@pytest.fixture
def routine(tmp_path: Path) -> Path:
    path = tmp_path / "short.toml"
    path.write_text(SHORT, "utf-8")
    return path


def held_at_the_pain_question(
    db_path: Path, routine: Path, sessions: list[Terminal]
) -> tuple[Terminal, Lock]:
    """A session started after the safety questions, at its first question, with
    another program now holding the store."""
    screened(db_path)
    session = started(db_path, routine)
    sessions.append(session)
    session.expect(messages.PAIN_BEFORE_QUESTION)
    return session, Lock(db_path)


def pain_stop_while_held(
    db_path: Path, routine: Path, sessions: list[Terminal], *, after: str
) -> Lock:
    """A session stopped for pain while another program holds the store, rated
    ``after`` (Enter skips), played to its end; returns the lock, still held."""
    session, lock = held_at_the_pain_question(db_path, routine, sessions)
    play_until_the_hold_then_pain_stop(session, lock)
    # Still held: the pain stop was acted on without waiting for the disk, and the
    # question after the session comes at once too.
    session.expect(messages.PAIN_AFTER_QUESTION)
    session.child.sendline(after)
    session.expect("It is kept safe in")
    assert session.finish() == 0
    return lock


def test_a_pain_stop_while_another_program_holds_the_store_is_acted_on_at_once_and_saved_later(
    db_path: Path, routine: Path, sessions: list[Terminal]
) -> None:
    lock = pain_stop_while_held(db_path, routine, sessions, after="5")
    (journal,) = pending_journals(db_path)
    lock.release()

    record = history(db_path)  # the next start of easeback saves what waited

    (stored,) = record["sessions"]
    assert (stored["outcome"], stored["pain_before"], stored["pain_after"]) == ("pain_stop", 3, 5)
    followups = [r for r in record["safety"] if r["kind"] == "followup"]
    assert [(f["after"], f["session"]) for f in followups] == [("pain_stop", stored["id"])]
    assert not journal.exists()


def test_the_next_start_asks_about_the_pain_stop_that_was_saved_late(
    db_path: Path, routine: Path, sessions: list[Terminal]
) -> None:
    lock = pain_stop_while_held(db_path, routine, sessions, after="")
    refused = easeback(db_path, "start", str(routine), "--speed", "20")
    lock.release()
    again = started(db_path, routine)
    sessions.append(again)

    again.expect(messages.PAIN_SETTLED_QUESTION)

    assert refused.returncode == 2
    assert refused.stderr.startswith(
        "easeback: A session from earlier is still waiting to be saved: another program is "
        "using easeback's data. No new session starts until it is"
    )


def test_saving_catches_up_when_the_store_is_free_again_during_the_session(
    db_path: Path, routine: Path, sessions: list[Terminal]
) -> None:
    session, lock = held_at_the_pain_question(db_path, routine, sessions)
    session.child.sendline("2")
    session.expect(messages.SAVING_DELAYED.split(":")[0])
    lock.release()
    session.expect(messages.SAVING_CAUGHT_UP)
    session.expect("Hold")
    session.child.send("p")
    session.expect(messages.PAIN_AFTER_QUESTION)
    session.child.sendline("")

    assert session.finish() == 0
    assert "It is kept safe in" not in session.log.getvalue()
    assert pending_journals(db_path) == []
    (stored,) = history(db_path)["sessions"]
    assert stored["outcome"] == "pain_stop"


def test_when_the_disk_fills_mid_session_the_session_is_kept_in_its_reserved_journal(
    tmp_path: Path, routine: Path, sessions: list[Terminal]
) -> None:
    disk = SmallDisk(tmp_path / "disk", size_kb=1024)
    try:
        db_path = disk.folder / "easeback.db"
        screened(db_path)
        session = started(db_path, routine)
        sessions.append(session)
        session.expect(messages.PAIN_BEFORE_QUESTION)
        session.child.sendline("4")
        session.expect("Get ready")
        saved_up_to(db_path, "phase")
        with sqlite3.connect(db_path) as store:  # no room left in the write-ahead log
            store.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        store.close()
        disk.fill()
        # The hold's event needs room the disk no longer has.
        session.expect("Saving is delayed: the disk is full.")
        session.child.send("p")
        session.expect("Stopped because it hurt. That was the right thing to do.")
        session.expect(messages.PAIN_AFTER_QUESTION)
        session.child.sendline("")
        session.expect("not saved in your history yet: the disk is full")
        assert session.finish() == 0
        assert len(pending_journals(db_path)) == 1
        disk.free()

        (stored,) = history(db_path)["sessions"]

        assert (stored["outcome"], stored["pain_before"]) == ("pain_stop", 4)
        assert pending_journals(db_path) == []
    finally:
        disk.remove()


def test_a_session_cannot_start_when_there_is_no_room_to_keep_it(
    tmp_path: Path, routine: Path
) -> None:
    disk = SmallDisk(tmp_path / "disk", size_kb=1024)
    try:
        db_path = disk.folder / "easeback.db"
        screened(db_path)
        disk.fill()

        refused = easeback(db_path, "start", str(routine), "--speed", "20")

        assert refused.returncode == 2
        assert refused.stderr == (
            f"easeback: the disk that holds {db_path} is full, so easeback could not save. "
            "Free some space, then try again; reading, exporting and backing up still "
            "work.\n"
        )
        assert history(db_path)["sessions"] == []
    finally:
        disk.remove()


def test_a_session_killed_right_after_a_pain_stop_while_the_store_is_held_keeps_it(
    db_path: Path, routine: Path, sessions: list[Terminal]
) -> None:
    session, lock = held_at_the_pain_question(db_path, routine, sessions)
    play_until_the_hold_then_pain_stop(session, lock)  # its words come once it is kept
    session.child.kill(signal.SIGKILL)
    session.child.wait()
    lock.release()

    record = history(db_path)

    (stored,) = record["sessions"]
    assert stored["outcome"] == "pain_stop"
    gate = easeback(db_path, "start", str(routine), "--speed", "20")
    assert gate.returncode == 1  # the questions come back: the pain stop is known
    assert "stopped because of pain" in gate.stderr
