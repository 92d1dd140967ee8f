"""Which slot of the plan a session fills: the slot whose window holds its start and
all of whose stretches it holds. Pure; times and settings are passed in."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from easeback.core.plan import DaySettings, plan_day
from easeback.core.slotting import filled_slot, slot_windows

WEDNESDAY = date(2026, 3, 4)
SATURDAY = date(2026, 3, 7)
DAY = DaySettings(zone="Europe/London")  # up 07:00, bed 22:30, work 09:00-17:00 mon-fri
EVERYTHING = ("knee-press", "lower-back-rotation", "pelvic-tilt", "chair-twist")  # default
BED = ("knee-press", "lower-back-rotation", "pelvic-tilt")  # the built-in bed routine
OFFICE = ("chair-twist",)
EVENING = ("knee-press", "lower-back-rotation")
ROTATION = ("lower-back-rotation",)


def at(day: date, hhmm: str, zone: str = "Europe/London") -> datetime:
    return datetime.combine(day, time.fromisoformat(hhmm), ZoneInfo(zone))


# A Wednesday's slots: morning 07:05, daytime 13:00 (at work), evening 22:10; bed 22:30.
@pytest.mark.parametrize(
    ("started", "stretches", "expected"),
    [
        ("07:10", EVERYTHING, "morning"),  # `easeback start default` at 07:10
        ("07:05", BED, "morning"),
        ("07:00", EVERYTHING, "morning"),  # the first window opens at wake time
        ("06:59", EVERYTHING, None),  # before waking
        ("12:59", EVERYTHING, "morning"),  # up to the next slot's time
        ("13:00", EVERYTHING, "daytime"),
        ("13:00", OFFICE, "daytime"),
        ("13:00", BED, None),  # the daytime slot needs the chair twist
        ("07:10", OFFICE, None),  # the morning slot needs all three of its stretches
        ("07:10", ROTATION, None),
        ("22:09", EVERYTHING, "daytime"),
        ("22:10", EVENING, "evening"),
        ("22:29", BED, "evening"),
        ("22:30", BED, None),  # bed time closes the last window
        ("23:50", EVERYTHING, None),
        ("00:10", EVERYTHING, None),
    ],
)
def test_a_session_fills_the_slot_of_its_window_that_it_holds(
    started: str, stretches: tuple[str, ...], expected: str | None
) -> None:
    found = filled_slot(at(WEDNESDAY, started), stretches, DAY, 2)

    assert found == ((expected, WEDNESDAY) if expected else None)


@pytest.mark.parametrize(
    ("day", "started", "per_day", "stretches", "expected"),
    [
        (SATURDAY, "14:44", 2, OFFICE, None),  # the day off's slot is midway: 14:45
        (SATURDAY, "14:45", 2, OFFICE, "daytime"),
        (WEDNESDAY, "13:00", 3, OFFICE, None),  # three rotations: home after work, with it
        (WEDNESDAY, "17:30", 3, ("chair-twist", "lower-back-rotation"), "daytime"),
        (WEDNESDAY, "17:29", 3, EVERYTHING, "morning"),
    ],
)
def test_the_days_own_plan_decides(
    day: date, started: str, per_day: int, stretches: tuple[str, ...], expected: str | None
) -> None:
    found = filled_slot(at(day, started), stretches, DAY, per_day)

    assert found == ((expected, day) if expected else None)


def test_the_start_is_read_in_the_zone_of_the_persons_day() -> None:
    tokyo = DaySettings(zone="Asia/Tokyo")
    started = datetime(2026, 3, 3, 22, 10, tzinfo=UTC)  # 07:10 on Wednesday in Tokyo

    assert filled_slot(started, EVERYTHING, tokyo, 2) == ("morning", WEDNESDAY)


def test_windows_follow_one_another_from_waking_to_bed() -> None:
    slots = plan_day(WEDNESDAY, DAY, 2)

    windows = [
        (slot.id, opens.strftime("%H:%M"), closes.strftime("%H:%M"))
        for slot, opens, closes in slot_windows(WEDNESDAY, DAY, slots)
    ]

    assert windows == [
        ("morning", "07:00", "13:00"),
        ("daytime", "13:00", "22:10"),
        ("evening", "22:10", "22:30"),
    ]


def test_a_slot_or_bed_time_after_midnight_is_on_the_next_calendar_day() -> None:
    late = DaySettings(wake=time(7, 0), bed=time(0, 30), zone="Europe/London")

    windows = slot_windows(WEDNESDAY, late, plan_day(WEDNESDAY, late, 2))

    assert [(opens.isoformat(), closes.isoformat()) for _, opens, closes in windows] == [
        ("2026-03-04T07:00:00", "2026-03-04T13:00:00"),
        ("2026-03-04T13:00:00", "2026-03-05T00:10:00"),
        ("2026-03-05T00:10:00", "2026-03-05T00:30:00"),
    ]


def test_a_session_just_after_midnight_fills_the_evening_of_the_day_before() -> None:
    late = DaySettings(wake=time(7, 0), bed=time(0, 30), zone="Europe/London")
    thursday = date(2026, 3, 5)

    assert filled_slot(at(thursday, "00:15"), EVENING, late, 2) == ("evening", WEDNESDAY)
    assert filled_slot(at(thursday, "00:31"), EVENING, late, 2) is None
