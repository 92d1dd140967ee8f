"""The day's plan: which stretches are due when, from the seed's timing and the
person's day. Pure functions on plain values; dates and times are passed in."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from easeback.content.library import load_library
from easeback.core.plan import (
    DaySettings,
    Slot,
    day_begins,
    format_days,
    local_day,
    parse_days,
    person_day,
    plan_day,
    plan_week,
    slot_statuses,
    stretch_week,
)

TUESDAY = date(2026, 3, 3)
WEDNESDAY = date(2026, 3, 4)
THURSDAY = date(2026, 3, 5)
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
NIGHT_OWL = DaySettings(wake=time(7, 0), bed=time(0, 30))
# Wakes at 15:00, works 21:00-04:00 and goes to bed at 05:00.
NIGHT_SHIFT = DaySettings(
    wake=time(15, 0), bed=time(5, 0), work_start=time(21, 0), work_end=time(4, 0)
)

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
    "rotation three times a day, but work ends too near bed: twice, never at the desk": (
        DaySettings(work_start=time(13, 0), work_end=time(21, 30)),
        WEDNESDAY,
        3,
        [
            ("morning", "07:05", MORNING, "lying down"),
            ("daytime", "17:15", TWIST, "at work"),
            ("evening", "22:10", EVENING, "lying down"),
        ],
    ),
    "bed after midnight, a weekday": (
        NIGHT_OWL,
        WEDNESDAY,
        2,
        [
            ("morning", "07:05", MORNING, "lying down"),
            ("daytime", "13:00", TWIST, "at work"),
            ("evening", "00:10 next day", EVENING, "lying down"),
        ],
    ),
    "bed after midnight, the weekend: midway through the longer day": (
        NIGHT_OWL,
        SATURDAY,
        2,
        [
            ("morning", "07:05", MORNING, "lying down"),
            ("daytime", "15:45", TWIST, "at home"),
            ("evening", "00:10 next day", EVENING, "lying down"),
        ],
    ),
    "bed after midnight, rotation three times a day: home after work": (
        NIGHT_OWL,
        WEDNESDAY,
        3,
        [
            ("morning", "07:05", MORNING, "lying down"),
            ("daytime", "17:30", TWIST_AND_ROTATION, "at home"),
            ("evening", "00:10 next day", EVENING, "lying down"),
        ],
    ),
    "bed at midnight: the evening stays on the same date": (
        DaySettings(bed=time(0, 0), **NO_WORK),
        WEDNESDAY,
        2,
        [
            ("morning", "07:05", MORNING, "lying down"),
            ("daytime", "15:30", TWIST, "at home"),
            ("evening", "23:40", EVENING, "lying down"),
        ],
    ),
    "a night shift across midnight": (
        NIGHT_SHIFT,
        WEDNESDAY,
        2,
        [
            ("morning", "15:05", MORNING, "lying down"),
            ("daytime", "00:30 next day", TWIST, "at work"),
            ("evening", "04:40 next day", EVENING, "lying down"),
        ],
    ),
}


def table(slots: list[Slot], day: date) -> list[tuple[str, str, tuple[str, ...], str]]:
    """(id, "HH:MM", stretches, where), the time marked when it falls on the next date."""
    return [(s.id, at_text(s.at, day), s.stretches, s.where) for s in slots]


def at_text(moment: datetime, day: date) -> str:
    return f"{moment:%H:%M}" + {0: "", 1: " next day"}[(moment.date() - day).days]


@pytest.mark.parametrize(("settings", "day", "rotation", "expected"), PLANS.values(), ids=PLANS)
def test_day_settings_give_exactly_these_slots(
    settings: DaySettings, day: date, rotation: int, expected: list[object]
) -> None:
    assert settings.problems() == []
    assert table(plan_day(day, settings, rotation), day) == expected


def check_seed_timing(slots: list[Slot], settings: DaySettings, day: date, rotation: int) -> None:
    """The rules every plan keeps, whatever the day looks like."""
    times = [s.at for s in slots]
    assert [s.id for s in slots] == ["morning", "daytime", "evening"]
    # knee press first thing after waking and last thing before bed
    wake, bed = settings.on(day, settings.wake), settings.on(day, settings.bed)
    assert wake < times[0] < times[1] < times[2] < bed
    assert "knee-press" in slots[0].stretches
    assert "knee-press" in slots[-1].stretches
    assert all(len(s.stretches) <= 3 for s in slots)
    daytime = slots[1]
    counts = Counter(sid for s in slots for sid in s.stretches)
    # the rotation is done lying down: never at the desk, so a day whose daytime slot
    # is at work does it twice, morning and evening
    assert counts["lower-back-rotation"] == (2 if daytime.where == "at work" else rotation)
    assert counts["pelvic-tilt"] == 1
    assert counts["chair-twist"] == 1
    assert counts["knee-press"] == 2
    work = settings.work_hours(day)
    if work is None:
        assert daytime.where == "at home"
    elif daytime.where == "at work":  # at work, to the nearest 5 minutes
        assert work[0] - ROUNDING <= daytime.at <= work[1] + ROUNDING
    else:  # home after work, only to do the rotation a third time
        assert rotation >= 3
        assert daytime.at >= work[1] + timedelta(minutes=30) - ROUNDING


ROUNDING = timedelta(minutes=2.5)


@pytest.mark.parametrize(("settings", "day", "rotation", "expected"), PLANS.values(), ids=PLANS)
def test_every_plan_in_the_table_keeps_the_seed_timing(
    settings: DaySettings, day: date, rotation: int, expected: list[object]
) -> None:
    check_seed_timing(plan_day(day, settings, rotation), settings, day, rotation)


@st.composite
def valid_days(draw: st.DrawFn) -> DaySettings:
    """Any day that DaySettings.problems() accepts: 6 to 20 hours awake (bed may be after
    midnight), work inside it, leaving room for the first and last stretches."""
    wake = draw(st.integers(0, 24 * 60 - 1))
    awake = draw(st.integers(6 * 60, 20 * 60))
    work: dict[str, time | None] = dict(NO_WORK)
    if draw(st.booleans()):
        # work must reach 20 minutes past waking and start 35 minutes before bed
        start = draw(st.integers(0, awake - 35))
        end = draw(st.integers(max(start + 1, 20), awake))
        work = {"work_start": clock(wake + start), "work_end": clock(wake + end)}
    days = draw(st.frozensets(st.integers(0, 6)))
    return DaySettings(wake=clock(wake), bed=clock(wake + awake), work_days=days, **work)


def clock(total: int) -> time:
    """Minutes since midnight (past 24 hours: of the next day) as a clock time."""
    total %= 24 * 60
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
@example(settings=NIGHT_SHIFT, day=WEDNESDAY, rotation=3).via("a night shift across midnight")
def test_any_valid_day_keeps_the_seed_timing(
    settings: DaySettings, day: date, rotation: int
) -> None:
    assert settings.problems() == []
    check_seed_timing(plan_day(day, settings, rotation), settings, day, rotation)


# Where a slot is, and the positions it allows (content/stretches.toml gives each
# stretch's posture).
FITS = {"lying down": {"lying"}, "at work": {"seated"}, "at home": {"lying", "seated"}}
POSTURES = {stretch.id: stretch.posture for stretch in load_library().stretches}


@given(
    settings=valid_days(),
    monday=st.dates(date(2026, 1, 1), date(2040, 12, 31)).map(
        lambda d: d - timedelta(days=d.weekday())
    ),
    rotation=st.sampled_from([2, 3]),
)
@example(
    settings=DaySettings(work_start=time(13, 0), work_end=time(21, 30)),
    monday=date(2026, 3, 2),
    rotation=3,
).via("work ends too near bed for the rotation after it")
def test_no_slot_asks_for_a_position_its_place_does_not_allow(
    settings: DaySettings, monday: date, rotation: int
) -> None:
    for day in (monday + timedelta(days=n) for n in range(7)):
        for slot in plan_day(day, settings, rotation):
            postures = {POSTURES[sid] for sid in slot.stretches}
            assert postures <= FITS[slot.where], (day, slot)


# --- the week ---------------------------------------------------------------------

WEEKDAYS = frozenset(range(5))
WEEKEND = frozenset({5, 6})
EVERY_DAY = frozenset(range(7))

# (settings, rotation per day) -> (name, time, stretches, where, calendar weekdays)
WEEKS = {
    "default": (
        DaySettings(),
        2,
        [
            ("morning", "07:05", MORNING, "lying down", EVERY_DAY),
            ("daytime-work", "13:00", TWIST, "at work", WEEKDAYS),
            ("daytime-home", "14:45", TWIST, "at home", WEEKEND),
            ("evening", "22:10", EVENING, "lying down", EVERY_DAY),
        ],
    ),
    "rotation three times a day": (
        DaySettings(),
        3,
        [
            ("morning", "07:05", MORNING, "lying down", EVERY_DAY),
            ("daytime-work", "17:30", TWIST_AND_ROTATION, "at home", WEEKDAYS),
            ("daytime-home", "14:45", TWIST_AND_ROTATION, "at home", WEEKEND),
            ("evening", "22:10", EVENING, "lying down", EVERY_DAY),
        ],
    ),
    "no work hours": (
        DaySettings(**NO_WORK),
        2,
        [
            ("morning", "07:05", MORNING, "lying down", EVERY_DAY),
            ("daytime-home", "14:45", TWIST, "at home", EVERY_DAY),
            ("evening", "22:10", EVENING, "lying down", EVERY_DAY),
        ],
    ),
    "work every day": (
        DaySettings(work_days=EVERY_DAY),
        2,
        [
            ("morning", "07:05", MORNING, "lying down", EVERY_DAY),
            ("daytime-work", "13:00", TWIST, "at work", EVERY_DAY),
            ("evening", "22:10", EVENING, "lying down", EVERY_DAY),
        ],
    ),
    "bed after midnight: the evening falls on the next date, every day": (
        NIGHT_OWL,
        2,
        [
            ("morning", "07:05", MORNING, "lying down", EVERY_DAY),
            ("daytime-work", "13:00", TWIST, "at work", WEEKDAYS),
            ("daytime-home", "15:45", TWIST, "at home", WEEKEND),
            ("evening", "00:10", EVENING, "lying down", EVERY_DAY),
        ],
    ),
    "a night shift: Monday to Friday's shifts are at work on Tuesday to Saturday": (
        NIGHT_SHIFT,
        2,
        [
            ("morning", "15:05", MORNING, "lying down", EVERY_DAY),
            ("daytime-work", "00:30", TWIST, "at work", frozenset({1, 2, 3, 4, 5})),
            ("daytime-home", "22:00", TWIST, "at home", WEEKEND),
            ("evening", "04:40", EVENING, "lying down", EVERY_DAY),
        ],
    ),
}


@pytest.mark.parametrize(("settings", "rotation", "expected"), WEEKS.values(), ids=WEEKS)
def test_the_week_is_one_series_per_slot_and_kind_of_day(
    settings: DaySettings, rotation: int, expected: list[object]
) -> None:
    week = plan_week(settings, rotation)

    assert [(s.name, f"{s.at:%H:%M}", s.stretches, s.where, s.days) for s in week] == expected


@given(settings=valid_days(), rotation=st.sampled_from([2, 3]))
@example(settings=NIGHT_SHIFT, rotation=3).via("a night shift across midnight")
def test_the_week_holds_every_days_plan_and_nothing_else(
    settings: DaySettings, rotation: int
) -> None:
    week = plan_week(settings, rotation)
    monday = date(2026, 3, 2)
    # every slot of every day, as (calendar weekday, time, id, stretches, where)
    planned = sorted(
        (slot.at.weekday(), slot.at.time(), slot.id, slot.stretches, slot.where)
        for day in (monday + timedelta(days=n) for n in range(7))
        for slot in plan_day(day, settings, rotation)
    )

    assert planned == sorted((d, s.at, s.slot, s.stretches, s.where) for s in week for d in s.days)


# (settings, rotation, stretch) -> groups of calendar weekdays with their times
STRETCH_WEEKS = {
    "knee press: every day, morning and evening": (
        DaySettings(),
        2,
        "knee-press",
        [(EVERY_DAY, (("07:05", "lying down"), ("22:10", "lying down")))],
    ),
    "chair twist: at work on work days, at home at the weekend": (
        DaySettings(),
        2,
        "chair-twist",
        [(WEEKDAYS, (("13:00", "at work"),)), (WEEKEND, (("14:45", "at home"),))],
    ),
    "rotation three times a day: home after work on work days": (
        DaySettings(),
        3,
        "lower-back-rotation",
        [
            (WEEKDAYS, (("07:05", "lying down"), ("17:30", "at home"), ("22:10", "lying down"))),
            (WEEKEND, (("07:05", "lying down"), ("14:45", "at home"), ("22:10", "lying down"))),
        ],
    ),
    "bed after midnight: the evening is listed last, in the order of the day": (
        NIGHT_OWL,
        2,
        "knee-press",
        [(EVERY_DAY, (("07:05", "lying down"), ("00:10", "lying down")))],
    ),
    "a night shift: by the calendar's days, Monday has no chair twist": (
        NIGHT_SHIFT,
        2,
        "chair-twist",
        [
            (frozenset({1, 2, 3, 4}), (("00:30", "at work"),)),
            (frozenset({5}), (("00:30", "at work"), ("22:00", "at home"))),
            (frozenset({6}), (("22:00", "at home"),)),
        ],
    ),
}


@pytest.mark.parametrize(
    ("settings", "rotation", "stretch", "expected"), STRETCH_WEEKS.values(), ids=STRETCH_WEEKS
)
def test_a_stretchs_week_groups_the_days_with_the_same_times(
    settings: DaySettings, rotation: int, stretch: str, expected: list[object]
) -> None:
    groups = stretch_week(plan_week(settings, rotation), stretch)

    assert [
        (days, tuple((f"{at:%H:%M}", where) for at, where in times)) for days, times in groups
    ] == expected


# --- impossible days ----------------------------------------------------------------

PROBLEMS = {
    "the defaults are fine": (DaySettings(), []),
    "exactly 6 hours awake is enough": (
        DaySettings(wake=time(7, 0), bed=time(13, 0), **NO_WORK),
        [],
    ),
    "bed after midnight": (NIGHT_OWL, []),
    "bed at 03:00 after waking at 07:00: 20 hours awake is the most": (
        DaySettings(wake=time(7, 0), bed=time(3, 0)),
        [],
    ),
    "work across midnight, inside the waking day": (NIGHT_SHIFT, []),
    "an hour before waking: most likely the two times swapped": (
        DaySettings(wake=time(8, 0), bed=time(7, 0), **NO_WORK),
        [
            (
                "bed",
                "bed time 07:00 leaves only 1 h 0 min until waking at 08:00; easeback needs "
                "at least 4 hours between bed and waking (a bed time after midnight is fine, "
                "e.g. 00:30)",
            )
        ],
    ),
    "a minute under 4 hours before waking": (
        DaySettings(wake=time(7, 0), bed=time(3, 1), **NO_WORK),
        [
            (
                "bed",
                "bed time 03:01 leaves only 3 h 59 min until waking at 07:00; easeback needs "
                "at least 4 hours between bed and waking (a bed time after midnight is fine, "
                "e.g. 00:30)",
            )
        ],
    ),
    "bed at the wake time": (
        DaySettings(wake=time(7, 0), bed=time(7, 0), **NO_WORK),
        [
            (
                "bed",
                "bed time 07:00 leaves only 0 h 0 min until waking at 07:00; easeback needs "
                "at least 4 hours between bed and waking (a bed time after midnight is fine, "
                "e.g. 00:30)",
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
    "work ends after a bed time after midnight": (
        DaySettings(bed=time(0, 30), work_start=time(18, 0), work_end=time(1, 0)),
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
                "bed time 07:00 leaves only 1 h 0 min until waking at 08:00; easeback needs "
                "at least 4 hours between bed and waking (a bed time after midnight is fine, "
                "e.g. 00:30)",
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
BED = DaySettings().on(WEDNESDAY, DaySettings().bed)

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
    moment = datetime.combine(WEDNESDAY, time.fromisoformat(now))
    statuses = slot_statuses(WEEKDAY_SLOTS, moment, outcomes, BED)
    assert (statuses["morning"], statuses["daytime"], statuses["evening"]) == expected


# Bed at 00:30: the evening slot is at 00:10, on Thursday's date.
NIGHT_OWL_STATUSES = {
    "just before midnight, the daytime slot is still next": (
        "2026-03-04 23:59",
        ("missed", "next", "later"),
    ),
    "after midnight, the evening's time has come": (
        "2026-03-05 00:10",
        ("missed", "missed", "next"),
    ),
    "bed time closes it": ("2026-03-05 00:30", ("missed", "missed", "missed")),
}


@pytest.mark.parametrize(("now", "expected"), NIGHT_OWL_STATUSES.values(), ids=NIGHT_OWL_STATUSES)
def test_an_evening_after_midnight_stays_due_until_bed_time(
    now: str, expected: tuple[str, ...]
) -> None:
    slots = plan_day(WEDNESDAY, NIGHT_OWL)
    bed = NIGHT_OWL.on(WEDNESDAY, NIGHT_OWL.bed)

    statuses = slot_statuses(slots, datetime.fromisoformat(now), {}, bed)

    assert (statuses["morning"], statuses["daytime"], statuses["evening"]) == expected


# --- which day's plan the person is living ----------------------------------------------

# (bed, local date and time) -> the day whose plan it is; waking at 07:00, in London
PERSON_DAYS = {
    "bed 22:30, just before midnight": ("22:30", "2026-03-04 23:59", WEDNESDAY),
    "bed 22:30, at midnight the new day begins": ("22:30", "2026-03-05 00:00", THURSDAY),
    "bed 00:30, after midnight: still the day before": ("00:30", "2026-03-05 00:15", WEDNESDAY),
    "bed 00:30, a minute before bed time": ("00:30", "2026-03-05 00:29", WEDNESDAY),
    "bed 00:30, at bed time the new day begins": ("00:30", "2026-03-05 00:30", THURSDAY),
    "bed 00:30, in the night": ("00:30", "2026-03-05 03:00", THURSDAY),
    "bed 00:30, on waking": ("00:30", "2026-03-05 07:00", THURSDAY),
    "bed 00:30, in the evening": ("00:30", "2026-03-04 22:00", WEDNESDAY),
    "bed at midnight: the calendar's day": ("00:00", "2026-03-05 00:00", THURSDAY),
    "bed 03:00, at 02:59": ("03:00", "2026-03-05 02:59", WEDNESDAY),
    "bed 03:00, at 03:00": ("03:00", "2026-03-05 03:00", THURSDAY),
}


@pytest.mark.parametrize(("bed", "now", "expected"), PERSON_DAYS.values(), ids=PERSON_DAYS)
def test_the_day_ends_at_midnight_or_at_a_bed_time_after_it(
    bed: str, now: str, expected: date
) -> None:
    settings = DaySettings(bed=time.fromisoformat(bed), zone="Europe/London")
    moment = datetime.fromisoformat(now).replace(tzinfo=ZoneInfo("Europe/London"))

    assert person_day(moment, settings) == expected


def test_the_persons_day_is_read_in_their_own_zone() -> None:
    # 23:15 UTC on Wednesday is 00:15 on Thursday in Paris, before a 00:30 bed time.
    settings = DaySettings(bed=time(0, 30), zone="Europe/Paris")

    assert person_day(datetime(2026, 3, 4, 23, 15, tzinfo=UTC), settings) == WEDNESDAY


@pytest.mark.parametrize(
    ("bed", "zone", "begins"),
    [
        ("22:30", "Europe/London", "2026-03-05 00:00"),
        ("00:30", "Europe/London", "2026-03-05 00:30"),
        ("00:00", "Europe/London", "2026-03-05 00:00"),
        ("03:00", "America/New_York", "2026-03-05 03:00"),
    ],
)
def test_a_persons_day_begins_when_person_day_turns_to_it(bed: str, zone: str, begins: str) -> None:
    settings = DaySettings(bed=time.fromisoformat(bed), zone=zone)

    moment = day_begins(THURSDAY, settings)

    assert moment == datetime.fromisoformat(begins).replace(tzinfo=ZoneInfo(zone))
    assert person_day(moment, settings) == THURSDAY
    assert person_day(moment - timedelta(seconds=1), settings) == WEDNESDAY


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
