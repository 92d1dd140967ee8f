"""Progression through the store: sessions played at normal speed are counted once
each, in order, even when the process that played them was killed; the changes and
their reasons are shown at the next start."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine

from easeback.content.library import load_library, load_routine
from easeback.core.player import Player
from easeback.core.timeline import build_timeline
from easeback.store.plan import changes_after_last_session
from easeback.store.sessions import SessionLog
from easeback.usecases.aftercare import catch_up_progress
from easeback.wording import messages
from helpers import answers_json

MONDAY = datetime(2026, 3, 2, 7, 5, tzinfo=UTC)


def play(
    engine: Engine,
    when: datetime,
    how: str = "completed",
    *,
    routine: str = "bed",
    slot: str | None = "morning",
    speed: float = 1.0,
) -> str:
    """Store a session as the terminal player would, ending as ``how``."""
    timeline = build_timeline(load_routine(routine), load_library())
    log = SessionLog(
        engine,
        timeline,
        title=routine,
        speed=speed,
        started=when,
        zone="UTC",
        player="terminal",
        slot=slot,
        plan_date=when.date().isoformat() if slot else None,
    )
    player = Player(timeline, speed=speed)
    played = player.start(0.0)
    if how == "completed":
        played += player.tick(timeline.total_ms / 1000 / speed)
    elif how == "pain_stop":  # in the first knee-press hold
        played += player.tick(12.0 / speed)
        played += player.pain_stop(12.0 / speed)
    elif how == "killed":
        played += player.tick(12.0 / speed)
    for event in played:
        log.append(event, wall=when, offset_ms=round(event.at * 1000))
    return log.id


def snapshot(db_path: Path) -> dict[str, dict[str, int]]:
    connection = sqlite3.connect(db_path)
    try:
        (state,) = connection.execute("SELECT state FROM progress ORDER BY id DESC").fetchone()
    finally:
        connection.close()
    return json.loads(state)


def reasons(db_path: Path) -> list[str]:
    connection = sqlite3.connect(db_path)
    try:
        return [r for (r,) in connection.execute("SELECT reason FROM dose_changes ORDER BY id")]
    finally:
        connection.close()


def test_three_comfortable_days_step_the_doses_up_with_their_reasons(
    engine: Engine, db_path: Path
) -> None:
    for day in range(3):
        play(engine, MONDAY + timedelta(days=day))
        catch_up_progress(engine)

    assert reasons(db_path) == [
        "3 comfortable sessions in a row: knee press hold now 16 s",
        "3 comfortable sessions in a row: lower-back rotation times a day now 3",
        "3 comfortable sessions in a row: pelvic tilt repetitions now 6",
    ]
    assert snapshot(db_path)["knee-press"]["hold_s"] == 16
    assert changes_after_last_session(engine) == reasons(db_path)


def test_the_changes_are_shown_at_the_next_start(cli, engine: Engine) -> None:
    for day in range(3):
        play(engine, MONDAY + timedelta(days=day))
    cli("check", "--answers", "-", input=answers_json())

    result = cli("start", "office", "--speed", "500", "--plain")

    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    start = lines.index(messages.SINCE_LAST_TIME)
    assert lines[start + 1] == "  3 comfortable sessions in a row: knee press hold now 16 s."


def test_a_killed_session_is_counted_at_the_next_catch_up_and_breaks_the_run(
    engine: Engine, db_path: Path
) -> None:
    play(engine, MONDAY)
    play(engine, MONDAY + timedelta(days=1))
    play(engine, MONDAY + timedelta(days=2), "killed")
    play(engine, MONDAY + timedelta(days=3))

    catch_up_progress(engine)

    # The knee press was begun and cut off: its run breaks (2 clean, broken, 1 clean).
    # The rotation and the pelvic tilts were never reached: their run of 3 stands.
    assert reasons(db_path) == [
        "3 comfortable sessions in a row: lower-back rotation times a day now 3",
        "3 comfortable sessions in a row: pelvic tilt repetitions now 6",
    ]
    assert snapshot(db_path)["knee-press"] == {
        "level": 0,
        "streak": 1,
        "hold_s": 15,
        "reps": 1,
        "times_per_day": 2,
    }


def test_a_pain_stop_is_a_step_back_even_if_nothing_ran_after_it(
    engine: Engine, db_path: Path
) -> None:
    for day in range(3):
        play(engine, MONDAY + timedelta(days=day))
    play(engine, MONDAY + timedelta(days=3), "pain_stop")  # the process then died

    catch_up_progress(engine)

    assert reasons(db_path)[-1] == "stopped for pain: knee press hold now 15 s, one step back"
    assert snapshot(db_path)["knee-press"]["hold_s"] == 15


def test_replaying_a_slot_already_done_today_does_not_count(engine: Engine, db_path: Path) -> None:
    for _ in range(3):
        play(engine, MONDAY)  # the same morning, three times

    catch_up_progress(engine)

    assert reasons(db_path) == []


def test_rehearsals_and_easier_routines_never_push_the_doses_up(
    engine: Engine, db_path: Path
) -> None:
    for day in range(3):
        play(engine, MONDAY + timedelta(days=day), speed=20)
    catch_up_progress(engine)
    assert reasons(db_path) == []

    for day in range(3):
        play(engine, MONDAY + timedelta(days=3 + day))
    catch_up_progress(engine)
    assert snapshot(db_path)["knee-press"]["hold_s"] == 16
    for day in range(3):  # the built-in bed routine holds the knee press only 15 s
        play(engine, MONDAY + timedelta(days=6 + day), slot=None)
    catch_up_progress(engine)

    assert snapshot(db_path)["knee-press"]["hold_s"] == 16


def test_each_session_is_counted_once(engine: Engine, db_path: Path) -> None:
    play(engine, MONDAY)
    catch_up_progress(engine)
    catch_up_progress(engine)

    connection = sqlite3.connect(db_path)
    try:
        assert connection.execute("SELECT count(*) FROM progress").fetchone() == (1,)
    finally:
        connection.close()


def test_a_rehearsal_in_between_does_not_hide_the_changes(cli, engine: Engine) -> None:
    for day in range(3):
        play(engine, MONDAY + timedelta(days=day))
    catch_up_progress(engine)
    play(engine, MONDAY + timedelta(days=3), speed=20)  # a rehearsal: never counted
    cli("check", "--answers", "-", input=answers_json())

    result = cli("start", "office", "--speed", "500", "--plain")

    assert messages.SINCE_LAST_TIME in result.stdout.splitlines()
    assert "  3 comfortable sessions in a row: knee press hold now 16 s." in result.stdout
