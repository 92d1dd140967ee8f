"""A session counts against the plan slot it fills, wherever slots are counted: the
sessions against the plan in progress and the report, today's statuses, and
progression's once per slot a day; both players store that slot when a routine
played by name starts, and sessions stored without one are placed when read."""

from __future__ import annotations

import sqlite3
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine

import easeback.usecases.clock
from easeback.content.library import load_library, load_routine
from easeback.core.plan import DaySettings
from easeback.core.player import Player
from easeback.core.timeline import build_timeline
from easeback.store.plan import plan_inputs, save_settings
from easeback.store.quick import read_plan_inputs
from easeback.store.sessions import SessionLog
from easeback.usecases.aftercare import catch_up_progress
from easeback.usecases.overview import build_overview
from easeback.usecases.today import today_view
from helpers import answers_json

LONDON = ZoneInfo("Europe/London")
# Monday 2 March 2026, London on GMT. Up 07:00, work 09:00-17:00, bed 22:30: the
# morning slot at 07:05, the day's at 13:00, the evening's at 22:10.
MONDAY = date(2026, 3, 2)
DAY = DaySettings(zone="Europe/London")


def london(day: date, hhmm: str) -> datetime:
    return datetime.combine(day, time.fromisoformat(hhmm), LONDON)


@pytest.fixture
def set_up(engine: Engine) -> Engine:
    save_settings(engine, DAY, at=london(MONDAY, "05:00"))
    return engine


def play(
    engine: Engine,
    routine: str,
    started: datetime,
    *,
    ending: str = "completed",
    slot: str | None = None,
    speed: float = 1.0,
) -> str:
    """Store a session of a built-in routine as a player would (``slot`` None: played
    by name and stored without a slot, as before easeback placed it at its start)."""
    timeline = build_timeline(load_routine(routine), load_library())
    log = SessionLog(
        engine,
        timeline,
        title=routine,
        speed=speed,
        started=started,
        zone="Europe/London",
        player="terminal",
        slot=slot,
        plan_date=started.astimezone(LONDON).date().isoformat() if slot else None,
    )
    player = Player(timeline, speed=speed)
    events = player.start(0.0) + player.tick(5.0 / speed)
    if ending == "completed":
        events += player.tick(timeline.total_ms / 1000 / speed)
    else:
        events += player.pain_stop(6.0 / speed)
    for event in events:
        log.append(
            event, wall=started + timedelta(seconds=event.at), offset_ms=round(event.at * 1000)
        )
    return log.id


# (routine, started) -> slots done that Monday, of the 3 planned
BY_NAME = {
    "default at 07:10: the morning": ("default", "07:10", 1),
    "bed at 07:05: the morning": ("bed", "07:05", 1),
    "office at 13:00: the day's": ("office", "13:00", 1),
    "bed at 13:00: holds no chair twist": ("bed", "13:00", 0),
    "default at 06:50: before waking": ("default", "06:50", 0),
    "bed at 22:15: the evening": ("bed", "22:15", 1),
    "bed at 22:45: after bed time": ("bed", "22:45", 0),
}


@pytest.mark.parametrize(("routine", "started", "done"), BY_NAME.values(), ids=BY_NAME.keys())
def test_a_routine_played_by_name_counts_against_the_slot_it_fills(
    set_up: Engine, routine: str, started: str, done: int
) -> None:
    play(set_up, routine, london(MONDAY, started))
    catch_up_progress(set_up)

    view = build_overview(set_up, MONDAY, MONDAY, zone="Europe/London", now=london(MONDAY, "23:00"))

    assert (view.done, view.planned) == (done, 3)
    assert view.completed == 1


@pytest.mark.parametrize("stored", ["with its slot", "without a slot"])
def test_a_session_counts_the_same_whether_its_slot_was_stored_or_is_decided_when_read(
    set_up: Engine, db_path: Path, stored: str
) -> None:
    slot = "morning" if stored == "with its slot" else None
    play(set_up, "default", london(MONDAY, "07:10"), slot=slot)
    play(set_up, "default", london(MONDAY, "13:30"), ending="pain_stop")
    catch_up_progress(set_up)
    now = london(MONDAY, "14:00")

    view = build_overview(set_up, MONDAY, MONDAY, zone="Europe/London", now=now)
    quick = read_plan_inputs(db_path, MONDAY.isoformat())
    assert quick is not None and quick == plan_inputs(set_up, MONDAY.isoformat())
    today = today_view(quick, now, "Europe/London")

    assert (view.done, view.planned) == (1, 2)
    assert [s["status"] for s in today["slots"]] == ["done", "stopped", "next"]


def test_a_session_played_by_name_counts_for_the_day_of_its_slot_only(
    set_up: Engine, db_path: Path
) -> None:
    play(set_up, "default", london(MONDAY, "07:10"))
    tuesday = MONDAY + timedelta(days=1)

    inputs = read_plan_inputs(db_path, tuesday.isoformat())
    assert inputs is not None
    today = today_view(inputs, london(tuesday, "08:00"), "Europe/London")

    assert [s["status"] for s in today["slots"]] == ["next", "later", "later"]


def test_a_rehearsal_played_by_name_fills_no_slot(set_up: Engine, db_path: Path) -> None:
    from easeback.store.diary import add_entry

    play(set_up, "default", london(MONDAY, "07:10"), speed=20)
    add_entry(set_up, at=london(MONDAY, "07:30"), zone="Europe/London", pain=3, note=None)
    catch_up_progress(set_up)

    view = build_overview(set_up, MONDAY, MONDAY, zone="Europe/London", now=london(MONDAY, "09:00"))
    inputs = read_plan_inputs(db_path, MONDAY.isoformat())
    assert inputs is not None

    assert view.done == 0
    assert today_view(inputs, london(MONDAY, "09:00"), "Europe/London")["slots"][0]["status"] == (
        "next"
    )


def reasons(db_path: Path) -> list[str]:
    connection = sqlite3.connect(db_path)
    try:
        return [r for (r,) in connection.execute("SELECT reason FROM dose_changes ORDER BY id")]
    finally:
        connection.close()


def test_a_slot_filled_three_times_by_name_in_one_morning_counts_once_for_progression(
    set_up: Engine, db_path: Path
) -> None:
    for hhmm in ("07:10", "07:30", "07:50"):
        play(set_up, "default", london(MONDAY, hhmm))
    catch_up_progress(set_up)

    assert reasons(db_path) == []  # three counted would have been three in a row


def test_a_routine_by_name_on_three_mornings_steps_the_doses_up(
    set_up: Engine, db_path: Path
) -> None:
    for day in range(3):
        play(set_up, "default", london(MONDAY + timedelta(days=day), "07:10"))
    catch_up_progress(set_up)

    assert "3 comfortable sessions in a row: knee press hold now 16 s" in reasons(db_path)


# --- both players store the slot a routine by name fills when it starts --------------


@pytest.fixture
def at_london(monkeypatch: pytest.MonkeyPatch) -> Any:
    """Fix the wall clock easeback reads at a London time on Monday."""
    monkeypatch.setenv("TZ", "Europe/London")

    def set_(hhmm: str) -> None:
        now = london(MONDAY, hhmm).astimezone(UTC)
        monkeypatch.setattr(easeback.usecases.clock, "wall_now", lambda: now)

    return set_


def stored_slots(db_path: Path) -> list[tuple[Any, ...]]:
    connection = sqlite3.connect(db_path)
    try:
        return connection.execute("SELECT routine, slot, plan_date FROM sessions").fetchall()
    finally:
        connection.close()


@pytest.mark.parametrize(
    ("routine", "hhmm", "slot"),
    [("default", "07:10", "morning"), ("office", "13:05", "daytime"), ("bed", "13:05", None)],
)
def test_the_terminal_stores_the_slot_a_routine_by_name_fills(
    cli: Any, set_up: Engine, db_path: Path, at_london: Any, routine: str, hhmm: str, slot: str
) -> None:
    at_london(hhmm)
    assert cli("check", "--answers", "-", input=answers_json()).exit_code == 0

    result = cli("start", routine, "--speed", "500", "--plain")

    assert result.exit_code == 0, result.output
    assert stored_slots(db_path) == [(routine, slot, MONDAY.isoformat() if slot else None)]


@pytest.mark.parametrize(
    ("routine", "hhmm", "slot"), [("default", "07:10", "morning"), ("bed", "13:05", None)]
)
def test_the_browser_player_stores_the_slot_a_routine_by_name_fills(
    client: Any, app: Any, db_path: Path, at_london: Any, routine: str, hhmm: str, slot: str
) -> None:
    from easeback.core.screening import QUESTION_IDS, Gate
    from easeback.store.consents import record_consent
    from easeback.usecases.checkup import record_answers

    engine = app.state.engine
    save_settings(engine, DAY, at=london(MONDAY, "05:00"))
    record_consent(engine, wording="1", given=london(MONDAY, "05:00"), zone="Europe/London")
    no = dict.fromkeys(QUESTION_IDS, False)
    record_answers(engine, no, Gate("due", "first"), at=london(MONDAY, "05:00"), zone="UTC")
    at_london(hhmm)

    response = client.post("/api/sessions", json={"routine": routine})

    assert response.status_code in (200, 201), response.text
    assert stored_slots(db_path) == [(routine, slot, MONDAY.isoformat() if slot else None)]
