"""Calendar reminders: one recurring event per slot, at the person's local times, and
the plan's history folded so that calendar apps update what they hold.

The calendar is parsed back with icalendar, and its occurrences are expanded with a
second library (recurring_ical_events) over months that cross a daylight-saving
change, so the times are checked the way a calendar app would compute them.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import recurring_ical_events
from icalendar import Calendar, Event

from easeback.content.library import load_library
from easeback.core.plan import Course, DaySettings
from easeback.reports.calendar import STRETCH_NAMES, PlanVersion, calendar_ics
from test_wording import forbidden_in

LONDON = "Europe/London"
NEW_YORK = "America/New_York"
# A Saturday, at noon UTC: the same date in London and New York.
SATURDAY = datetime(2026, 10, 10, 12, 0, tzinfo=UTC)
MONDAY = date(2026, 10, 12)

WEEKDAYS = ["MO", "TU", "WE", "TH", "FR"]
WEEKEND = ["SA", "SU"]


def parse(ics: bytes) -> Calendar:
    return Calendar.from_ical(ics)


def events(ics: bytes) -> dict[str, Event]:
    return {str(event["UID"]): event for event in parse(ics).walk("VEVENT")}


def build(settings: DaySettings, rotation: int = 2, generated: datetime = SATURDAY) -> bytes:
    """The calendar of a plan made at ``generated`` and never changed since."""
    return calendar_ics([PlanVersion(generated, settings, rotation, 0)], generated=generated)


def rule(event: Event) -> tuple[str, list[str]]:
    """(FREQ, BYDAY) of an event's RRULE."""
    rrule = event["RRULE"]
    return rrule["FREQ"][0], list(rrule.get("BYDAY", []))


def test_the_calendar_parses_back_with_its_name_and_version() -> None:
    calendar = parse(build(DaySettings(zone=LONDON)))

    assert calendar["VERSION"] == "2.0"
    assert calendar["PRODID"] == "-//easeback//easeback stretches//EN"
    assert calendar["X-WR-CALNAME"] == "easeback stretches"


NO_WORK = DaySettings(work_start=None, work_end=None, zone=LONDON)


@pytest.mark.parametrize(
    ("settings", "rotation", "expected"),
    [
        (
            DaySettings(zone=LONDON),
            2,
            {
                "morning@easeback": (
                    "Stretches: knee press, lower-back rotation, pelvic tilt",
                    ("DAILY", []),
                    time(7, 5),
                ),
                "daytime-work@easeback": (
                    "Stretches: chair twist",
                    ("WEEKLY", WEEKDAYS),
                    time(13, 0),
                ),
                "daytime-home@easeback": (
                    "Stretches: chair twist",
                    ("WEEKLY", WEEKEND),
                    time(14, 45),
                ),
                "evening@easeback": (
                    "Stretches: knee press, lower-back rotation",
                    ("DAILY", []),
                    time(22, 10),
                ),
            },
        ),
        (
            NO_WORK,
            2,
            {
                "morning@easeback": (
                    "Stretches: knee press, lower-back rotation, pelvic tilt",
                    ("DAILY", []),
                    time(7, 5),
                ),
                "daytime-home@easeback": (
                    "Stretches: chair twist",
                    ("DAILY", []),
                    time(14, 45),
                ),
                "evening@easeback": (
                    "Stretches: knee press, lower-back rotation",
                    ("DAILY", []),
                    time(22, 10),
                ),
            },
        ),
        (
            DaySettings(zone=LONDON),
            3,
            {
                "morning@easeback": (
                    "Stretches: knee press, lower-back rotation, pelvic tilt",
                    ("DAILY", []),
                    time(7, 5),
                ),
                "daytime-work@easeback": (  # the rotation: home after work, not at the desk
                    "Stretches: chair twist, lower-back rotation",
                    ("WEEKLY", WEEKDAYS),
                    time(17, 30),
                ),
                "daytime-home@easeback": (
                    "Stretches: chair twist, lower-back rotation",
                    ("WEEKLY", WEEKEND),
                    time(14, 45),
                ),
                "evening@easeback": (
                    "Stretches: knee press, lower-back rotation",
                    ("DAILY", []),
                    time(22, 10),
                ),
            },
        ),
        (
            DaySettings(
                wake=time(6, 0),
                bed=time(23, 0),
                work_start=time(8, 0),
                work_end=time(12, 0),
                work_days=frozenset(range(7)),
                zone=LONDON,
            ),
            2,
            {
                "morning@easeback": (
                    "Stretches: knee press, lower-back rotation, pelvic tilt",
                    ("DAILY", []),
                    time(6, 5),
                ),
                "daytime-work@easeback": (
                    "Stretches: chair twist",
                    ("DAILY", []),
                    time(10, 0),
                ),
                "evening@easeback": (
                    "Stretches: knee press, lower-back rotation",
                    ("DAILY", []),
                    time(22, 40),
                ),
            },
        ),
        (
            DaySettings(work_days=frozenset(), zone=LONDON),
            2,
            {
                "morning@easeback": (
                    "Stretches: knee press, lower-back rotation, pelvic tilt",
                    ("DAILY", []),
                    time(7, 5),
                ),
                "daytime-home@easeback": (
                    "Stretches: chair twist",
                    ("DAILY", []),
                    time(14, 45),
                ),
                "evening@easeback": (
                    "Stretches: knee press, lower-back rotation",
                    ("DAILY", []),
                    time(22, 10),
                ),
            },
        ),
    ],
    ids=["default", "no-work-hours", "rotation-3", "work-every-day", "no-work-days"],
)
def test_one_recurring_event_per_slot_and_group_of_days(
    settings: DaySettings,
    rotation: int,
    expected: dict[str, tuple[str, tuple[str, list[str]], time]],
) -> None:
    found = events(build(settings, rotation))

    assert {
        uid: (str(event["SUMMARY"]), rule(event), event.start.time())
        for uid, event in found.items()
    } == expected


def test_events_come_in_the_order_of_the_day() -> None:
    uids = [str(e["UID"]) for e in parse(build(DaySettings(zone=LONDON))).walk("VEVENT")]

    assert uids == [
        "morning@easeback",
        "daytime-work@easeback",
        "daytime-home@easeback",
        "evening@easeback",
    ]


def test_every_event_has_a_display_alarm_at_its_start() -> None:
    for uid, event in events(build(DaySettings(zone=LONDON), 3)).items():
        alarms = event.walk("VALARM")
        assert len(alarms) == 1, uid
        assert alarms[0]["ACTION"] == "DISPLAY"
        assert alarms[0]["DESCRIPTION"] == event["SUMMARY"]
        assert alarms[0]["TRIGGER"].dt == timedelta(0)


def test_the_time_zone_is_defined_and_every_start_uses_it() -> None:
    ics = build(DaySettings(zone=NEW_YORK))
    calendar = parse(ics)

    assert [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")] == [NEW_YORK]
    for event in calendar.walk("VEVENT"):
        assert event["DTSTART"].params["TZID"] == NEW_YORK
    # 08:00 in New York: the first morning reminder is on Sunday
    assert b"DTSTART;TZID=America/New_York:20261011T070500" in ics


def test_a_calendar_in_utc_still_carries_its_time_zone() -> None:
    calendar = parse(build(DaySettings()))

    assert [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")] == ["UTC"]
    morning = events(calendar.to_ical())["morning@easeback"]
    assert morning.start == datetime(2026, 10, 11, 7, 5, tzinfo=UTC)


def test_each_event_lasts_five_minutes_a_stretch() -> None:
    found = events(build(DaySettings(zone=LONDON), 3))

    assert {uid: event.duration for uid, event in found.items()} == {
        "morning@easeback": timedelta(minutes=15),
        "daytime-work@easeback": timedelta(minutes=10),
        "daytime-home@easeback": timedelta(minutes=10),
        "evening@easeback": timedelta(minutes=10),
    }


def test_uids_do_not_change_with_the_moment_of_generation() -> None:
    first = events(build(DaySettings(zone=LONDON), generated=SATURDAY))
    later = events(build(DaySettings(zone=LONDON), generated=SATURDAY + timedelta(days=40)))

    assert list(first) == list(later)
    assert all(event["SEQUENCE"] == 0 for event in [*first.values(), *later.values()])


def test_the_same_arguments_give_the_same_bytes() -> None:
    assert build(DaySettings(zone=LONDON)) == build(DaySettings(zone=LONDON))


def test_dtstamp_is_the_moment_of_generation_in_utc() -> None:
    generated = datetime(2026, 10, 10, 14, 30, tzinfo=ZoneInfo(LONDON))

    for event in events(build(DaySettings(zone=LONDON), generated=generated)).values():
        assert event["DTSTAMP"].dt == datetime(2026, 10, 10, 13, 30, tzinfo=UTC)
        assert event["DTSTAMP"].to_ical() == b"20261010T133000Z"


def test_series_start_at_their_first_occurrence_after_the_plan_was_made() -> None:
    # 02:00 UTC on Saturday is 22:00 on Friday in New York: Friday's evening reminder
    # (22:10) is still to come, its morning and daytime ones are past.
    generated = datetime(2026, 10, 10, 2, 0, tzinfo=UTC)

    found = events(build(DaySettings(zone=NEW_YORK), generated=generated))

    assert {uid: event.start.isoformat() for uid, event in found.items()} == {
        "morning@easeback": "2026-10-10T07:05:00-04:00",
        "daytime-work@easeback": "2026-10-12T13:00:00-04:00",
        "daytime-home@easeback": "2026-10-10T14:45:00-04:00",
        "evening@easeback": "2026-10-09T22:10:00-04:00",
    }


def test_a_weekday_series_generated_on_a_saturday_starts_on_monday() -> None:
    # DTSTART is always an occurrence, so a Saturday start would add a stray reminder.
    found = events(build(DaySettings(zone=LONDON), generated=SATURDAY))

    assert found["daytime-work@easeback"].start.date() == MONDAY
    assert found["daytime-home@easeback"].start.date() == SATURDAY.date()


def test_descriptions_list_the_stretches_and_say_stop_if_it_hurts() -> None:
    found = events(build(DaySettings(zone=LONDON), 3))

    assert str(found["daytime-work@easeback"]["DESCRIPTION"]) == (
        "Daytime, at home:\n"
        "- Chair twist\n"
        "- Lower-back rotation\n"
        "\n"
        "For a guided session, run: easeback start\n"
        "Stop at once if anything hurts. Not medical advice."
    )
    for uid, event in found.items():
        assert "Stop at once if anything hurts. Not medical advice." in event["DESCRIPTION"], uid


def test_no_word_in_the_calendar_claims_to_treat_anything() -> None:
    texts = {
        f"{settings.zone} rotation {rotation}": build(settings, rotation).decode()
        for settings in (DaySettings(zone=LONDON), NO_WORK)
        for rotation in (2, 3)
    }

    assert forbidden_in(texts) == []


def test_stretch_names_agree_with_the_library() -> None:
    library = {stretch.id: stretch.name for stretch in load_library().stretches}

    assert library == STRETCH_NAMES


@pytest.mark.parametrize(
    ("settings", "field"),
    [
        (DaySettings(zone="Mars/Olympus"), "zone"),
        (DaySettings(wake=time(8, 0), bed=time(7, 0)), "bed"),
        (DaySettings(work_start=time(9, 0), work_end=time(9, 0)), "work"),
    ],
)
def test_an_impossible_day_is_refused_naming_the_field(settings: DaySettings, field: str) -> None:
    with pytest.raises(ValueError, match=rf"^{field}: "):
        build(settings)


def test_a_naive_moment_of_generation_is_refused() -> None:
    version = PlanVersion(SATURDAY, DaySettings(zone=LONDON), 2, 0)

    with pytest.raises(ValueError, match=r"^generated must be an aware datetime"):
        calendar_ics([version], generated=datetime(2026, 10, 10, 12, 0))


def test_a_naive_beginning_of_a_version_is_refused() -> None:
    version = PlanVersion(datetime(2026, 10, 10, 12, 0), DaySettings(zone=LONDON), 2, 0)

    with pytest.raises(ValueError, match=r"^every version's beginning must be an aware"):
        calendar_ics([version], generated=SATURDAY)


def test_an_empty_history_is_refused() -> None:
    with pytest.raises(ValueError, match=r"^the plan's history is empty"):
        calendar_ics([], generated=SATURDAY)


# Expansion over a daylight-saving change, with a second library.


def occurrences(ics: bytes, start: date, end: date) -> dict[str, list[datetime]]:
    """Every occurrence's start in [start, end), grouped by UID."""
    out: dict[str, list[datetime]] = {}
    for event in recurring_ical_events.of(parse(ics)).between(start, end):
        out.setdefault(str(event["UID"]), []).append(event.start)
    return out


@pytest.mark.parametrize(
    ("zone", "start", "end", "change"),
    [
        (LONDON, date(2026, 10, 10), date(2026, 11, 10), date(2026, 10, 25)),
        (NEW_YORK, date(2026, 10, 10), date(2026, 11, 10), date(2026, 11, 1)),
    ],
)
def test_occurrences_keep_their_local_times_across_the_end_of_summer_time(
    zone: str, start: date, end: date, change: date
) -> None:
    tz = ZoneInfo(zone)
    days = [start + timedelta(n) for n in range((end - start).days)]

    made = datetime.combine(start, time(0), tzinfo=tz)  # the plan, made at midnight

    found = occurrences(build(DaySettings(zone=zone), generated=made), start, end)

    assert set(found) == {
        "morning@easeback",
        "daytime-work@easeback",
        "daytime-home@easeback",
        "evening@easeback",
    }
    expected_local = {
        "morning@easeback": (time(7, 5), days),
        "evening@easeback": (time(22, 10), days),
        "daytime-work@easeback": (time(13, 0), [d for d in days if d.weekday() < 5]),
        "daytime-home@easeback": (time(14, 45), [d for d in days if d.weekday() >= 5]),
    }
    for uid, (at, on_days) in expected_local.items():
        local = [moment.astimezone(tz) for moment in found[uid]]
        assert [m.date() for m in local] == on_days, uid
        assert {m.time() for m in local} == {at}, uid
        # The same wall-clock time is one hour later in UTC once summer time ends.
        before = {m.astimezone(UTC).time() for m in local if m.date() < change}
        after = {m.astimezone(UTC).time() for m in local if m.date() >= change}
        assert len(before) == len(after) == 1, uid
        shift = datetime.combine(start, after.pop()) - datetime.combine(start, before.pop())
        assert shift == timedelta(hours=1), uid


def test_the_weekday_series_never_falls_on_a_weekend_and_the_home_one_never_on_a_weekday() -> None:
    found = occurrences(
        build(DaySettings(zone=NEW_YORK), generated=SATURDAY), date(2026, 10, 10), date(2026, 12, 1)
    )

    assert {m.weekday() for m in found["daytime-work@easeback"]} == {0, 1, 2, 3, 4}
    assert {m.weekday() for m in found["daytime-home@easeback"]} == {5, 6}


# --- the plan's history ---------------------------------------------------------------

MADE = datetime(2026, 10, 10, 12, 0, tzinfo=UTC)  # Saturday, 13:00 in London
CHANGED = datetime(2026, 10, 14, 18, 0, tzinfo=UTC)  # Wednesday, 19:00 in London
CAME_BACK = datetime(2026, 10, 24, 9, 0, tzinfo=UTC)  # Saturday, 10:00 in London
LATER = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
DEFAULT = DaySettings(zone=LONDON)
NO_WORK_DAYS = DaySettings(work_days=frozenset(), zone=LONDON)
ALL_FOUR = [
    "morning@easeback",
    "daytime-work@easeback",
    "daytime-home@easeback",
    "evening@easeback",
]


def replay(
    *versions: tuple[datetime, DaySettings, Course | int], generated: datetime = LATER
) -> bytes:
    """The calendar of these versions of the plan, the first of revision 0, the next 1..."""
    history = [PlanVersion(*version, revision) for revision, version in enumerate(versions)]
    return calendar_ics(history, generated=generated)


def sequences(ics: bytes) -> dict[str, tuple[int, str]]:
    """uid -> (SEQUENCE, STATUS or "")."""
    return {
        uid: (int(event["SEQUENCE"]), str(event.get("STATUS", "")))
        for uid, event in events(ics).items()
    }


def vevents(ics: bytes) -> dict[str, str]:
    """uid -> the event's text as written, without its DTSTAMP (the moment of writing)."""
    blocks = ics.decode().split("BEGIN:VEVENT")[1:]
    out = {}
    for block in blocks:
        lines = [line for line in block.split("\r\n") if not line.startswith("DTSTAMP:")]
        uid = next(line.removeprefix("UID:") for line in lines if line.startswith("UID:"))
        out[uid] = "\r\n".join(lines)
    return out


# (settings and rotation from CHANGED on) -> each event's (SEQUENCE, STATUS)
CHANGES = {
    "the same day saved again: nothing changes": (
        DEFAULT,
        2,
        {uid: (0, "") for uid in ALL_FOUR},
    ),
    "a later bed time moves the evening and the weekend's midday, nothing else": (
        DaySettings(bed=time(23, 30), zone=LONDON),
        2,
        {
            "morning@easeback": (0, ""),
            "daytime-work@easeback": (0, ""),
            "daytime-home@easeback": (1, ""),
            "evening@easeback": (1, ""),
        },
    ),
    "bed after midnight": (
        DaySettings(bed=time(0, 30), zone=LONDON),
        2,
        {
            "morning@easeback": (0, ""),
            "daytime-work@easeback": (0, ""),
            "daytime-home@easeback": (1, ""),
            "evening@easeback": (1, ""),
        },
    ),
    "the rotation three times a day: only the daytime events change": (
        DEFAULT,
        3,
        {
            "morning@easeback": (0, ""),
            "daytime-work@easeback": (1, ""),
            "daytime-home@easeback": (1, ""),
            "evening@easeback": (0, ""),
        },
    ),
    "no more work days: the work-day series is cancelled": (
        NO_WORK_DAYS,
        2,
        {
            "morning@easeback": (0, ""),
            "daytime-home@easeback": (1, ""),
            "evening@easeback": (0, ""),
            "daytime-work@easeback": (1, "CANCELLED"),
        },
    ),
    "another time zone: every event changes": (
        DaySettings(zone=NEW_YORK),
        2,
        {uid: (1, "") for uid in ALL_FOUR},
    ),
}


@pytest.mark.parametrize(("settings", "rotation", "expected"), CHANGES.values(), ids=CHANGES)
def test_sequence_grows_only_for_the_events_that_changed(
    settings: DaySettings, rotation: int, expected: dict[str, tuple[int, str]]
) -> None:
    ics = replay((MADE, DEFAULT, 2), (CHANGED, settings, rotation))

    assert sequences(ics) == expected


def test_a_history_whose_revision_does_not_grow_is_refused() -> None:
    # the revision gives SEQUENCE, which must never go down
    history = [
        PlanVersion(MADE, DEFAULT, 2, 3),
        PlanVersion(CHANGED, NO_WORK_DAYS, 2, 3),
    ]

    with pytest.raises(ValueError, match=r"^each version of the plan must have a higher revision"):
        calendar_ics(history, generated=LATER)


def test_sequence_is_the_revision_in_which_each_event_took_its_form() -> None:
    # Earlier easeback versions gave every event the revision count: a calendar app
    # holding their file at revision 4 still takes the cancellation made at revision 5.
    history = [
        PlanVersion(MADE, DEFAULT, 2, 1),
        PlanVersion(CHANGED, DaySettings(bed=time(23, 30), zone=LONDON), 2, 4),
        PlanVersion(
            CAME_BACK, DaySettings(bed=time(23, 30), work_days=frozenset(), zone=LONDON), 2, 5
        ),
    ]

    assert sequences(calendar_ics(history, generated=LATER)) == {
        "morning@easeback": (1, ""),
        "daytime-home@easeback": (5, ""),
        "evening@easeback": (4, ""),
        "daytime-work@easeback": (5, "CANCELLED"),
    }


def test_an_unchanged_event_is_written_exactly_as_before() -> None:
    before = vevents(replay((MADE, DEFAULT, 2), generated=MADE))
    later_bed = DaySettings(bed=time(23, 30), zone=LONDON)

    after = vevents(replay((MADE, DEFAULT, 2), (CHANGED, later_bed, 2), generated=LATER))

    assert after["morning@easeback"] == before["morning@easeback"]
    assert after["daytime-work@easeback"] == before["daytime-work@easeback"]
    assert after["evening@easeback"] != before["evening@easeback"]


def test_a_version_carries_the_plans_course_a_number_being_the_articles() -> None:
    assert replay((MADE, DEFAULT, Course.article(3))) == replay((MADE, DEFAULT, 3))


def test_a_prescriptions_course_updates_the_slots_it_changes_and_cancels_those_it_leaves() -> None:
    prescribed = Course((("knee-press", ("morning", "evening")), ("pelvic-tilt", ("evening",))))

    ics = replay((MADE, DEFAULT, 2), (CHANGED, DEFAULT, prescribed))

    assert sequences(ics) == {
        "morning@easeback": (1, ""),
        "evening@easeback": (1, ""),
        "daytime-work@easeback": (1, "CANCELLED"),
        "daytime-home@easeback": (1, "CANCELLED"),
    }
    found = events(ics)
    assert str(found["morning@easeback"]["SUMMARY"]) == "Stretches: knee press"
    assert str(found["evening@easeback"]["SUMMARY"]) == "Stretches: knee press, pelvic tilt"


def test_writing_the_same_history_later_changes_only_the_stamp() -> None:
    early = replay((MADE, DEFAULT, 2), generated=MADE)
    late = replay((MADE, DEFAULT, 2), generated=MADE + timedelta(days=40))

    assert vevents(late) == vevents(early)
    assert {str(e["DTSTAMP"].to_ical().decode()) for e in events(late).values()} == {
        "20261119T120000Z"
    }


def test_a_changed_event_starts_at_its_first_occurrence_after_the_change() -> None:
    later_bed = DaySettings(bed=time(23, 30), zone=LONDON)

    found = events(replay((MADE, DEFAULT, 2), (CHANGED, later_bed, 2)))

    assert {uid: event.start.isoformat() for uid, event in found.items()} == {
        "morning@easeback": "2026-10-11T07:05:00+01:00",  # as first made
        "daytime-work@easeback": "2026-10-12T13:00:00+01:00",  # as first made
        "daytime-home@easeback": "2026-10-17T15:15:00+01:00",  # the next weekend
        "evening@easeback": "2026-10-14T23:10:00+01:00",  # that same evening
    }


def test_a_series_that_left_the_plan_is_cancelled_until_the_moment_it_left() -> None:
    ics = replay((MADE, DEFAULT, 2), (CHANGED, NO_WORK_DAYS, 2))

    found = events(ics)
    cancelled = found["daytime-work@easeback"]
    assert list(found) == [  # the plan's events in the order of the day, then the past
        "morning@easeback",
        "daytime-home@easeback",
        "evening@easeback",
        "daytime-work@easeback",
    ]
    assert cancelled["STATUS"] == "CANCELLED"
    assert cancelled.start.isoformat() == "2026-10-12T13:00:00+01:00"
    assert cancelled["RRULE"]["UNTIL"] == [CHANGED]
    assert cancelled.walk("VALARM") == []
    assert b"UNTIL=20261014T180000Z" in ics


def test_a_cancelled_series_stays_as_it_was_through_later_changes() -> None:
    later_bed = DaySettings(bed=time(23, 30), work_days=frozenset(), zone=LONDON)
    once = vevents(replay((MADE, DEFAULT, 2), (CHANGED, NO_WORK_DAYS, 2)))

    again = vevents(
        replay((MADE, DEFAULT, 2), (CHANGED, NO_WORK_DAYS, 2), (CAME_BACK, later_bed, 2))
    )

    assert again["daytime-work@easeback"] == once["daytime-work@easeback"]


def test_a_series_that_comes_back_is_current_again_with_a_higher_sequence() -> None:
    ics = replay((MADE, DEFAULT, 2), (CHANGED, NO_WORK_DAYS, 2), (CAME_BACK, DEFAULT, 2))

    assert sequences(ics) == {
        "morning@easeback": (0, ""),
        "daytime-work@easeback": (2, ""),
        "daytime-home@easeback": (2, ""),
        "evening@easeback": (0, ""),
    }
    found = events(ics)
    assert found["daytime-work@easeback"].start.isoformat() == "2026-10-26T13:00:00+00:00"
    assert found["daytime-home@easeback"].start.isoformat() == "2026-10-24T14:45:00+01:00"
    assert "UNTIL" not in found["daytime-work@easeback"]["RRULE"]


def test_every_version_of_the_history_must_be_a_possible_day() -> None:
    swapped = DaySettings(wake=time(8, 0), bed=time(7, 0), zone=LONDON)

    with pytest.raises(ValueError, match=r"^bed: bed time 07:00 leaves only 1 h 0 min"):
        replay((MADE, swapped, 2), (CHANGED, DEFAULT, 2))


def test_each_zone_in_use_is_defined_once_and_with_rules_not_lists_of_dates() -> None:
    moved = DaySettings(work_days=frozenset(), zone=NEW_YORK)

    ics = replay((MADE, DEFAULT, 2), (CHANGED, moved, 2))

    calendar = parse(ics)
    # the cancelled work-day series keeps the zone it was written in
    assert [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")] == [NEW_YORK, LONDON]
    assert b"RDATE" not in ics
    for zone in calendar.walk("VTIMEZONE"):
        ruled = [part for part in zone.subcomponents if "RRULE" in part]
        assert {str(part["RRULE"]["FREQ"][0]) for part in ruled} == {"YEARLY"}


# --- bed after midnight -------------------------------------------------------------

NIGHT_OWL = DaySettings(bed=time(0, 30), zone=LONDON)
# Wakes at 15:00, works 21:00-04:00 on weekdays and goes to bed at 05:00.
NIGHT_SHIFT = DaySettings(
    wake=time(15, 0), bed=time(5, 0), work_start=time(21, 0), work_end=time(4, 0), zone=LONDON
)


def test_an_evening_after_midnight_is_on_the_next_date_every_day() -> None:
    found = events(build(NIGHT_OWL, generated=MADE))

    evening = found["evening@easeback"]
    assert evening.start.isoformat() == "2026-10-11T00:10:00+01:00"  # Saturday's evening
    assert rule(evening) == ("DAILY", [])


def test_a_weekday_series_after_midnight_falls_on_the_following_weekdays() -> None:
    ics = build(NIGHT_SHIFT, generated=MADE)

    found = events(ics)
    assert rule(found["daytime-work@easeback"]) == ("WEEKLY", ["TU", "WE", "TH", "FR", "SA"])
    # Monday's shift is the first: its chair twist is at 00:30 on Tuesday
    assert found["daytime-work@easeback"].start.isoformat() == "2026-10-13T00:30:00+01:00"
    shifts = occurrences(ics, date(2026, 10, 10), date(2026, 10, 24))["daytime-work@easeback"]
    assert [m.astimezone(ZoneInfo(LONDON)).strftime("%a %d %H:%M") for m in shifts] == [
        "Tue 13 00:30",
        "Wed 14 00:30",
        "Thu 15 00:30",
        "Fri 16 00:30",
        "Sat 17 00:30",
        "Tue 20 00:30",
        "Wed 21 00:30",
        "Thu 22 00:30",
        "Fri 23 00:30",
    ]
