"""The session writer and its journal: records handed over never wait for the disk,
are kept on disk while the store refuses them, and are written exactly once, at the
end of the session or by the next easeback to open the store."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from easeback.core.player import Player
from easeback.store.faults import Fault
from easeback.store.journal import Journal, read_records, replay
from easeback.store.location import journal_path, pending_journals
from easeback.store.records import Record, event_record, followup_record, session_record, write_now
from easeback.store.safety import safety_records
from easeback.store.sessions import SessionLog, list_sessions, session_events
from easeback.store.writer import SessionWriter
from helpers import ROTATION_TIMELINE
from helpers import HeldLock as Held

MORNING = datetime(2026, 11, 20, 7, 0, tzinfo=UTC)


@pytest.fixture
def writer(engine: Engine, db_path: Path) -> Iterator[SessionWriter]:
    journal = Journal.open(db_path, "s-1")
    made = SessionWriter(engine, journal, store=db_path, retry_s=0.01, busy_ms=10)
    yield made
    made.finish(0)


def session(session_id: str = "s-1", started: datetime = MORNING) -> Record:
    return session_record(
        session_id,
        ROTATION_TIMELINE,
        title="Just the rotation",
        speed=1,
        started=started,
        zone="UTC",
        player="terminal",
        slot=None,
        plan_date=None,
    )


def events(session_id: str, *, pain_at: float, started: datetime = MORNING) -> list[Record]:
    player = Player(ROTATION_TIMELINE)
    played = player.start(0.0) + player.tick(pain_at) + player.pain_stop(pain_at)
    return [
        event_record(
            session_id,
            ROTATION_TIMELINE,
            seq=seq,
            kind=e.kind,
            phase_index=e.phase,
            position_ms=e.position_ms,
            offset_ms=round(e.at * 1000),
            wall=started + timedelta(seconds=e.at),
            zone="UTC",
        )
        for seq, e in enumerate(played)
    ]


def test_records_are_written_once_however_often_they_are_applied(engine: Engine) -> None:
    records = [session(), *events("s-1", pain_at=4.0)]

    first = write_now(engine, records)
    again = write_now(engine, records)

    assert (first, again) == (len(records), 0)
    assert [e["kind"] for e in session_events(engine, "s-1")][-1] == "pain_stop"


def test_a_record_survives_the_journal_with_its_times(engine: Engine) -> None:
    record = session()

    assert Record.from_json(record.to_json()) == record


def test_a_journal_reads_up_to_its_reserved_room_and_leaves_out_a_line_cut_short() -> None:
    whole = session().to_json() + "\n"
    cut = session("s-2").to_json()[:40]

    records = read_records((whole + cut).encode() + bytes(1000))

    assert [r.row["id"] for r in records] == ["s-1"]


def test_while_the_store_is_held_records_wait_in_memory_and_on_disk_and_status_says_why(
    writer: SessionWriter, engine: Engine, db_path: Path
) -> None:
    held = Held(db_path)
    try:
        writer.record(session())
        for record in events("s-1", pain_at=4.0):
            writer.record(record)
        status = writer.finish(0.05)
        on_disk = read_records(journal_path(db_path, "s-1").read_bytes())
    finally:
        held.release()

    assert (status.waiting, status.fault, status.kept) == (5, Fault.LOCKED, True)
    assert [r.kind for r in on_disk] == ["session", "event", "event", "event", "event"]


def test_what_waited_is_written_by_the_next_easeback_and_its_journal_removed(
    writer: SessionWriter, engine: Engine, db_path: Path
) -> None:
    held = Held(db_path)
    try:
        writer.record(session())
        for record in events("s-1", pain_at=4.0):
            writer.record(record)
        writer.finish(0.05)
    finally:
        held.release()

    done = replay(engine, db_path)

    assert (done.written, done.waiting, done.problem) == (5, [], None)
    (summary,) = list_sessions(engine, now=datetime.now(UTC))
    assert summary.outcome == "pain_stop"
    assert pending_journals(db_path) == []


def test_saving_catches_up_and_the_journal_is_removed_when_the_store_is_free_again(
    writer: SessionWriter, engine: Engine, db_path: Path
) -> None:
    held = Held(db_path)
    writer.record(session())
    while not writer.status.delayed:
        pass  # the writer meets the lock within milliseconds
    held.release()
    for record in events("s-1", pain_at=4.0):
        writer.record(record)

    status = writer.finish(5.0)

    assert (status.waiting, status.fault) == (0, None)
    assert [e["kind"] for e in session_events(engine, "s-1")] == [
        "started",
        "phase",
        "phase",
        "pain_stop",
    ]
    assert pending_journals(db_path) == []


def test_a_replay_leaves_alone_the_journal_of_a_session_still_playing(
    engine: Engine, db_path: Path
) -> None:
    journal = Journal.open(db_path, "s-1")
    journal.append([session()])
    other = os.open(journal.path, os.O_RDONLY)
    try:
        done = replay(engine, db_path)
    finally:
        os.close(other)
        journal.close()

    assert (done.written, done.waiting) == (0, [journal_path(db_path, "s-1")])
    assert list_sessions(engine, now=datetime.now(UTC)) == []


def test_a_replay_the_store_refuses_keeps_the_journal_and_says_why(
    engine: Engine, db_path: Path
) -> None:
    journal = Journal.open(db_path, "s-1")
    journal.append([session()])
    journal.close()
    held = Held(db_path)
    try:
        from easeback.store.db import make_engine

        impatient = make_engine(engine.url, busy_ms=10)
        done = replay(impatient, db_path)
        impatient.dispose()
    finally:
        held.release()

    assert done.waiting == [journal_path(db_path, "s-1")]
    assert "locked" in str(done.problem)
    assert replay(engine, db_path).written == 1


def test_a_journal_keeps_its_lock_while_its_session_plays(db_path: Path) -> None:
    journal = Journal.open(db_path, "s-1")
    other = os.open(journal.path, os.O_RDONLY)
    try:
        with pytest.raises(BlockingIOError):
            fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)
    finally:
        os.close(other)
        journal.close()
    assert not journal.path.exists()  # it held nothing


def test_a_pain_stop_saved_late_still_makes_the_second_in_7_days_a_step_back(
    engine: Engine, db_path: Path
) -> None:
    earlier = MORNING - timedelta(days=2)
    write_now(engine, [session("s-0", earlier), *events("s-0", pain_at=4.0, started=earlier)])
    write_now(
        engine,
        [followup_record(at=earlier, zone="UTC", kind="pain_stop", session_id="s-0", settled=None)],
    )
    late = [
        session(),
        *events("s-1", pain_at=4.0),
        followup_record(
            at=MORNING + timedelta(seconds=10),
            zone="UTC",
            kind="pain_stop",
            session_id="s-1",
            settled=None,
        ),
    ]
    journal = Journal.open(db_path, "s-1")
    journal.append(late)
    journal.close()

    replay(engine, db_path)

    followups = {
        r.detail["session"]: r.detail["step_back"]
        for r in safety_records(engine)
        if r.kind == "followup"
    }
    assert followups == {"s-0": False, "s-1": True}


def test_a_session_log_hands_its_row_and_events_to_its_recorder(engine: Engine) -> None:
    taken: list[Record] = []

    class Keep:
        def record(self, record: Record) -> None:
            taken.append(record)

    log = SessionLog(
        engine,
        ROTATION_TIMELINE,
        session_id="s-9",
        title="t",
        speed=1,
        started=MORNING,
        zone="UTC",
        player="terminal",
        recorder=Keep(),
    )
    player = Player(ROTATION_TIMELINE)
    for event in player.start(0.0):
        log.append(event, wall=MORNING, offset_ms=0)

    assert [(r.kind, r.row.get("seq")) for r in taken] == [
        ("session", None),
        ("event", 0),
        ("event", 1),
    ]
    assert list_sessions(engine, now=datetime.now(UTC)) == []  # nothing was written behind its back


def test_a_pain_stop_whose_session_was_killed_before_its_follow_up_gets_it_at_the_next_start(
    engine: Engine,
) -> None:
    from easeback.usecases.aftercare import catch_up_progress

    write_now(engine, [session(), *events("s-1", pain_at=4.0)])  # killed: no follow-up kept

    catch_up_progress(engine)
    catch_up_progress(engine)  # and only once

    followups = [
        (r.detail["after"], r.detail["session"], r.at_utc)
        for r in safety_records(engine)
        if r.kind == "followup"
    ]
    assert followups == [
        ("pain_stop", "s-1", (MORNING + timedelta(seconds=4)).replace(tzinfo=None))
    ]


def test_the_web_app_saves_a_session_left_in_a_journal_before_it_opens_another(
    client: Any, app: Any, db_path: Path
) -> None:
    from easeback.wording import messages
    from helpers import screened_store

    screened_store(app.state.engine)
    stopped = datetime.now(UTC)
    journal = Journal.open(db_path, "s-1")
    journal.append([session(started=stopped), *events("s-1", pain_at=4.0, started=stopped)])
    journal.close()  # the terminal that played it could not save it, and has gone

    refused = client.post("/api/sessions", json={"routine": "office"})

    assert refused.status_code == 409
    assert refused.json()["detail"].startswith(messages.GATE["pain"][0])
    assert pending_journals(db_path) == []


def test_while_saving_is_delayed_each_record_goes_to_the_journal_as_it_comes(
    engine: Engine, db_path: Path
) -> None:
    import time

    journal = Journal.open(db_path, "s-1")
    patient = SessionWriter(engine, journal, store=db_path, retry_s=3600, busy_ms=10)
    held = Held(db_path)
    try:
        patient.record(session())
        while not patient.status.delayed:
            pass  # the store refuses the first write within milliseconds
        for record in events("s-1", pain_at=4.0):
            patient.record(record)
        deadline = time.monotonic() + 10  # the next try at the store is an hour away
        while patient.status.waiting != 5 or not patient.status.kept:
            assert time.monotonic() < deadline, patient.status
        on_disk = read_records(journal_path(db_path, "s-1").read_bytes())
    finally:
        held.release()
        patient.finish(0)

    assert [r.kind for r in on_disk] == ["session", "event", "event", "event", "event"]
    assert on_disk[-1].row["kind"] == "pain_stop"


def test_a_replay_running_while_a_journal_is_made_never_removes_it(
    engine: Engine, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import easeback.store.journal as journals

    lock = fcntl.flock
    seen: list[Any] = []

    def replay_first(fd: int, operation: int) -> None:
        if not seen:  # another process replays just before the new journal is locked
            seen.append(replay(engine, db_path))
        lock(fd, operation)

    monkeypatch.setattr(journals.fcntl, "flock", replay_first)
    journal = Journal.open(db_path, "s-1")
    monkeypatch.setattr(journals.fcntl, "flock", lock)
    journal.append([session()])
    journal.close()

    assert seen[0].waiting == []  # the replay did not see it at all
    assert pending_journals(db_path) == [journal_path(db_path, "s-1")]


def test_a_journal_opens_with_its_session_so_it_replays_on_its_own(
    writer: SessionWriter, engine: Engine, db_path: Path
) -> None:
    writer.record(session())
    while writer.status.waiting:
        pass  # the session's row is written at once
    held = Held(db_path)
    try:
        for record in events("s-1", pain_at=4.0):
            writer.record(record)
        writer.finish(0.05)
        on_disk = read_records(journal_path(db_path, "s-1").read_bytes())
    finally:
        held.release()

    assert [r.kind for r in on_disk] == ["session", "event", "event", "event", "event"]


def test_a_journal_the_store_cannot_take_whole_is_written_record_by_record_and_never_blocks(
    engine: Engine, db_path: Path
) -> None:
    from easeback.usecases.recording import write_waiting

    journal = Journal.open(db_path, "gone")  # its session's row is in no store now
    journal.append([*events("gone", pain_at=4.0), session("s-2"), *events("s-2", pain_at=4.0)])
    journal.close()

    done = write_waiting(engine)

    assert (done.written, done.waiting, done.problem) == (5, [], None)
    assert [s.id for s in list_sessions(engine, now=datetime.now(UTC))] == ["s-2"]
    assert pending_journals(db_path) == []


def test_two_writers_that_both_checked_still_keep_one_follow_up(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    import easeback.store.records as records

    write_now(engine, [session(), *events("s-1", pain_at=4.0)])
    follow = followup_record(
        at=MORNING + timedelta(seconds=9),
        zone="UTC",
        kind="pain_stop",
        session_id="s-1",
        settled=None,
    )
    monkeypatch.setattr(records, "_stored", lambda connection, record: False)  # both checked

    first, second = write_now(engine, [follow]), write_now(engine, [follow])

    kept = [r for r in safety_records(engine) if r.kind == "followup"]
    assert (first, second, len(kept)) == (1, 0, 1)


def test_follow_ups_written_twice_before_are_kept_once_by_the_upgrade(tmp_path: Path) -> None:
    from alembic import command
    from alembic.config import Config

    from easeback.store import open_store
    from easeback.store.db import make_engine

    path = tmp_path / "old.db"
    old = make_engine(f"sqlite:///{path}")
    config = Config()
    config.set_main_option(
        "script_location", str(Path(records_module_file()).parent / "migrations")
    )
    with old.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0006")
    write_now(old, [session(), *events("s-1", pain_at=4.0)])
    with old.begin() as connection:
        for at in ("2026-11-20 07:00:10", "2026-11-20 07:00:11"):
            connection.exec_driver_sql(
                "INSERT INTO followups (at_utc, zone, kind, session_id, settled, step_back) "
                "VALUES (?, 'UTC', 'pain_stop', 's-1', NULL, 0)",
                (at,),
            )
    old.dispose()

    upgraded = open_store(str(path))

    kept = [r for r in safety_records(upgraded) if r.kind == "followup"]
    assert [str(r.at_utc) for r in kept] == ["2026-11-20 07:00:10"]
    upgraded.dispose()


def records_module_file() -> str:
    import easeback.store.records

    return str(easeback.store.records.__file__)
