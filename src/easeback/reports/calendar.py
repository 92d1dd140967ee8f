"""Calendar reminders: the day's plan as an RFC 5545 calendar the person already uses.

Pure: settings, the dose of the rotation and the moment of generation come in; the
bytes of a VCALENDAR go out. No clock, no file, no network: the shell writes the bytes.

One recurring VEVENT per slot of ``plan_day``, each with a stable UID made only of the
slot and its group of days, so re-importing the file updates the events instead of
adding copies. SEQUENCE is given by the caller and must never go down (clients drop
an update whose SEQUENCE is lower, and some ignore one that is equal): the shell
counts the changes to the plan it has stored.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import TRANSP, Alarm, Calendar, Event, Timezone

from easeback.core.plan import DaySettings, Slot, local_day, plan_day

CALENDAR_NAME = "easeback stretches"
PRODID = "-//easeback//easeback stretches//EN"
UID_DOMAIN = "easeback"
PER_STRETCH = timedelta(minutes=5)
ALARM_BEFORE = timedelta(0)
EVERY_DAY = frozenset(range(7))
ICAL_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")

# The names in content/stretches.toml, kept here so that building a calendar does not
# load and validate the whole library; a test checks that they agree.
STRETCH_NAMES = {
    "knee-press": "Knee press",
    "lower-back-rotation": "Lower-back rotation",
    "pelvic-tilt": "Pelvic tilt",
    "chair-twist": "Chair twist",
}
SAFETY_LINE = "Stop at once if anything hurts. Not medical advice."
GUIDE_LINE = "For a guided session, run: easeback start"
WHEN = {"morning": "Morning", "daytime": "Daytime", "evening": "Evening"}


@dataclass(frozen=True)
class _Series:
    """One recurring event: a slot on a group of weekdays."""

    uid: str
    slot: Slot
    days: frozenset[int]
    first: date


def calendar_ics(
    settings: DaySettings, rotation_per_day: int, *, generated: datetime, sequence: int = 0
) -> bytes:
    """The plan's reminders as a VCALENDAR, the same bytes for the same arguments.

    ``generated`` (aware) is the moment of generation: it gives DTSTAMP and, in the
    person's zone, the first day of every series.
    """
    problems = settings.problems()
    if problems:
        raise ValueError("; ".join(f"{name}: {message}" for name, message in problems))
    if generated.tzinfo is None or generated.utcoffset() is None:
        raise ValueError("generated must be an aware datetime (with a time zone)")
    zone = ZoneInfo(settings.zone)
    today = local_day(generated, settings.zone)
    stamp = generated.astimezone(UTC)

    calendar = Calendar.new(
        prodid=PRODID,
        name=CALENDAR_NAME,
        uid=f"stretches@{UID_DOMAIN}",
        description=f"Reminders for your stretches. {SAFETY_LINE}",
    )
    calendar.add_component(Timezone.from_tzinfo(zone, tzid=settings.zone, first_date=today))
    for series in _series(settings, rotation_per_day, today):
        calendar.add_component(_event(series, zone, stamp, sequence))
    ical: bytes = calendar.to_ical()  # icalendar leaves the return type unannotated
    return ical


def _series(settings: DaySettings, rotation_per_day: int, today: date) -> list[_Series]:
    """The recurring events in time order of the day; a group with no days is left out."""
    has_work = settings.work_start is not None and settings.work_end is not None
    work_days = frozenset(settings.work_days) if has_work else frozenset[int]()
    groups = [
        ("morning", "morning", EVERY_DAY),
        ("daytime", "daytime-work", work_days),
        ("daytime", "daytime-home", EVERY_DAY - work_days),
        ("evening", "evening", EVERY_DAY),
    ]
    out: list[_Series] = []
    for slot_id, name, days in groups:
        if not days:
            continue
        first = _first_on(today, days)
        slot = next(s for s in plan_day(first, settings, rotation_per_day) if s.id == slot_id)
        out.append(_Series(f"{name}@{UID_DOMAIN}", slot, days, first))
    return out


def _event(series: _Series, zone: ZoneInfo, stamp: datetime, sequence: int) -> Event:
    slot = series.slot
    names = [STRETCH_NAMES.get(s, s.replace("-", " ")) for s in slot.stretches]
    summary = "Stretches: " + ", ".join(n[0].lower() + n[1:] for n in names)
    description = "\n".join(
        [
            f"{WHEN[slot.id]}, {slot.where}:",
            *(f"- {name}" for name in names),
            "",
            GUIDE_LINE,
            SAFETY_LINE,
        ]
    )
    event = Event.new(
        uid=series.uid,
        stamp=stamp,
        start=datetime.combine(series.first, slot.at.time(), tzinfo=zone),
        summary=summary,
        description=description,
        sequence=sequence,
        transparency=TRANSP.TRANSPARENT,
    )
    event.add("duration", PER_STRETCH * len(slot.stretches))
    event.add("rrule", _rrule(series.days))
    alarm = Alarm.new(description=summary)
    alarm.add("action", "DISPLAY")
    alarm.add("trigger", -ALARM_BEFORE)
    event.add_component(alarm)
    return event


def _rrule(days: frozenset[int]) -> dict[str, str | list[str]]:
    if days == EVERY_DAY:
        return {"FREQ": "DAILY"}
    return {"FREQ": "WEEKLY", "BYDAY": [ICAL_DAYS[d] for d in sorted(days)]}


def _first_on(today: date, days: Collection[int]) -> date:
    """The first date from ``today`` on one of ``days``: DTSTART must itself be an
    occurrence, or a Saturday start would add a stray reminder to a weekday series."""
    return next(day for day in (today + timedelta(n) for n in range(7)) if day.weekday() in days)
