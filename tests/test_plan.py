"""The day's plan: which stretches are due when, from the seed's timing and the
person's day. Pure functions on plain values; dates and times are passed in."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from easeback.core.plan import (
    DaySettings,
    Slot,
    format_days,
    local_day,
    parse_days,
    plan_day,
    slot_statuses,
)

TUESDAY = date(2026, 3, 3)
WEDNESDAY = date(2026, 3, 4)
SATURDAY = date(2026, 3, 7)

MORNING = ("knee-press", "lower-back-rotation", "pelvic-tilt")
EVENING = ("knee-press", "lower-back-rotation")
TWIST = ("chair-twist",)
TWIST_AND_ROTATION = ("chair-twist", "lower-back-rotation")

NO_WORK = {"work_start": None, "work_end": None}
EARLY_RISER = DaySettings(
    wake=time(5, 30), bed=time(21, 0), work_start=time(6, 0), work_end=time(14, 0)
)
MON_WED_FRI = DaySettings(work_days=frozenset({0, 2, 4}))

# (settings, day, rotation per day) -> (id, time, stretches, where) for every slot
PLANS = {
    "default, a weekday": (
        DaySettings(),
        WEDNESDAY,
        2,
        [
            ("morning", "07:05", MORNING, "lying down"),
            ("daytime", "13:00", TWIST, "at work"),
            ("evening", "22:10", EVENING, "lying down"),
        ],
    ),
    "default, the weekend": (
        DaySettings(),
        SATURDAY,
        2,
        [
            ("morning", "07:05", MORNING, "lying down"),
            ("daytime", "14:45", TWIST, "at home"),
            ("evening", "22:10", EVENING, "lying down"),
        ],
    ),
    "early riser, work 06:00-14:00": (
        EARLY_RISER,
        WEDNESDAY,
        2,
        [
            ("morning", "05:35", MORNING, "lying down"),
            ("daytime", "10:00", TWIST, "at work"),
            ("evening", "20:40", EVENING, "lying down"),
        ],
    ),
    "no work hours": (
        DaySettings(**NO_WORK),
        WEDNESDAY,
        2,
        [
            ("morning", "07:05", MORNING, "lying down"),
            ("daytime", "14:45", TWIST, "at home"),
            ("evening", "22:10", EVENING, "lying down"),
        ],
    ),
    "no work days": (
        DaySettings(work_days=frozenset()),
        WEDNESDAY,
        2,
        [
            ("morning", "07:05", MORNING, "lying down"),
            ("daytime", "14:45", TWIST, "at home"),
            ("evening", "22:10", EVENING, "lying down"),
        ],
    ),
    "work mon,wed,fri, on a Tuesday": (
        MON_WED_FRI,
        TUESDAY,
        2,
        [
            ("morning", "07:05", MORNING, "lying down"),
            ("daytime", "14:45", TWIST, "at home"),
            ("evening", "22:10", EVENING, "lying down"),
        ],
    ),
    "work mon,wed,fri, on a Wednesday": (
        MON_WED_FRI,
        WEDNESDAY,
        2,
        [
            ("morning", "07:05", MORNING, "lying down"),
            ("daytime", "13:00", TWIST, "at work"),
            ("evening", "22:10", EVENING, "lying down"),
        ],
    ),
    "weekend work, on a Saturday": (
        DaySettings(work_days=frozenset({5, 6})),
        SATURDAY,
        2,
        [
            ("morning", "07:05", MORNING, "lying down"),
            ("daytime", "13:00", TWIST, "at work"),
            ("evening", "22:10", EVENING, "lying down"),
        ],
    ),
    "weekend work, on a Wednesday": (
        DaySettings(work_days=frozenset({5, 6})),
        WEDNESDAY,
        2,
        [
            ("morning", "07:05", MORNING, "lying down"),
            ("daytime", "14:45", TWIST, "at home"),
            ("evening", "22:10", EVENING, "lying down"),
        ],
    ),
    "rotation three times a day on a work day: home after work": (
        DaySettings(),
        WEDNESDAY,
        3,
        [
            ("morning", "07:05", MORNING, "lying down"),
            ("daytime", "17:30", TWIST_AND_ROTATION, "at home"),
            ("evening", "22:10", EVENING, "lying down"),
        ],
    ),
    "rotation three times a day, at home": (
        DaySettings(),
        SATURDAY,
        3,
        [
            ("morning", "07:05", MORNING, "lying down"),
            ("daytime", "14:45", TWIST_AND_ROTATION, "at home"),
            ("evening", "22:10", EVENING, "lying down"),
        ],
    ),
    "midday rounded to 5 minutes": (
        DaySettings(wake=time(6, 7), bed=time(22, 0), **NO_WORK),
        WEDNESDAY,
        2,
        [
            ("morning", "06:12", MORNING, "lying down"),
            ("daytime", "14:05", TWIST, "at home"),
            ("evening", "21:40", EVENING, "lying down"),
        ],
    ),
    "late riser, bed at 23:59": (
        DaySettings(
            wake=time(10, 0), bed=time(23, 59), work_start=time(12, 0), work_end=time(20, 0)
        ),
        WEDNESDAY,
        2,
        [
            ("morning", "10:05", MORNING, "lying down"),
            ("daytime", "16:00", TWIST, "at work"),
            ("evening", "23:39", EVENING, "lying down"),
        ],
    ),
}


def table(slots: list[Slot]) -> list[tuple[str, str, tuple[str, ...], str]]:
    return [(s.id, s.at.strftime("%H:%M"), s.stretches, s.where) for s in slots]


@pytest.mark.parametrize(("settings", "day", "rotation", "expected"), PLANS.values(), ids=PLANS)
def test_day_settings_give_exactly_these_slots(
    settings: DaySettings, day: date, rotation: int, expected: list[object]
) -> None:
    assert settings.problems() == []
    assert table(plan_day(day, settings, rotation)) == expected


def check_seed_timing(slots: list[Slot], settings: DaySettings, day: date, rotation: int) -> None:
    """The rules every plan keeps, whatever the day looks like."""
    times = [s.at for s in slots]
    assert [s.id for s in slots] == ["morning", "daytime", "evening"]
    # knee press first thing after waking and last thing before bed
    assert settings.wake < times[0] < times[1] < times[2] < settings.bed
    assert "knee-press" in slots[0].stretches
    assert "knee-press" in slots[-1].stretches
    assert all(len(s.stretches) <= 3 for s in slots)
    counts = Counter(sid for s in slots for sid in s.stretches)
    assert counts["lower-back-rotation"] == rotation
    assert counts["pelvic-tilt"] == 1
    assert counts["chair-twist"] == 1
    assert counts["knee-press"] == 2
    daytime = slots[1]
    works = day.weekday() in settings.work_days and settings.work_start is not None
    if works and rotation >= 3 and daytime.where == "at home":
        # the rotation is done lying down: home after work, never at the desk
        assert settings.work_end is not None
        assert minutes(daytime.at) >= minutes(settings.work_end) + 30 - 2.5
        return
    assert daytime.where == ("at work" if works else "at home")
    if works:  # at work, to the nearest 5 minutes
        assert settings.work_start is not None and settings.work_end is not None
        assert minutes(settings.work_start) - 2.5 <= minutes(daytime.at)
        assert minutes(daytime.at) <= minutes(settings.work_end) + 2.5


def minutes(moment: time) -> int:
    return moment.hour * 60 + moment.minute


@pytest.mark.parametrize(("settings", "day", "rotation", "expected"), PLANS.values(), ids=PLANS)
def test_every_plan_in_the_table_keeps_the_seed_timing(
    settings: DaySettings, day: date, rotation: int, expected: list[object]
) -> None:
    check_seed_timing(plan_day(day, settings, rotation), settings, day, rotation)


@st.composite
def valid_days(draw: st.DrawFn) -> DaySettings:
    """Any day that DaySettings.problems() accepts: 6+ hours awake, work inside it."""
    wake = draw(st.integers(0, 23 * 60 + 59 - 6 * 60))
    bed = draw(st.integers(wake + 6 * 60, 23 * 60 + 59))
    work: dict[str, time | None] = dict(NO_WORK)
    if draw(st.booleans()):
        # work must reach 20 minutes past waking and start 35 minutes before bed
        start = draw(st.integers(wake, bed - 35))
        end = draw(st.integers(max(start + 1, wake + 20), bed))
        work = {"work_start": clock(start), "work_end": clock(end)}
    days = draw(st.frozensets(st.integers(0, 6)))
    return DaySettings(wake=clock(wake), bed=clock(bed), work_days=days, **work)


def clock(total: int) -> time:
    return time(total // 60, total % 60)


@given(
    settings=valid_days(),
    day=st.dates(date(2026, 1, 1), date(2027, 12, 31)),
    rotation=st.sampled_from([2, 3]),
)
@example(
    settings=DaySettings(work_start=time(7, 0), work_end=time(7, 20)),
    day=WEDNESDAY,
    rotation=2,
).via("work right after waking")
@example(
    settings=DaySettings(work_start=time(21, 55), work_end=time(22, 30)),
    day=WEDNESDAY,
    rotation=2,
).via("work right up to bed time")
def test_any_valid_day_keeps_the_seed_timing(
    settings: DaySettings, day: date, rotation: int
) -> None:
    assert settings.problems() == []
    check_seed_timing(plan_day(day, settings, rotation), settings, day, rotation)


# --- impossible days ----------------------------------------------------------------

PROBLEMS = {
    "the defaults are fine": (DaySettings(), []),
    "exactly 6 hours awake is enough": (
        DaySettings(wake=time(7, 0), bed=time(13, 0), **NO_WORK),
        [],
    ),
    "bed before wake": (
        DaySettings(wake=time(8, 0), bed=time(7, 0), **NO_WORK),
        [
            (
                "bed",
                "bed time 07:00 is not after wake time 08:00; give both for the same day "
                "(bed up to 23:59)",
            )
        ],
    ),
    "bed at the wake time": (
        DaySettings(wake=time(7, 0), bed=time(7, 0), **NO_WORK),
        [
            (
                "bed",
                "bed time 07:00 is not after wake time 07:00; give both for the same day "
                "(bed up to 23:59)",
            )
        ],
    ),
    "under 6 hours awake": (
        DaySettings(wake=time(7, 0), bed=time(12, 30), **NO_WORK),
        [
            (
                "bed",
                "only 5 h 30 min between waking and bed; easeback needs at least 6 hours "
                "to spread the stretches",
            )
        ],
    ),
    "work ends before it starts": (
        DaySettings(work_start=time(17, 0), work_end=time(9, 0)),
        [
            (
                "work",
                "work ends (09:00) at or before it starts (17:00); give a start before the end",
            )
        ],
    ),
    "a zero-length work day": (
        DaySettings(work_start=time(9, 0), work_end=time(9, 0)),
        [
            (
                "work",
                "work ends (09:00) at or before it starts (09:00); give a start before the end",
            )
        ],
    ),
    "work starts before waking": (
        DaySettings(work_start=time(6, 0), work_end=time(14, 0)),
        [("work", "work hours must fall between waking and bed time")],
    ),
    "work ends after bed time": (
        DaySettings(work_start=time(15, 0), work_end=time(23, 0)),
        [("work", "work hours must fall between waking and bed time")],
    ),
    "work over before the morning stretches leave room": (
        DaySettings(work_start=time(7, 0), work_end=time(7, 10)),
        [
            (
                "work",
                "work hours must leave room for the morning and bedtime stretches: end "
                "20 minutes or more after waking, and start 35 minutes or more before bed",
            )
        ],
    ),
    "work starting too close to bed": (
        DaySettings(work_start=time(22, 0), work_end=time(22, 30)),
        [
            (
                "work",
                "work hours must leave room for the morning and bedtime stretches: end "
                "20 minutes or more after waking, and start 35 minutes or more before bed",
            )
        ],
    ),
    "only the start of work": (
        DaySettings(work_start=time(9, 0), work_end=None),
        [("work", "give both the start and the end of work, or neither")],
    ),
    "only the end of work": (
        DaySettings(work_start=None, work_end=time(17, 0)),
        [("work", "give both the start and the end of work, or neither")],
    ),
    "unknown time zone": (
        DaySettings(zone="Mars/Base"),
        [
            (
                "zone",
                "unknown time zone 'Mars/Base'; use an IANA name such as Europe/London "
                "or America/New_York",
            )
        ],
    ),
    "a day number out of range": (
        DaySettings(work_days=frozenset({0, 7})),
        [("work_days", "work days are mon, tue, wed, thu, fri, sat, sun")],
    ),
    "every problem is named, not just the first": (
        DaySettings(wake=time(8, 0), bed=time(7, 0), zone="Mars/Base", **NO_WORK),
        [
            (
                "zone",
                "unknown time zone 'Mars/Base'; use an IANA name such as Europe/London "
                "or America/New_York",
            ),
            (
                "bed",
                "bed time 07:00 is not after wake time 08:00; give both for the same day "
                "(bed up to 23:59)",
            ),
        ],
    ),
}


@pytest.mark.parametrize(("settings", "expected"), PROBLEMS.values(), ids=PROBLEMS)
def test_an_impossible_day_names_the_field_and_what_is_allowed(
    settings: DaySettings, expected: list[tuple[str, str]]
) -> None:
    assert settings.problems() == expected


# --- work days ----------------------------------------------------------------------

DAYS = {
    "mon-fri": {0, 1, 2, 3, 4},
    "sat-sun": {5, 6},
    "fri-mon": {4, 5, 6, 0},
    "mon,wed,fri": {0, 2, 4},
    "mon-wed, sat": {0, 1, 2, 5},
    " MON-FRI ": {0, 1, 2, 3, 4},
    "monday,wednesday": {0, 2},
    "sun": {6},
    "sun-sun": {6},
    "none": set(),
    "": set(),
}


@pytest.mark.parametrize(("text", "expected"), DAYS.items(), ids=list(DAYS))
def test_parse_days(text: str, expected: set[int]) -> None:
    assert parse_days(text) == frozenset(expected)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("funday", "'funday' is not a day; use mon, tue, wed, thu, fri, sat, sun"),
        ("mon,funday", "'funday' is not a day; use mon, tue, wed, thu, fri, sat, sun"),
        ("mon,,fri", "'' is not a day; use mon, tue, wed, thu, fri, sat, sun"),
        ("mon-funday", "'mon-funday' is not a day range such as mon-fri"),
        ("1-5", "'1-5' is not a day range such as mon-fri"),
    ],
)
def test_parse_days_refuses_what_is_not_a_day(text: str, message: str) -> None:
    with pytest.raises(ValueError) as raised:
        parse_days(text)
    assert str(raised.value) == message


@pytest.mark.parametrize(
    ("days", "text"),
    [
        ({0, 1, 2, 3, 4}, "mon,tue,wed,thu,fri"),
        ({6, 0}, "mon,sun"),
        ({5}, "sat"),
        (set(), "none"),
    ],
)
def test_format_days(days: set[int], text: str) -> None:
    assert format_days(frozenset(days)) == text


def test_every_set_of_days_reads_back_as_written() -> None:
    for bits in range(2**7):
        days = frozenset(d for d in range(7) if bits & (1 << d))
        assert parse_days(format_days(days)) == days


# --- status of each slot ------------------------------------------------------------

WEEKDAY_SLOTS = plan_day(WEDNESDAY, DaySettings())  # 07:05, 13:00, 22:10; bed 22:30
BED = DaySettings().bed

STATUSES = {
    "before waking, the morning is next": ("06:00", {}, ("next", "later", "later")),
    "at the morning's time": ("07:05", {}, ("next", "later", "later")),
    "the morning stays next until the daytime slot": ("12:59", {}, ("next", "later", "later")),
    "the daytime slot closes the morning": ("13:00", {}, ("missed", "next", "later")),
    "the evening slot closes the daytime": ("22:10", {}, ("missed", "missed", "next")),
    "bed time closes the evening": ("22:30", {}, ("missed", "missed", "missed")),
    "after bed time everything pending is missed": ("23:59", {}, ("missed", "missed", "missed")),
    "a completed session is done": (
        "10:00",
        {"morning": "completed"},
        ("done", "next", "later"),
    ),
    "a pain stop is stopped, not done": (
        "10:00",
        {"morning": "pain_stop"},
        ("stopped", "next", "later"),
    ),
    "a quit session leaves the slot pending": (
        "10:00",
        {"morning": "quit"},
        ("next", "later", "later"),
    ),
    "done early: the morning is still next": (
        "09:00",
        {"daytime": "completed"},
        ("next", "done", "later"),
    ),
    "done and stopped stay so after bed time": (
        "23:59",
        {"morning": "completed", "evening": "pain_stop"},
        ("done", "missed", "stopped"),
    ),
    "all done": (
        "23:00",
        {"morning": "completed", "daytime": "completed", "evening": "completed"},
        ("done", "done", "done"),
    ),
}


@pytest.mark.parametrize(("now", "outcomes", "expected"), STATUSES.values(), ids=STATUSES)
def test_slot_statuses(now: str, outcomes: dict[str, str], expected: tuple[str, ...]) -> None:
    statuses = slot_statuses(WEEKDAY_SLOTS, time.fromisoformat(now), outcomes, BED)
    assert (statuses["morning"], statuses["daytime"], statuses["evening"]) == expected


# --- time zones and daylight saving -------------------------------------------------

LOCAL_DAYS = {
    "London in winter, just before midnight": (
        datetime(2026, 1, 15, 23, 59, 59, tzinfo=UTC),
        "Europe/London",
        date(2026, 1, 15),
    ),
    "London in winter, at midnight": (
        datetime(2026, 1, 16, 0, 0, tzinfo=UTC),
        "Europe/London",
        date(2026, 1, 16),
    ),
    "London in summer, just before midnight": (
        datetime(2026, 7, 15, 22, 59, 59, tzinfo=UTC),
        "Europe/London",
        date(2026, 7, 15),
    ),
    "London in summer, at midnight": (
        datetime(2026, 7, 15, 23, 0, tzinfo=UTC),
        "Europe/London",
        date(2026, 7, 16),
    ),
    "Auckland in summer, just before midnight": (
        datetime(2026, 1, 15, 10, 59, 59, tzinfo=UTC),
        "Pacific/Auckland",
        date(2026, 1, 15),
    ),
    "Auckland in summer, at midnight": (
        datetime(2026, 1, 15, 11, 0, tzinfo=UTC),
        "Pacific/Auckland",
        date(2026, 1, 16),
    ),
    "Auckland in winter, just before midnight": (
        datetime(2026, 7, 15, 11, 59, 59, tzinfo=UTC),
        "Pacific/Auckland",
        date(2026, 7, 15),
    ),
    "Auckland in winter, at midnight": (
        datetime(2026, 7, 15, 12, 0, tzinfo=UTC),
        "Pacific/Auckland",
        date(2026, 7, 16),
    ),
    "an Auckland midnight is still yesterday in London": (
        datetime(2026, 1, 16, 0, 0, tzinfo=ZoneInfo("Pacific/Auckland")),
        "Europe/London",
        date(2026, 1, 15),
    ),
}


@pytest.mark.parametrize(("moment", "zone", "expected"), LOCAL_DAYS.values(), ids=LOCAL_DAYS)
def test_local_day(moment: datetime, zone: str, expected: date) -> None:
    assert local_day(moment, zone) == expected
