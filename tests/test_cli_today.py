"""`easeback today`: the day's slots, their times and doses, and what is done, stopped,
missed, next and later, on a fixed clock."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine

import easeback.usecases.clock
from easeback.core.player import Player
from easeback.store.plan import plan_inputs
from easeback.store.quick import read_plan_inputs
from easeback.store.sessions import SessionLog
from helpers import ROTATION_TIMELINE, SET_UP_LONDON

LONDON = ZoneInfo("Europe/London")
# Wednesday 4 March 2026: London is on GMT (UTC+0) until the 29th.
WEDNESDAY = "2026-03-04"
THURSDAY = "2026-03-05"
SET_UP = SET_UP_LONDON

SetNow = Callable[[str], datetime]


def london(day: str, hhmm: str) -> datetime:
    return datetime.fromisoformat(f"{day}T{hhmm}").replace(tzinfo=LONDON)


@pytest.fixture(autouse=True)
def machine_in_london(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "Europe/London")


@pytest.fixture
def set_now(monkeypatch: pytest.MonkeyPatch) -> SetNow:
    """Fix the wall clock the commands read at a London date and time."""

    def set_(moment: str) -> datetime:
        day, hhmm = moment.split()
        now = london(day, hhmm)
        monkeypatch.setattr(easeback.usecases.clock, "wall_now", lambda: now)
        return now

    return set_


def today(cli: Any) -> dict[str, Any]:
    result = cli("today", "--json")
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    return json.loads(result.stdout)


def statuses(view: dict[str, Any]) -> tuple[str, ...]:
    return tuple(slot["status"] for slot in view["slots"])


def times(view: dict[str, Any]) -> tuple[str, ...]:
    return tuple(slot["time"] for slot in view["slots"])


def record(
    engine: Engine,
    *,
    slot: str,
    plan_date: str,
    ending: str,
    started: datetime,
    speed: float = 1.0,
) -> None:
    """Store a session for a slot of the plan, ending as ``ending``, its events stamped
    at the wall times they happened (a 27 s routine, played at ``speed``)."""
    log = SessionLog(
        engine,
        ROTATION_TIMELINE,
        title="Just the rotation",
        speed=speed,
        started=started,
        zone="Europe/London",
        player="terminal",
        slot=slot,
        plan_date=plan_date,
    )
    player = Player(ROTATION_TIMELINE, speed=speed)
    events = player.start(0.0) + player.tick(5.0 / speed)
    if ending == "completed":
        events += player.tick(ROTATION_TIMELINE.total_ms / 1000 / speed)
    elif ending == "pain_stop":
        events += player.pain_stop(6.0 / speed)
    elif ending == "quit":
        events += player.quit(6.0 / speed)
    for event in events:
        log.append(
            event, wall=started + timedelta(seconds=event.at), offset_ms=round(event.at * 1000)
        )


# --- before any setup ---------------------------------------------------------------


def test_today_on_an_empty_store_shows_the_default_day_at_the_starting_doses(
    cli: Any, set_now: SetNow
) -> None:
    set_now(f"{WEDNESDAY} 13:00")

    assert today(cli) == {
        "date": WEDNESDAY,
        "zone": "Europe/London",
        "now": "13:00",
        "set_up": False,
        "slots": [
            {
                "id": "morning",
                "time": "07:05",
                "where": "lying down",
                "status": "missed",
                "stretches": [
                    {"id": "knee-press", "hold_s": 15, "reps": 1},
                    {"id": "lower-back-rotation", "hold_s": 10, "reps": 1},
                    {"id": "pelvic-tilt", "hold_s": 7, "reps": 5},
                ],
            },
            {
                "id": "daytime",
                "time": "13:00",
                "where": "at work",
                "status": "next",
                "stretches": [{"id": "chair-twist", "hold_s": 7, "reps": 2}],
            },
            {
                "id": "evening",
                "time": "22:10",
                "where": "lying down",
                "status": "later",
                "stretches": [
                    {"id": "knee-press", "hold_s": 15, "reps": 1},
                    {"id": "lower-back-rotation", "hold_s": 10, "reps": 1},
                ],
            },
        ],
        "next": "daytime",
        "plan": {"source": "article"},
        "week": {"sessions": 0, "days": 0, "words": None},
    }


def test_today_without_json_says_how_to_fit_the_times_to_your_day(
    cli: Any, set_now: SetNow, monkeypatch: pytest.MonkeyPatch
) -> None:
    from easeback.wording import messages

    monkeypatch.setenv("COLUMNS", "200")
    set_now(f"{WEDNESDAY} 13:00")

    result = cli("today")

    assert result.exit_code == 0, result.output
    assert "Today, Wednesday 4 March (Europe/London), now 13:00" in result.stdout
    assert messages.NOT_SET_UP in result.stdout


# --- after setup --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("moment", "expected", "next_slot"),
    [
        (f"{WEDNESDAY} 06:00", ("next", "later", "later"), "morning"),
        (f"{WEDNESDAY} 10:00", ("next", "later", "later"), "morning"),
        (f"{WEDNESDAY} 13:00", ("missed", "next", "later"), "daytime"),
        (f"{WEDNESDAY} 22:40", ("missed", "missed", "next"), "evening"),
        (f"{WEDNESDAY} 23:00", ("missed", "missed", "missed"), None),
    ],
)
def test_after_setup_the_slots_follow_the_day_and_the_clock(
    cli: Any,
    set_now: SetNow,
    moment: str,
    expected: tuple[str, ...],
    next_slot: str | None,
) -> None:
    set_now(f"{WEDNESDAY} 05:00")
    assert cli(*SET_UP).exit_code == 0
    set_now(moment)

    view = today(cli)

    assert view["set_up"] is True
    assert (view["date"], view["zone"], view["now"]) == (WEDNESDAY, "Europe/London", moment[-5:])
    assert times(view) == ("06:35", "12:45", "22:40")
    assert [slot["where"] for slot in view["slots"]] == ["lying down", "at work", "lying down"]
    assert statuses(view) == expected
    assert view["next"] == next_slot


def test_on_a_day_off_the_chair_twist_is_at_home_midway_through_the_day(
    cli: Any, set_now: SetNow
) -> None:
    set_now(f"{WEDNESDAY} 05:00")
    assert cli(*SET_UP).exit_code == 0
    set_now("2026-03-07 09:00")  # a Saturday

    view = today(cli)

    assert times(view) == ("06:35", "14:45", "22:40")
    assert view["slots"][1]["where"] == "at home"


@pytest.mark.parametrize(
    ("ending", "speed", "status"),
    [
        ("completed", 1.0, "done"),
        ("pain_stop", 1.0, "stopped"),
        ("quit", 1.0, "next"),
        ("completed", 20.0, "next"),  # a rehearsal does not count
    ],
    ids=["completed", "pain stop", "quit", "rehearsal"],
)
def test_a_session_for_a_slot_marks_it(
    cli: Any, engine: Engine, set_now: SetNow, ending: str, speed: float, status: str
) -> None:
    set_now(f"{WEDNESDAY} 05:00")
    assert cli(*SET_UP).exit_code == 0
    record(
        engine,
        slot="daytime",
        plan_date=WEDNESDAY,
        ending=ending,
        started=london(WEDNESDAY, "12:50"),
        speed=speed,
    )
    set_now(f"{WEDNESDAY} 14:00")

    view = today(cli)

    assert statuses(view) == ("missed", status, "later" if status == "next" else "next")


def test_a_completion_wins_over_an_earlier_pain_stop_the_same_day(
    cli: Any, engine: Engine, set_now: SetNow
) -> None:
    set_now(f"{WEDNESDAY} 05:00")
    assert cli(*SET_UP).exit_code == 0
    record(
        engine,
        slot="morning",
        plan_date=WEDNESDAY,
        ending="pain_stop",
        started=london(WEDNESDAY, "06:35"),
    )
    record(
        engine,
        slot="morning",
        plan_date=WEDNESDAY,
        ending="completed",
        started=london(WEDNESDAY, "08:00"),
    )
    set_now(f"{WEDNESDAY} 09:00")

    assert statuses(today(cli)) == ("done", "next", "later")


def test_a_session_crossing_midnight_counts_for_the_day_it_started(
    cli: Any, engine: Engine, set_now: SetNow, db_path: Path
) -> None:
    set_now(f"{WEDNESDAY} 05:00")
    assert cli(*SET_UP).exit_code == 0
    # 27 s of stretching from 23:59:50: it ends on Thursday
    record(
        engine,
        slot="evening",
        plan_date=WEDNESDAY,
        ending="completed",
        started=london(WEDNESDAY, "23:59:50"),
    )

    started_on, ended_on = (read_plan_inputs(db_path, d) for d in (WEDNESDAY, THURSDAY))
    assert started_on is not None and started_on.outcomes == {"evening": "completed"}
    assert ended_on is not None and ended_on.outcomes == {}

    set_now(f"{WEDNESDAY} 23:59")
    assert statuses(today(cli)) == ("missed", "missed", "done")

    set_now(f"{THURSDAY} 00:01")
    view = today(cli)
    assert view["date"] == THURSDAY
    assert statuses(view) == ("next", "later", "later")


@pytest.mark.parametrize(
    ("moment", "day", "expected"),
    [
        (f"{WEDNESDAY} 23:00", WEDNESDAY, ("missed", "done", "next")),
        (f"{THURSDAY} 00:15", WEDNESDAY, ("missed", "done", "next")),  # Wednesday's sessions
        (f"{THURSDAY} 00:30", THURSDAY, ("next", "later", "later")),
    ],
    ids=["before midnight", "after midnight, before bed", "at bed time: the new day"],
)
def test_with_bed_after_midnight_today_lasts_until_bed_time(
    cli: Any, engine: Engine, set_now: SetNow, moment: str, day: str, expected: tuple[str, ...]
) -> None:
    set_now(f"{WEDNESDAY} 05:00")
    assert cli(*SET_UP).exit_code == 0
    assert cli("setup", "--bed", "00:30").exit_code == 0
    record(
        engine,
        slot="daytime",
        plan_date=WEDNESDAY,
        ending="completed",
        started=london(WEDNESDAY, "12:50"),
    )
    set_now(moment)

    view = today(cli)

    assert (view["date"], view["now"]) == (day, moment[-5:])
    assert times(view) == ("06:35", "12:45", "00:10")
    assert statuses(view) == expected


def test_a_day_missed_entirely_shows_every_slot_missed_at_23_59(
    cli: Any, engine: Engine, set_now: SetNow
) -> None:
    set_now(f"{WEDNESDAY} 05:00")
    assert cli(*SET_UP).exit_code == 0
    # yesterday's sessions do not count today
    record(
        engine,
        slot="morning",
        plan_date="2026-03-03",
        ending="completed",
        started=london("2026-03-03", "06:40"),
    )
    set_now(f"{WEDNESDAY} 23:59")

    view = today(cli)

    assert statuses(view) == ("missed", "missed", "missed")
    assert view["next"] is None


def test_changing_the_zone_moves_the_day_to_the_new_zone(cli: Any, set_now: SetNow) -> None:
    set_now(f"{WEDNESDAY} 05:00")
    assert cli(*SET_UP).exit_code == 0
    set_now(f"{THURSDAY} 02:00")  # 02:00 in London is 21:00 the evening before in New York

    in_london = today(cli)
    assert (in_london["date"], in_london["now"]) == (THURSDAY, "02:00")
    assert statuses(in_london) == ("next", "later", "later")

    assert cli("setup", "--zone", "America/New_York").exit_code == 0
    in_new_york = today(cli)

    assert (in_new_york["date"], in_new_york["zone"], in_new_york["now"]) == (
        WEDNESDAY,
        "America/New_York",
        "21:00",
    )
    assert times(in_new_york) == ("06:35", "12:45", "22:40")  # the same local times
    assert statuses(in_new_york) == ("missed", "next", "later")


def test_the_day_is_the_one_in_the_settings_zone_not_the_computers(
    cli: Any, engine: Engine, set_now: SetNow, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TZ", "UTC")
    set_now(f"{WEDNESDAY} 05:00")
    assert cli("setup", "--zone", "Pacific/Auckland", "--work", "none").exit_code == 0
    # 20:00 on Wednesday in London and UTC is 09:00 on Thursday in Auckland
    record(
        engine,
        slot="morning",
        plan_date=THURSDAY,
        ending="completed",
        started=datetime(2026, 3, 4, 18, 10, tzinfo=UTC),
    )
    set_now(f"{WEDNESDAY} 20:00")

    view = today(cli)

    assert (view["date"], view["zone"], view["now"]) == (THURSDAY, "Pacific/Auckland", "09:00")
    assert statuses(view) == ("done", "next", "later")


# --- the fast path ------------------------------------------------------------------


def test_today_answers_without_opening_the_store_through_sqlalchemy(
    cli: Any, set_now: SetNow, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_now(f"{WEDNESDAY} 05:00")
    assert cli(*SET_UP).exit_code == 0  # creates and migrates the store

    def refuse(db: str | None = None) -> None:
        raise AssertionError("today opened the store through SQLAlchemy")

    monkeypatch.setattr("easeback.store.db.open_store", refuse)
    set_now(f"{WEDNESDAY} 13:00")

    view = today(cli)

    assert view["set_up"] is True
    assert statuses(view) == ("missed", "next", "later")


def test_today_in_its_own_process_loads_neither_sqlalchemy_nor_alembic(
    cli: Any, set_now: SetNow, db_path: Path
) -> None:
    set_now(f"{WEDNESDAY} 05:00")
    assert cli(*SET_UP).exit_code == 0
    script = (
        "import sys\n"
        "from easeback.cli import app\n"
        "try:\n"
        "    app(['--db', sys.argv[1], 'today', '--json'])\n"
        "except SystemExit as exc:\n"
        "    assert exc.code in (0, None), exc.code\n"
        "loaded = {m.split('.')[0] for m in sys.modules}\n"
        "print(sorted(loaded & {'sqlalchemy', 'alembic'}), file=sys.stderr)\n"
    )

    done = subprocess.run(
        [sys.executable, "-c", script, str(db_path)], capture_output=True, text=True, check=True
    )

    assert json.loads(done.stdout)["set_up"] is True
    assert done.stderr == "[]\n"


@pytest.mark.parametrize("db_args", [["--db", "{db}"], ["--db={db}"]])
def test_the_program_answers_today_json_without_loading_the_cli_framework(
    cli: Any, set_now: SetNow, db_path: Path, db_args: list[str]
) -> None:
    """easeback today --json is called again and again by scripts: the program's entry
    point answers it without Typer, and says exactly what the command says."""
    set_now(f"{WEDNESDAY} 05:00")
    assert cli(*SET_UP).exit_code == 0
    args = [a.format(db=db_path) for a in db_args]
    script = (
        "import sys\n"
        "from easeback.entry import main\n"
        "sys.argv = ['easeback', *sys.argv[1:]]\n"
        "main()\n"
        "loaded = {m.split('.')[0] for m in sys.modules}\n"
        "print(sorted(loaded & {'typer', 'click', 'sqlalchemy', 'alembic'}), file=sys.stderr)\n"
    )

    done = subprocess.run(
        [sys.executable, "-c", script, *args, "today", "--json"],
        capture_output=True,
        text=True,
        check=True,
    )

    full = subprocess.run(
        [sys.executable, "-c", "from easeback.cli import main; main()", *args, "today", "--json"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stderr == "[]\n"
    assert json.loads(done.stdout)["set_up"] is True
    assert done.stdout == full.stdout


def test_anything_else_goes_to_the_full_cli(db_path: Path) -> None:
    easeback = Path(sys.executable).parent / "easeback"

    done = subprocess.run(
        [str(easeback), "--db", str(db_path.parent), "today", "--json"],  # a folder
        capture_output=True,
        text=True,
        check=False,
    )

    assert done.returncode == 2
    assert done.stderr.startswith("easeback: ")
    assert "is a folder" in done.stderr
    assert "Traceback" not in done.stderr


def test_the_fast_path_and_the_store_read_the_same_inputs(
    cli: Any, engine: Engine, set_now: SetNow, db_path: Path
) -> None:
    set_now(f"{WEDNESDAY} 05:00")
    assert cli(*SET_UP).exit_code == 0
    record(
        engine,
        slot="morning",
        plan_date=WEDNESDAY,
        ending="pain_stop",
        started=london(WEDNESDAY, "06:40"),
    )
    record(
        engine,
        slot="daytime",
        plan_date=WEDNESDAY,
        ending="completed",
        started=london(WEDNESDAY, "04:00"),
    )

    quick = read_plan_inputs(db_path, WEDNESDAY)

    assert quick is not None
    assert quick == plan_inputs(engine, WEDNESDAY)
    assert quick.outcomes == {"morning": "pain_stop", "daytime": "completed"}
    assert quick.finished == (london(WEDNESDAY, "04:00").astimezone(UTC),)
    assert quick.settings is not None and quick.settings.zone == "Europe/London"


def set_revision(db_path: Path, revision: str) -> None:
    connection = sqlite3.connect(db_path)
    try:
        connection.execute("UPDATE alembic_version SET version_num = ?", (revision,))
        connection.commit()
    finally:
        connection.close()


@pytest.mark.parametrize("revision", ["0006", "0099"])
def test_the_fast_path_steps_aside_for_a_store_at_another_schema_revision(
    engine: Engine, db_path: Path, revision: str
) -> None:
    assert read_plan_inputs(db_path, WEDNESDAY) is not None
    set_revision(db_path, revision)

    assert read_plan_inputs(db_path, WEDNESDAY) is None


def test_the_fast_path_steps_aside_when_there_is_no_store_yet(tmp_path: Path) -> None:
    assert read_plan_inputs(tmp_path / "nothing-here.db", WEDNESDAY) is None


def test_today_works_on_a_store_from_the_previous_version(
    cli: Any, engine: Engine, set_now: SetNow, db_path: Path
) -> None:
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option(
        "script_location", str(resources.files("easeback.store").joinpath("migrations"))
    )
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0002")
    engine.dispose()
    assert read_plan_inputs(db_path, WEDNESDAY) is None
    set_now(f"{WEDNESDAY} 13:00")

    view = today(cli)

    assert view["set_up"] is False
    assert statuses(view) == ("missed", "next", "later")
    assert read_plan_inputs(db_path, WEDNESDAY) is not None  # migrated on the way


# --- the week so far ------------------------------------------------------------------


def test_the_week_so_far_counts_sessions_played_to_the_end_since_monday(
    cli: Any, engine: Engine, set_now: SetNow, monkeypatch: pytest.MonkeyPatch
) -> None:

    set_now(f"{WEDNESDAY} 05:00")
    assert cli(*SET_UP).exit_code == 0
    played = [
        ("2026-03-01", "22:10", "completed", 1.0),  # Sunday: last week
        ("2026-03-02", "07:05", "completed", 1.0),  # Monday
        ("2026-03-02", "22:10", "completed", 1.0),
        ("2026-03-03", "07:05", "pain_stop", 1.0),  # not played to the end
        ("2026-03-03", "13:00", "completed", 10.0),  # a rehearsal
        ("2026-03-04", "07:05", "completed", 1.0),  # Wednesday, today
    ]
    for day, hhmm, ending, speed in played:
        record(
            engine,
            slot="morning" if hhmm == "07:05" else "evening",
            plan_date=day,
            ending=ending,
            started=london(day, hhmm),
            speed=speed,
        )
    set_now(f"{WEDNESDAY} 09:00")
    monkeypatch.setenv("COLUMNS", "200")

    view = today(cli)
    text = cli("today").stdout

    assert view["week"] == {
        "sessions": 3,
        "days": 2,
        "words": "3 sessions on 2 days this week so far.",
    }
    assert "3 sessions on 2 days this week so far." in text


def test_the_first_session_of_the_week_is_a_good_start_and_none_says_nothing(
    cli: Any, engine: Engine, set_now: SetNow, monkeypatch: pytest.MonkeyPatch
) -> None:
    from easeback.wording import messages

    monkeypatch.setenv("COLUMNS", "200")
    set_now(f"{WEDNESDAY} 05:00")
    assert cli(*SET_UP).exit_code == 0
    nothing = cli("today").stdout
    record(
        engine,
        slot="morning",
        plan_date=WEDNESDAY,
        ending="completed",
        started=london(WEDNESDAY, "06:35"),
    )
    set_now(f"{WEDNESDAY} 09:00")

    assert "this week" not in nothing
    assert today(cli)["week"]["words"] == messages.WEEK_FIRST
    assert messages.WEEK_FIRST in cli("today").stdout
