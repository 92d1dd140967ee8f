"""A session killed mid-phase keeps every event it had committed, in a sound file."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from easeback.content.library import load_library, load_routine
from easeback.core.timeline import build_timeline
from easeback.store import open_store
from easeback.store.sessions import list_sessions
from helpers import screened

EASEBACK = str(Path(sys.executable).parent / "easeback")
ROUTINE = "default"
SPEED = "20"


def easeback(db_path: Path, *args: str) -> list[str]:
    return [EASEBACK, "--db", str(db_path), *args]


def stored_events(db_path: Path) -> list[tuple[str, int]]:
    connection = sqlite3.connect(db_path, timeout=5)
    try:
        return connection.execute("SELECT kind, phase_index FROM events ORDER BY seq").fetchall()
    except sqlite3.OperationalError:  # the schema is not there yet
        return []
    finally:
        connection.close()


def wait_for_phase_events(db_path: Path, count: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert process.poll() is None, "the session ended before it could be killed"
        if sum(1 for kind, _ in stored_events(db_path) if kind == "phase") >= count:
            return
        time.sleep(0.01)
    raise AssertionError(f"fewer than {count} phase events after 30 s: {stored_events(db_path)}")


def test_session_killed_mid_phase_keeps_a_sound_prefix_and_is_interrupted(
    db_path: Path,
) -> None:
    screened(db_path)
    process = subprocess.Popen(
        easeback(db_path, "start", ROUTINE, "--speed", SPEED, "--plain"),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,  # no controlling terminal, as under a scheduler
    )
    try:
        wait_for_phase_events(db_path, 4, process)
        os.kill(process.pid, signal.SIGKILL)
        _, stderr = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == -signal.SIGKILL
    assert b"Traceback" not in stderr

    stored = stored_events(db_path)
    timeline = build_timeline(load_routine(ROUTINE), load_library())
    planned = [("started", 0)] + [("phase", i) for i in range(len(timeline.phases))]
    assert len(stored) >= 5
    assert len(stored) < len(planned), "the session was not cut off mid-way"
    assert stored == planned[: len(stored)]

    connection = sqlite3.connect(db_path)
    try:
        assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        seqs = [seq for (seq,) in connection.execute("SELECT seq FROM events ORDER BY seq")]
        assert seqs == list(range(len(stored)))
    finally:
        connection.close()

    history = subprocess.run(
        easeback(db_path, "history", "--json"), check=True, capture_output=True, text=True
    )
    (session,) = json.loads(history.stdout)["sessions"]
    assert session["outcome"] == "playing"  # for all the store knows, it runs elsewhere
    (summary,) = list_sessions(open_store(str(db_path)), now=datetime.now(UTC) + timedelta(hours=1))
    assert summary.outcome == "interrupted"  # once it could no longer be running
    assert session["routine"] == ROUTINE
    assert session["rehearsal"] is True
    assert session["holds_started"] == sum(
        1 for kind, index in stored if kind == "phase" and timeline.phases[index].kind == "hold"
    )
