"""`easeback calendar`: reminders as an .ics file that stays up to date."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
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
    from easeback.store.plan import save_progress
    from easeback.usecases.aftercare import calendar_bytes

    set_now("2026-03-04 09:00")
    assert cli("setup", "--zone", "Europe/London").exit_code == 0
    moved = datetime(2026, 3, 10, 8, 0, tzinfo=UTC)
    change = Change(moved, "lower-back-rotation", "times_per_day", 2, 3, "up", "3 good sessions")
    save_progress(
        engine, session_id=None, state={}, doses={}, changes=[change], at=moved, zone="UTC"
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
