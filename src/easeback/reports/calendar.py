"""Calendar reminders: the plan's history as an RFC 5545 calendar the person already uses.

Pure: the plan's versions (each with the moment it began) and the moment of generation
come in; the bytes of a VCALENDAR go out. No clock, no file, no network: the shell
reads the history from the store and writes the bytes.

One recurring VEVENT per series of ``plan_week`` (a slot on a group of weekdays), with
a UID made only of the slot and its kind of day, so re-importing the file updates the
events instead of adding copies. The events are the history folded in order, so what a
calendar app already holds is only ever updated the way RFC 5545 asks:

- an event's SEQUENCE is the plan's revision (how many changes to it were stored) in
  which the event took its current form (time, days, stretches, place, zone): an
  unchanged event keeps its SEQUENCE and its bytes, a changed one gets a higher one
  (clients drop an update whose SEQUENCE is lower, and some ignore one that is
  equal). Earlier easeback versions gave every event the revision count itself, so a
  calendar app that holds one of their files never sees a change with a lower number;
- its DTSTART is its first occurrence from the moment its current content began, not
  the day of generation, so it does not move when nothing changed;
- a series that is no longer in the plan (work days removed) stays in the file as
  STATUS:CANCELLED with the same UID, a higher SEQUENCE and an UNTIL at the moment it
  ended, or calendar apps would keep reminding.

Time zones are written as yearly rules (reports/zone_rules.py), which every client reads.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

from icalendar import STATUS, TRANSP, Alarm, Calendar, Event

from easeback.core.plan import EVERY_DAY, Course, DaySettings, Series, plan_week
from easeback.reports.zone_rules import ICAL_DAYS, vtimezone

CALENDAR_NAME = "easeback stretches"
PRODID = "-//easeback//easeback stretches//EN"
UID_DOMAIN = "easeback"
PER_STRETCH = timedelta(minutes=5)
ALARM_BEFORE = timedelta(0)
# Time zones are written exact for this many years after the moment of generation (and
# carried on by their yearly rules after that).
ZONE_YEARS = 15

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
class PlanVersion:
    """The plan as it stood from ``begins`` (aware) until the next version began:
    the person's day, and the ``course`` (which stretches in which slots: the
    article's or a clinician's prescription; a number is the article's course with
    the rotation done that many times a day). ``revision`` counts the changes to the
    plan up to this version."""

    begins: datetime
    settings: DaySettings
    course: Course | int
    revision: int


@dataclass(frozen=True)
class _Entry:
    """One event as the calendar says it now."""

    series: Series
    zone: str
    start: datetime  # DTSTART: aware, in ``zone``
    sequence: int
    ended: datetime | None = None  # when the series left the plan: it is cancelled


def calendar_ics(history: Sequence[PlanVersion], *, generated: datetime) -> bytes:
    """The plan's reminders as a VCALENDAR, the same bytes for the same arguments.

    ``history`` holds every version of the plan, oldest first, each of a higher
    revision; the last is the plan now. ``generated`` (aware) is the moment of
    generation: it gives DTSTAMP and how far ahead the time zones are written exact.
    """
    if not history:
        raise ValueError("the plan's history is empty: give at least the plan now")
    for earlier, later in pairwise(history):
        if later.revision <= earlier.revision:
            raise ValueError("each version of the plan must have a higher revision")
    for version in history:
        problems = version.settings.problems()
        if problems:
            raise ValueError("; ".join(f"{name}: {message}" for name, message in problems))
        _need_aware(version.begins, "every version's beginning")
    _need_aware(generated, "generated")
    stamp = generated.astimezone(UTC)
    entries = _entries(history)

    calendar = Calendar.new(
        prodid=PRODID,
        name=CALENDAR_NAME,
        uid=f"stretches@{UID_DOMAIN}",
        description=f"Reminders for your stretches. {SAFETY_LINE}",
    )
    for zone in dict.fromkeys(entry.zone for entry in entries):
        first_year = min(entry.start.year for entry in entries if entry.zone == zone)
        calendar.add_component(vtimezone(zone, first_year, stamp.year + ZONE_YEARS))
    for entry in entries:
        calendar.add_component(_event(entry, stamp))
    ical: bytes = calendar.to_ical()  # icalendar leaves the return type unannotated
    return ical


def _need_aware(moment: datetime, what: str) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{what} must be an aware datetime (with a time zone)")


def _entries(history: Sequence[PlanVersion]) -> list[_Entry]:
    """The history folded, version by version: the plan's events in the order of the
    day, then those it no longer has, cancelled."""
    entries: dict[str, _Entry] = {}
    week: list[Series] = []
    for version in history:
        zone = version.settings.zone
        week = plan_week(version.settings, version.course)
        names = {series.name for series in week}
        for name, entry in list(entries.items()):
            if name not in names and entry.ended is None:
                entries[name] = replace(entry, sequence=version.revision, ended=version.begins)
        for series in week:
            known = entries.get(series.name)
            if known is None or known.ended or (known.series, known.zone) != (series, zone):
                entries[series.name] = _Entry(
                    series,
                    zone,
                    _first(series, zone, version.begins),
                    version.revision,
                )
    current = [entries[series.name] for series in week]
    return current + [entry for entry in entries.values() if entry.ended]


def _first(series: Series, zone: str, begins: datetime) -> datetime:
    """The series' first occurrence from ``begins`` on: DTSTART must itself be an
    occurrence, or a Saturday start would add a stray reminder to a weekday series."""
    tz = ZoneInfo(zone)
    today = begins.astimezone(tz).date()
    for day in (today + timedelta(days=n) for n in range(8)):
        moment = datetime.combine(day, series.at, tzinfo=tz)
        if day.weekday() in series.days and moment >= begins:
            return moment
    raise AssertionError("a series falls on at least one day of the week")


def _event(entry: _Entry, stamp: datetime) -> Event:
    series = entry.series
    names = [STRETCH_NAMES.get(s, s.replace("-", " ")) for s in series.stretches]
    summary = "Stretches: " + ", ".join(n[0].lower() + n[1:] for n in names)
    description = "\n".join(
        [
            f"{WHEN[series.slot]}, {series.where}:",
            *(f"- {name}" for name in names),
            "",
            GUIDE_LINE,
            SAFETY_LINE,
        ]
    )
    event = Event.new(
        uid=f"{series.name}@{UID_DOMAIN}",
        stamp=stamp,
        start=entry.start,
        summary=summary,
        description=description,
        sequence=entry.sequence,
        transparency=TRANSP.TRANSPARENT,
        status=STATUS.CANCELLED if entry.ended else None,
    )
    event.add("duration", PER_STRETCH * len(series.stretches))
    event.add("rrule", _rrule(series.days, entry.ended))
    if entry.ended is None:  # no alarm on a cancelled event, whatever a client does with it
        alarm = Alarm.new(description=summary)
        alarm.add("action", "DISPLAY")
        alarm.add("trigger", -ALARM_BEFORE)
        event.add_component(alarm)
    return event


def _rrule(days: frozenset[int], until: datetime | None) -> dict[str, object]:
    rule: dict[str, object] = {"FREQ": "DAILY"}
    if days != EVERY_DAY:
        rule = {"FREQ": "WEEKLY", "BYDAY": [ICAL_DAYS[d] for d in sorted(days)]}
    if until is not None:
        rule["UNTIL"] = until.astimezone(UTC)
    return rule
