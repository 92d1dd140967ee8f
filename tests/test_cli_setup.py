"""`easeback setup`: the person's day, saved with its history, refused with a clear
message when it is impossible; and `easeback start` playing what the plan has due."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

import easeback.usecases.clock
from easeback.wording import messages
from helpers import SET_UP_LONDON, answers_json

LONDON = ZoneInfo("Europe/London")
WEDNESDAY = "2026-03-04"  # London is on GMT until the 29th
THURSDAY = "2026-03-05"
SET_UP = SET_UP_LONDON
SAVED_ROW = ("06:30", "23:00", "08:30", "17:00", "mon,tue,wed,thu,fri", "Europe/London")
NOTHING_CHANGED = "easeback: nothing was changed.\n"

SetNow = Callable[[str], datetime]


@pytest.fixture(autouse=True)
def machine_in_london(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "Europe/London")
    monkeypatch.setenv("COLUMNS", "200")


@pytest.fixture
def set_now(monkeypatch: pytest.MonkeyPatch) -> SetNow:
    """Fix the wall clock the commands read at a London date and time."""

    def set_(moment: str) -> datetime:
        now = datetime.fromisoformat(moment.replace(" ", "T")).replace(tzinfo=LONDON)
        monkeypatch.setattr(easeback.usecases.clock, "wall_now", lambda: now)
        return now

    return set_


def settings_rows(db_path: Path) -> list[tuple[object, ...]]:
    return rows(
        db_path,
        "SELECT wake, bed, work_start, work_end, work_days, zone FROM day_settings ORDER BY id",
    )


def rows(db_path: Path, sql: str) -> list[tuple[object, ...]]:
    if not db_path.exists():
        return []
    connection = sqlite3.connect(db_path)
    try:
        return connection.execute(sql).fetchall()
    except sqlite3.OperationalError:  # no store yet
        return []
    finally:
        connection.close()


def today(cli: Any) -> dict[str, Any]:
    result = cli("today", "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


# --- saving the day -----------------------------------------------------------------


def test_setup_saves_the_day_and_shows_todays_plan(
    cli: Any, set_now: SetNow, db_path: Path
) -> None:
    set_now(f"{WEDNESDAY} 13:00")

    result = cli(*SET_UP)

    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    lines = result.stdout.splitlines()
    assert lines[0] == messages.SETUP_SAVED
    assert lines[1].strip() == "Today, Wednesday 4 March (Europe/London), now 13:00"
    for when in ("06:35", "12:45", "22:40"):
        assert any(line.startswith(f"│ {when} │") for line in lines), when
    assert messages.NOT_SET_UP not in result.stdout
    assert settings_rows(db_path) == [SAVED_ROW]
    assert rows(db_path, "SELECT at_utc FROM day_settings") == [("2026-03-04 13:00:00.000000",)]


def test_setup_again_changes_only_what_it_names_and_keeps_the_history(
    cli: Any, set_now: SetNow, db_path: Path
) -> None:
    set_now(f"{WEDNESDAY} 13:00")
    assert cli(*SET_UP).exit_code == 0

    result = cli("setup", "--bed", "22:00")

    assert result.exit_code == 0, result.output
    assert settings_rows(db_path) == [
        SAVED_ROW,
        ("06:30", "22:00", "08:30", "17:00", "mon,tue,wed,thu,fri", "Europe/London"),
    ]
    assert [slot["time"] for slot in today(cli)["slots"]] == ["06:35", "12:45", "21:40"]


def test_setup_work_none_clears_work_hours_and_the_twist_is_done_at_home(
    cli: Any, set_now: SetNow, db_path: Path
) -> None:
    set_now(f"{WEDNESDAY} 13:00")
    assert cli(*SET_UP).exit_code == 0

    result = cli("setup", "--work", "none")

    assert result.exit_code == 0, result.output
    assert settings_rows(db_path)[-1] == (
        "06:30",
        "23:00",
        None,
        None,
        "mon,tue,wed,thu,fri",
        "Europe/London",
    )
    daytime = today(cli)["slots"][1]
    assert (daytime["time"], daytime["where"]) == ("14:45", "at home")


def test_setup_work_days_none_means_every_day_at_home(
    cli: Any, set_now: SetNow, db_path: Path
) -> None:
    set_now(f"{WEDNESDAY} 13:00")
    assert cli(*SET_UP).exit_code == 0

    assert cli("setup", "--work-days", "none").exit_code == 0

    assert settings_rows(db_path)[-1][4] == "none"
    assert today(cli)["slots"][1]["where"] == "at home"


def test_setup_takes_a_bed_time_after_midnight(cli: Any, set_now: SetNow, db_path: Path) -> None:
    set_now(f"{WEDNESDAY} 13:00")
    assert cli(*SET_UP).exit_code == 0

    result = cli("setup", "--bed", "00:30")

    assert result.exit_code == 0, result.output
    assert settings_rows(db_path)[-1][:2] == ("06:30", "00:30")
    assert [slot["time"] for slot in today(cli)["slots"]] == ["06:35", "12:45", "00:10"]


# --- bad input ----------------------------------------------------------------------

BAD_INPUT = {
    "wake at 25:00": (
        ("--wake", "25:00"),
        ["easeback: --wake: '25:00' is not a time; write it as HH:MM, e.g. 07:00"],
    ),
    "wake without minutes": (
        ("--wake", "7"),
        ["easeback: --wake: '7' is not a time; write it as HH:MM, e.g. 07:00"],
    ),
    "bed just before waking": (
        ("--bed", "06:00"),
        [
            "easeback: --bed: bed time 06:00 leaves only 0 h 30 min until waking at 06:30; "
            "easeback needs at least 4 hours between bed and waking (a bed time after "
            "midnight is fine, e.g. 00:30)",
        ],
    ),
    "work past a bed time after midnight": (
        ("--bed", "00:30", "--work", "18:00-01:00"),
        ["easeback: --work: work hours must fall between waking and bed time"],
    ),
    "under 6 hours awake": (
        ("--wake", "08:00", "--bed", "13:00", "--work", "none"),
        [
            "easeback: --bed: only 5 h 0 min between waking and bed; easeback needs at least "
            "6 hours to spread the stretches"
        ],
    ),
    "work ends before it starts": (
        ("--work", "17:00-09:00"),
        [
            "easeback: --work: work ends (09:00) at or before it starts (17:00); give a start "
            "before the end"
        ],
    ),
    "a zero-length work day": (
        ("--work", "09:00-09:00"),
        [
            "easeback: --work: work ends (09:00) at or before it starts (09:00); give a start "
            "before the end"
        ],
    ),
    "work outside waking hours": (
        ("--work", "05:00-12:00"),
        ["easeback: --work: work hours must fall between waking and bed time"],
    ),
    "work hours without minutes": (
        ("--work", "9-5"),
        ["easeback: --work: '9-5' is not HH:MM-HH:MM, e.g. 09:00-17:30, or none"],
    ),
    "work hours without an end": (
        ("--work", "09:00"),
        ["easeback: --work: '09:00' is not HH:MM-HH:MM, e.g. 09:00-17:30, or none"],
    ),
    "a day that does not exist": (
        ("--work-days", "funday"),
        ["easeback: --work-days: 'funday' is not a day; use mon, tue, wed, thu, fri, sat, sun"],
    ),
    "an unknown time zone": (
        ("--zone", "Mars/Base"),
        [
            "easeback: --zone: unknown time zone 'Mars/Base'; use an IANA name such as "
            "Europe/London or America/New_York"
        ],
    ),
}


@pytest.mark.parametrize(("args", "problems"), BAD_INPUT.values(), ids=BAD_INPUT)
def test_bad_input_names_the_option_and_changes_nothing(
    cli: Any, set_now: SetNow, db_path: Path, args: tuple[str, ...], problems: list[str]
) -> None:
    set_now(f"{WEDNESDAY} 13:00")
    assert cli(*SET_UP).exit_code == 0

    result = cli("setup", *args)

    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == "".join(f"{line}\n" for line in problems) + NOTHING_CHANGED
    assert settings_rows(db_path) == [SAVED_ROW]


def test_bad_input_on_a_new_store_saves_no_settings(
    cli: Any, set_now: SetNow, db_path: Path
) -> None:
    set_now(f"{WEDNESDAY} 13:00")

    result = cli("setup", "--zone", "Mars/Base")

    assert result.exit_code == 2
    assert result.stderr.endswith(NOTHING_CHANGED)
    assert settings_rows(db_path) == []
    assert today(cli)["set_up"] is False


def test_setup_with_no_options_and_no_terminal_says_what_to_give(
    cli: Any, set_now: SetNow, db_path: Path
) -> None:
    set_now(f"{WEDNESDAY} 13:00")

    result = cli("setup")

    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == (
        "easeback: nothing to set: give options such as --wake 07:00, or run it in a terminal\n"
    )
    assert settings_rows(db_path) == []


# --- start plays what the plan has due ----------------------------------------------


@pytest.fixture
def screened_at(cli: Any, set_now: SetNow) -> Callable[[str], None]:
    """Answer the safety questions (all clear) at the given time, through the CLI."""

    def answer(moment: str) -> None:
        set_now(moment)
        result = cli("check", "--answers", "-", input=answers_json())
        assert result.exit_code == 0, result.output

    return answer


def sessions(db_path: Path) -> list[tuple[object, ...]]:
    return rows(db_path, "SELECT routine, slot, plan_date, rehearsal FROM sessions")


def stretches_played(db_path: Path) -> set[object]:
    return {
        stretch
        for (stretch,) in rows(db_path, "SELECT DISTINCT stretch FROM events")
        if stretch is not None
    }


def test_start_without_a_routine_plays_the_next_slot(
    cli: Any, screened_at: Callable[[str], None], db_path: Path
) -> None:
    screened_at(f"{WEDNESDAY} 13:00")  # morning missed, daytime next

    result = cli("start", "--speed", "500", "--plain")

    assert result.exit_code == 0, result.output
    assert "easeback · During the day (at work)" in result.stdout
    assert sessions(db_path) == [("daytime", "daytime", WEDNESDAY, 1)]
    assert stretches_played(db_path) == {"chair-twist"}


def test_start_slot_plays_that_time_of_day(
    cli: Any, screened_at: Callable[[str], None], db_path: Path
) -> None:
    screened_at(f"{WEDNESDAY} 13:00")

    result = cli("start", "--slot", "evening", "--speed", "500", "--plain")

    assert result.exit_code == 0, result.output
    assert "easeback · Before bed (lying down)" in result.stdout
    assert sessions(db_path) == [("evening", "evening", WEDNESDAY, 1)]
    assert stretches_played(db_path) == {"knee-press", "lower-back-rotation"}


def test_after_midnight_start_plays_the_evening_before_a_later_bed_time(
    cli: Any, set_now: SetNow, screened_at: Callable[[str], None], db_path: Path
) -> None:
    set_now(f"{WEDNESDAY} 13:00")
    assert cli(*SET_UP).exit_code == 0
    assert cli("setup", "--bed", "00:30").exit_code == 0
    screened_at(f"{THURSDAY} 00:15")  # still Wednesday's evening: bed is at 00:30

    result = cli("start", "--speed", "500", "--plain")

    assert result.exit_code == 0, result.output
    assert "easeback · Before bed (lying down)" in result.stdout
    assert sessions(db_path) == [("evening", "evening", WEDNESDAY, 1)]


# (local time, slot) -> the place its routine declares, so a stretch done lying down
# could never be played in a slot at work
PLACES = {
    "morning": (f"{WEDNESDAY} 06:00", "morning", "lying"),
    "daytime on a work day": (f"{WEDNESDAY} 12:00", "daytime", "seated"),
    "daytime at the weekend": ("2026-03-07 12:00", "daytime", "any"),
    "evening": (f"{WEDNESDAY} 22:00", "evening", "lying"),
}


@pytest.mark.parametrize(("moment", "slot", "place"), PLACES.values(), ids=PLACES)
def test_a_slots_routine_declares_where_it_is_done(
    cli: Any, set_now: SetNow, db_path: Path, moment: str, slot: str, place: str
) -> None:
    from easeback.usecases.today import slot_routine

    set_now(f"{WEDNESDAY} 05:00")
    assert cli(*SET_UP).exit_code == 0
    set_now(moment)

    found = slot_routine(str(db_path), slot)

    assert found is not None
    routine, slot_id, _ = found
    assert (slot_id, routine.place) == (slot, place)


def test_start_plays_the_slot_at_the_current_doses(
    cli: Any, screened_at: Callable[[str], None], db_path: Path
) -> None:
    screened_at(f"{WEDNESDAY} 13:00")

    assert cli("start", "--speed", "500", "--plain").exit_code == 0

    [(timeline,)] = rows(db_path, "SELECT timeline FROM sessions")
    holds = [p for p in json.loads(str(timeline))["phases"] if p["kind"] == "hold"]
    assert {(p["stretch"], p["duration_ms"]) for p in holds} == {("chair-twist", 7000)}
    assert max(p["rep"] for p in holds) == 2


def test_start_when_nothing_more_is_due_today_says_so(
    cli: Any, screened_at: Callable[[str], None], db_path: Path
) -> None:
    screened_at(f"{WEDNESDAY} 23:59")

    result = cli("start", "--speed", "500", "--plain")

    assert result.exit_code == 0, result.output
    assert result.stdout == messages.ALL_DONE + "\n"
    assert sessions(db_path) == []


@pytest.mark.parametrize(
    "args",
    [("--slot", "lunch"), ("default", "--slot", "morning")],
    ids=["an unknown slot", "a slot and a routine"],
)
def test_start_refuses_a_slot_it_cannot_play(
    cli: Any, screened_at: Callable[[str], None], db_path: Path, args: tuple[str, ...]
) -> None:
    screened_at(f"{WEDNESDAY} 13:00")

    result = cli("start", *args, "--speed", "500", "--plain")

    slot = args[-1]
    assert result.exit_code == 2
    assert result.stderr == (
        f"easeback: --slot: {slot!r}: choose morning, daytime or evening, and leave out ROUTINE\n"
    )
    assert sessions(db_path) == []


def test_at_a_terminal_a_wrong_answer_is_asked_again_keeping_the_others(
    db_path: Path,
) -> None:
    import os
    import sys

    import pexpect

    child = pexpect.spawn(
        str(Path(sys.executable).parent / "easeback"),
        ["--db", str(db_path), "setup"],
        env={**os.environ, "TZ": "UTC"},
        encoding="utf-8",
        timeout=30,
    )
    for answer in ("06:45", "22:45", "9-5", "mon-fri", "Europe/Paris"):
        child.expect(r"\]: ")
        child.sendline(answer)
    child.expect_exact("Work hours: '9-5' is not HH:MM-HH:MM, e.g. 09:00-17:30, or none")
    child.expect_exact("Please answer again (Enter keeps what you typed):")
    for answer in ("", "", "09:00-17:30", "", ""):
        child.expect(r"\]: ")
        child.sendline(answer)
    child.expect_exact("Saved. Your stretches now fit your day:")
    child.expect(pexpect.EOF)
    child.close()

    assert child.exitstatus == 0
    assert settings_rows(db_path) == [
        ("06:45", "22:45", "09:00", "17:30", "mon,tue,wed,thu,fri", "Europe/Paris")
    ]
