"""`easeback calendar`: reminders as an .ics file that stays up to date."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from sqlalchemy import Engine

import easeback.usecases.clock
from easeback.wording import messages


def events_in(path_or_bytes: Path | bytes) -> dict[str, Any]:
    data = path_or_bytes.read_bytes() if isinstance(path_or_bytes, Path) else path_or_bytes
    calendar = Calendar.from_ical(data)
    return {str(e["UID"]): e for e in calendar.walk("VEVENT")}


def test_calendar_writes_one_event_per_time_of_day(cli, tmp_path: Path) -> None:
    target = tmp_path / "easeback.ics"

    result = cli("calendar", "--ics", str(target))

    assert result.exit_code == 0
    assert result.stdout == messages.CALENDAR_WRITTEN.format(path=target) + "\n"
    assert sorted(events_in(target)) == [
        "daytime-home@easeback",
        "daytime-work@easeback",
        "evening@easeback",
        "morning@easeback",
    ]


def test_a_dash_writes_the_calendar_to_stdout_only(cli, tmp_path: Path) -> None:
    result = cli("calendar", "--ics", "-")

    assert result.exit_code == 0
    assert result.stdout.startswith("BEGIN:VCALENDAR")
    assert "morning@easeback" in events_in(result.stdout.encode())
    assert not (tmp_path / "-").exists()


def test_the_file_is_rewritten_when_the_day_changes(cli, tmp_path: Path) -> None:
    target = tmp_path / "easeback.ics"
    cli("calendar", "--ics", str(target))
    before = events_in(target)["morning@easeback"]

    cli("setup", "--wake", "06:00", "--zone", "Europe/London")

    after = events_in(target)["morning@easeback"]
    assert after["DTSTART"].dt.strftime("%H:%M") == "06:05"
    assert int(after["SEQUENCE"]) > int(before["SEQUENCE"])
    assert after["UID"] == before["UID"]


def test_an_unwritable_path_is_a_clear_error(cli, tmp_path: Path) -> None:
    result = cli("calendar", "--ics", str(tmp_path / "no-such-folder" / "x.ics"))

    assert result.exit_code == 2
    assert result.stderr == (
        f"easeback: --ics: the folder {tmp_path}/no-such-folder does not exist\n"
    )
    assert result.stdout == ""


def test_a_folder_is_refused(cli, tmp_path: Path) -> None:
    result = cli("calendar", "--ics", str(tmp_path))

    assert result.exit_code == 2
    assert result.stderr == (
        f"easeback: --ics: {tmp_path} is a folder; give a file name such as "
        f"{tmp_path / 'easeback.ics'}\n"
    )


# --- the file follows the plan's history ------------------------------------------------

LONDON = ZoneInfo("Europe/London")


@pytest.fixture
def set_now(monkeypatch: pytest.MonkeyPatch) -> Callable[[str], datetime]:
    """Fix the wall clock at a London date and time, and the computer's zone there."""
    monkeypatch.setenv("TZ", "Europe/London")

    def set_(moment: str) -> datetime:
        now = datetime.fromisoformat(moment).replace(tzinfo=LONDON)
        monkeypatch.setattr(easeback.usecases.clock, "wall_now", lambda: now)
        return now

    return set_


def states(path: Path) -> dict[str, tuple[int, str, str]]:
    """uid -> (SEQUENCE, STATUS or "", DTSTART as written)."""
    return {
        uid: (int(e["SEQUENCE"]), str(e.get("STATUS", "")), e["DTSTART"].to_ical().decode())
        for uid, e in events_in(path).items()
    }


def test_a_change_to_the_day_updates_only_the_events_it_moves(
    cli: Any, set_now: Callable[[str], datetime], tmp_path: Path
) -> None:
    target = tmp_path / "easeback.ics"
    set_now("2026-03-04 09:00")  # a Wednesday
    assert cli("setup", "--zone", "Europe/London").exit_code == 0
    assert cli("calendar", "--ics", str(target)).exit_code == 0
    set_now("2026-03-06 19:00")

    assert cli("setup", "--bed", "00:30").exit_code == 0

    # revision 1 is the first setup, 2 the new bed time
    assert states(target) == {
        "morning@easeback": (1, "", "20260305T070500"),
        "daytime-work@easeback": (1, "", "20260304T130000"),
        "daytime-home@easeback": (2, "", "20260307T154500"),
        "evening@easeback": (2, "", "20260307T001000"),  # Friday's evening, after midnight
    }


def test_removing_the_work_days_cancels_the_work_day_reminders(
    cli: Any, set_now: Callable[[str], datetime], tmp_path: Path
) -> None:
    target = tmp_path / "easeback.ics"
    set_now("2026-03-04 09:00")
    assert cli("calendar", "--ics", str(target)).exit_code == 0
    set_now("2026-03-06 19:00")

    assert cli("setup", "--work-days", "none").exit_code == 0

    found = states(target)
    assert found["daytime-work@easeback"] == (1, "CANCELLED", "20260304T130000")
    assert found["daytime-home@easeback"][:2] == (1, "")


def test_writing_the_calendar_again_later_keeps_every_event_as_it_was(
    cli: Any, set_now: Callable[[str], datetime], tmp_path: Path
) -> None:
    target = tmp_path / "easeback.ics"
    set_now("2026-03-04 09:00")
    assert cli("calendar", "--ics", str(target)).exit_code == 0
    before = states(target)
    set_now("2026-04-20 09:00")

    assert cli("calendar", "--ics", str(target)).exit_code == 0

    assert states(target) == before


def test_the_rotation_a_third_time_a_day_updates_the_daytime_events(
    cli: Any, set_now: Callable[[str], datetime], engine: Engine
) -> None:
    from easeback.core.progression import Change
    from easeback.store.plan import Counted, save_progress
    from easeback.usecases.aftercare import calendar_bytes

    set_now("2026-03-04 09:00")
    assert cli("setup", "--zone", "Europe/London").exit_code == 0
    moved = datetime(2026, 3, 10, 8, 0, tzinfo=UTC)
    change = Change(moved, "lower-back-rotation", "times_per_day", 2, 3, "up", "3 good sessions")
    save_progress(
        engine,
        [Counted(session_id=None, state={}, doses={}, changes=[change], at=moved)],
        zone="UTC",
    )

    found = events_in(calendar_bytes(engine, datetime(2026, 3, 20, tzinfo=UTC)))

    # revision 1 is the setup, 2 the rotation's change
    assert {uid: int(e["SEQUENCE"]) for uid, e in found.items()} == {
        "morning@easeback": 1,
        "daytime-work@easeback": 2,
        "daytime-home@easeback": 2,
        "evening@easeback": 1,
    }
    assert str(found["daytime-work@easeback"]["SUMMARY"]) == (
        "Stretches: chair twist, lower-back rotation"
    )
    assert found["daytime-work@easeback"].start.isoformat() == "2026-03-10T17:30:00+00:00"


# --- the file follows a clinician's prescription ----------------------------------------

# The article's plan on the default day (07:00 to 22:30) with work, and a prescription's
# (helpers.RX_STRETCHES: knee press first and last thing, pelvic tilts in the evening).
ARTICLE = {
    "morning@easeback": "Stretches: knee press, lower-back rotation, pelvic tilt",
    "daytime-work@easeback": "Stretches: chair twist",
    "daytime-home@easeback": "Stretches: chair twist",
    "evening@easeback": "Stretches: knee press, lower-back rotation",
}
PRESCRIBED = {
    "morning@easeback": "Stretches: knee press",
    "evening@easeback": "Stretches: knee press, pelvic tilt",
}


def summaries(path_or_bytes: Path | bytes) -> dict[str, str]:
    """uid -> SUMMARY of the events still in the plan (not cancelled)."""
    return {
        uid: str(e["SUMMARY"])
        for uid, e in events_in(path_or_bytes).items()
        if str(e.get("STATUS", "")) != "CANCELLED"
    }


@pytest.fixture
def calendar_file(cli: Any, set_now: Callable[[str], datetime], tmp_path: Path) -> Path:
    """The day set up in London on Wednesday 4 March 2026 (revision 1) and a calendar
    written then, with the article's plan."""
    target = tmp_path / "easeback.ics"
    set_now("2026-03-04 09:00")
    assert cli("setup", "--zone", "Europe/London").exit_code == 0
    assert cli("calendar", "--ics", str(target)).exit_code == 0
    assert summaries(target) == ARTICLE
    return target


def test_importing_a_prescription_rewrites_the_calendar_to_its_course_from_then_on(
    engine: Engine, set_now: Callable[[str], datetime], calendar_file: Path
) -> None:
    from easeback.usecases.aftercare import rewrite_calendars
    from helpers import prescribe

    before = states(calendar_file)
    imported = set_now("2026-03-06 19:00")  # a Friday
    prescribe(engine, at=imported, start=date(2026, 3, 6))

    assert rewrite_calendars(engine) == []

    # revision 2 is the import; the middle of the day has nothing left in it
    assert summaries(calendar_file) == PRESCRIBED
    assert states(calendar_file) == {
        "morning@easeback": (2, "", "20260307T070500"),
        "evening@easeback": (2, "", "20260306T221000"),
        "daytime-work@easeback": (2, "CANCELLED", before["daytime-work@easeback"][2]),
        "daytime-home@easeback": (2, "CANCELLED", before["daytime-home@easeback"][2]),
    }
    until = events_in(calendar_file)["daytime-work@easeback"]["RRULE"]["UNTIL"][0]
    assert until == imported.astimezone(UTC)


def test_removing_the_prescription_brings_the_articles_course_back(
    engine: Engine, set_now: Callable[[str], datetime], calendar_file: Path
) -> None:
    from easeback.store.prescriptions import save_removal
    from easeback.usecases.aftercare import rewrite_calendars
    from helpers import prescribe

    prescribe(engine, at=set_now("2026-03-06 19:00"), start=date(2026, 3, 6))
    rewrite_calendars(engine)
    save_removal(engine, at=set_now("2026-03-11 08:00"))  # a Wednesday

    assert rewrite_calendars(engine) == []

    # revision 3 is the removal
    assert summaries(calendar_file) == ARTICLE
    assert states(calendar_file) == {
        "morning@easeback": (3, "", "20260312T070500"),
        "daytime-work@easeback": (3, "", "20260311T130000"),
        "daytime-home@easeback": (3, "", "20260314T144500"),
        "evening@easeback": (3, "", "20260311T221000"),
    }


def test_a_prescription_that_starts_later_changes_the_calendar_from_its_first_day(
    cli: Any, engine: Engine, set_now: Callable[[str], datetime], calendar_file: Path
) -> None:
    from easeback.usecases.aftercare import rewrite_calendars
    from helpers import prescribe

    before = states(calendar_file)
    prescribe(engine, at=set_now("2026-03-06 19:00"), start=date(2026, 3, 9))
    rewrite_calendars(engine)
    # revision 2 is the import, 3 the first day of the prescription: known ahead, so
    # the calendar written on Friday already changes on Monday, and a rewrite on
    # Tuesday writes the same.
    expected = {
        "morning@easeback": (3, "", "20260309T070500"),
        "evening@easeback": (3, "", "20260309T221000"),
        "daytime-work@easeback": (3, "CANCELLED", before["daytime-work@easeback"][2]),
        "daytime-home@easeback": (3, "CANCELLED", before["daytime-home@easeback"][2]),
    }
    assert states(calendar_file) == expected

    set_now("2026-03-10 09:00")
    assert cli("calendar", "--ics", str(calendar_file)).exit_code == 0

    assert summaries(calendar_file) == PRESCRIBED
    assert states(calendar_file) == expected
    until = events_in(calendar_file)["daytime-home@easeback"]["RRULE"]["UNTIL"][0]
    assert until == datetime(2026, 3, 9, tzinfo=LONDON)


def test_after_the_prescriptions_last_day_the_calendar_is_the_articles_again(
    cli: Any, engine: Engine, set_now: Callable[[str], datetime], calendar_file: Path
) -> None:
    from helpers import prescribe

    prescribe(engine, at=set_now("2026-03-06 19:00"), start=date(2026, 3, 6), end=date(2026, 3, 8))
    set_now("2026-03-10 09:00")

    assert cli("calendar", "--ics", str(calendar_file)).exit_code == 0

    # revision 2 is the import, 3 the day after its last (Monday 9 March)
    assert summaries(calendar_file) == ARTICLE
    assert states(calendar_file) == {
        "morning@easeback": (3, "", "20260309T070500"),
        "daytime-work@easeback": (3, "", "20260309T130000"),
        "daytime-home@easeback": (3, "", "20260314T144500"),
        "evening@easeback": (3, "", "20260309T221000"),
    }


def test_the_calendar_written_at_import_already_ends_the_prescription_on_its_last_day(
    engine: Engine, set_now: Callable[[str], datetime], calendar_file: Path
) -> None:
    from easeback.usecases.aftercare import rewrite_calendars
    from helpers import prescribe

    prescribe(engine, at=set_now("2026-03-06 19:00"), start=date(2026, 3, 6), end=date(2026, 3, 8))

    rewrite_calendars(engine)  # as the import does; nothing is written after the end

    assert states(calendar_file) == {
        "morning@easeback": (3, "", "20260309T070500"),
        "daytime-work@easeback": (3, "", "20260309T130000"),
        "daytime-home@easeback": (3, "", "20260314T144500"),
        "evening@easeback": (3, "", "20260309T221000"),
    }


def test_a_prescription_imported_before_the_first_calendar_shapes_it(
    cli: Any, engine: Engine, set_now: Callable[[str], datetime]
) -> None:
    from helpers import prescribe

    prescribe(engine, at=set_now("2026-03-04 09:00"), start=date(2026, 3, 1))
    set_now("2026-03-05 09:00")

    result = cli("calendar", "--ics", "-")

    assert summaries(result.stdout_bytes) == PRESCRIBED
