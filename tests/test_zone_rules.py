"""Time-zone definitions for calendars, written as yearly rules.

Each VTIMEZONE is read back by python-dateutil (through icalendar's ``to_tz``, which
uses the file's rules and not its zone name), and every wall-clock time it is asked
about must have the offset zoneinfo gives: noon on every day through 2040, and the
times just before and just after every change of the clocks. tests/
test_calendar_clients.py asks ical.js the same questions.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from easeback.reports.zone_rules import vtimezone

FIRST_YEAR, LAST_YEAR = 2026, 2040

# zone -> why it is in the table
ZONES = {
    "Europe/London": "summer time from the last Sunday of March",
    "America/New_York": "summer time from the second Sunday of March",
    "Australia/Sydney": "southern hemisphere: summer time across the new year",
    "Australia/Lord_Howe": "summer time of 30 minutes",
    "Asia/Tokyo": "no summer time",
    "Asia/Kolkata": "no summer time, half an hour off the hour",
    "America/Sao_Paulo": "summer time abolished in 2019",
    "Pacific/Chatham": "+12:45, changes at 02:45",
    "Asia/Jerusalem": "the Friday on or after 23 March",
    "Europe/Dublin": "winter written as a negative summer time",
    "Africa/Casablanca": "changes around Ramadan, on no yearly rule",
}


def clock_changes(zone: str, first_year: int, last_year: int) -> list[tuple[datetime, timedelta]]:
    """(local wall-clock time in the offset before, size) of every change of the clocks,
    found by reading zoneinfo every day and then every quarter of an hour."""
    tz = ZoneInfo(zone)
    found = []
    day = datetime(first_year, 1, 1, tzinfo=UTC)
    while day.year <= last_year:
        following = day + timedelta(days=1)
        before = day.astimezone(tz).utcoffset()
        if before != following.astimezone(tz).utcoffset():
            moment = day
            while moment.astimezone(tz).utcoffset() == before:
                moment += timedelta(minutes=15)
            after = moment.astimezone(tz).utcoffset()
            assert before is not None and after is not None
            found.append(((moment + before).replace(tzinfo=None), after - before))
        day = following
    return found


def wall_times(
    zone: str, first_year: int = FIRST_YEAR, last_year: int = LAST_YEAR
) -> list[datetime]:
    """The wall-clock times to ask about: noon every day, and half an hour clear of the
    skipped or repeated hour of every change, on both sides."""
    first = date(first_year, 1, 1)
    noon = [
        datetime(day.year, day.month, day.day, 12)
        for day in (
            first + timedelta(days=n) for n in range((date(last_year + 1, 1, 1) - first).days)
        )
    ]
    margin = timedelta(minutes=30)
    around = [
        moment
        for onset, size in clock_changes(zone, first_year, last_year)
        for moment in (onset - abs(size) - margin, onset + abs(size) + margin)
    ]
    return sorted(noon + around)


def wrong_offsets(zone: str, first_year: int = FIRST_YEAR, last_year: int = LAST_YEAR) -> list[str]:
    """Every time asked at which the written zone, as python-dateutil reads it, does not
    have zoneinfo's offset."""
    component = Calendar.from_ical(vtimezone(zone, first_year, last_year).to_ical())
    written = component.to_tz(lookup_tzid=False)
    real = ZoneInfo(zone)
    return [
        f"{moment:%Y-%m-%d %H:%M}: {moment.replace(tzinfo=written).utcoffset()} "
        f"instead of {moment.replace(tzinfo=real).utcoffset()}"
        for moment in wall_times(zone, first_year, last_year)
        if moment.replace(tzinfo=written).utcoffset() != moment.replace(tzinfo=real).utcoffset()
    ]


def test_the_table_has_zones_with_and_without_changes_of_the_clocks() -> None:
    changes = {zone: len(clock_changes(zone, FIRST_YEAR, LAST_YEAR)) for zone in ZONES}

    assert changes["Asia/Tokyo"] == changes["America/Sao_Paulo"] == 0
    assert changes["Europe/London"] == changes["Australia/Sydney"] == 30


@pytest.mark.parametrize("zone", ZONES, ids=list(ZONES))
def test_python_dateutil_reads_the_real_offset_at_every_time_asked(zone: str) -> None:
    assert wrong_offsets(zone) == []


# zone -> the sub-components' (kind, DTSTART, RRULE) as written
WRITTEN = {
    "Europe/London": [
        ("STANDARD", "20260101T000000", None),
        ("DAYLIGHT", "20260329T010000", "FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3"),
        ("STANDARD", "20261025T020000", "FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10"),
    ],
    "America/New_York": [
        ("STANDARD", "20260101T000000", None),
        ("DAYLIGHT", "20260308T020000", "FREQ=YEARLY;BYDAY=2SU;BYMONTH=3"),
        ("STANDARD", "20261101T020000", "FREQ=YEARLY;BYDAY=1SU;BYMONTH=11"),
    ],
    "Australia/Sydney": [  # in summer time on 1 January
        ("DAYLIGHT", "20260101T000000", None),
        ("STANDARD", "20260405T030000", "FREQ=YEARLY;BYDAY=1SU;BYMONTH=4"),
        ("DAYLIGHT", "20261004T020000", "FREQ=YEARLY;BYDAY=1SU;BYMONTH=10"),
    ],
    "Asia/Tokyo": [("STANDARD", "20260101T000000", None)],
    "Asia/Jerusalem": [
        ("STANDARD", "20260101T000000", None),
        (
            "DAYLIGHT",
            "20260327T020000",
            "FREQ=YEARLY;BYDAY=FR;BYMONTHDAY=23,24,25,26,27,28,29;BYMONTH=3",
        ),
        ("STANDARD", "20261025T020000", "FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10"),
    ],
}


@pytest.mark.parametrize(("zone", "expected"), WRITTEN.items(), ids=list(WRITTEN))
def test_a_zone_with_a_yearly_rule_is_written_as_that_rule(
    zone: str, expected: list[tuple[str, str, str | None]]
) -> None:
    component = vtimezone(zone, FIRST_YEAR, LAST_YEAR)

    assert [
        (
            part.name,
            part["DTSTART"].to_ical().decode(),
            part["RRULE"].to_ical().decode() if "RRULE" in part else None,
        )
        for part in component.subcomponents
    ] == expected


def test_a_rule_that_ended_stops_a_day_after_its_last_change() -> None:
    # Brazil's summer time ended in 2019; its rules changed before that, too.
    component = vtimezone("America/Sao_Paulo", 2015, 2030)

    assert [
        part["RRULE"].to_ical().decode() for part in component.subcomponents if "RRULE" in part
    ] == [
        # the Sunday on or after 16 February: the 3rd, or the 4th in a carnival year
        "FREQ=YEARLY;UNTIL=20190218T020000Z;BYDAY=SU;BYMONTHDAY=16,17,18,19,20,21,22;BYMONTH=2",
        "FREQ=YEARLY;UNTIL=20171016T030000Z;BYDAY=3SU;BYMONTH=10",
    ]
    assert wrong_offsets("America/Sao_Paulo", 2015, 2030) == []


def test_changes_on_no_yearly_rule_are_written_one_by_one() -> None:
    # Morocco's clocks go back for Ramadan, which moves about 11 days a year.
    component = vtimezone("Africa/Casablanca", FIRST_YEAR, LAST_YEAR)

    parts = component.subcomponents
    assert all("RRULE" not in part and "RDATE" not in part for part in parts)
    assert len(parts) == 1 + len(clock_changes("Africa/Casablanca", FIRST_YEAR, LAST_YEAR))
