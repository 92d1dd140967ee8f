"""`easeback calendar`: reminders as an .ics file that stays up to date."""

from __future__ import annotations

from pathlib import Path

from icalendar import Calendar

from easeback.wording import messages


def events_in(path_or_bytes: Path | bytes) -> dict[str, object]:
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
    assert result.stderr.startswith(f"easeback: --ics: cannot write {tmp_path}/no-such-folder")
    assert result.stdout == ""


def test_a_folder_is_refused(cli, tmp_path: Path) -> None:
    result = cli("calendar", "--ics", str(tmp_path))

    assert result.exit_code == 2
    assert result.stderr == (
        f"easeback: --ics: {tmp_path} is a folder; give a file name such as "
        f"{tmp_path / 'easeback.ics'}\n"
    )
