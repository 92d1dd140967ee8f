"""The day's plan: when each stretch is due, from the seed's timing and the person's day.

Pure: settings, the date and the doses come in; slots go out. The seed's timing:
knee press first thing in the morning and last thing at night; the lower-back
rotation two or three times a day; pelvic tilts (no time given) once a day; chair
twists at the office on work days, or at home. No slot holds more than three
stretches (fewer than four per routine helps people keep it up).

The person's day runs from waking to bed, and bed may come after midnight: every clock
time of the day is read as the first such time from waking on (``DaySettings.on``), so
a slot can fall on the next calendar date, and the hours from midnight to that bed time
still belong to the day before (``person_day``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

SlotId = Literal["morning", "daytime", "evening"]
SLOT_IDS: tuple[SlotId, ...] = ("morning", "daytime", "evening")
Where = Literal["lying down", "at work", "at home"]
DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
EVERY_DAY = frozenset(range(7))

AFTER_WAKING = timedelta(minutes=5)
BEFORE_BED = timedelta(minutes=20)
MIN_AWAKE = timedelta(hours=6)
# At least 4 hours between bed and waking: a shorter night is far more often two times
# swapped or mistyped than a real one, and the plan would put the evening stretches
# almost on top of the morning ones.
MIN_ASLEEP = timedelta(hours=4)
DAYTIME_GAP = timedelta(minutes=15)
AFTER_WORK = timedelta(minutes=30)


@dataclass(frozen=True)
class DaySettings:
    """The person's day. Times are local wall-clock times in ``zone``; a bed time (or
    the end of work) earlier on the clock than waking is after midnight."""

    wake: time = time(7, 0)
    bed: time = time(22, 30)
    work_start: time | None = time(9, 0)
    work_end: time | None = time(17, 0)
    work_days: frozenset[int] = field(default_factory=lambda: frozenset(range(5)))
    zone: str = "UTC"

    def on(self, day: date, clock: time) -> datetime:
        """``clock`` on the person's ``day``: that date, or the next one for a time
        earlier than waking (00:30 with waking at 07:00 is the night after ``day``)."""
        return datetime.combine(day + timedelta(days=clock < self.wake), clock)

    def work_hours(self, day: date) -> tuple[datetime, datetime] | None:
        """Start and end of work on ``day``, or None when it is not a work day."""
        if day.weekday() not in self.work_days or self.work_start is None or self.work_end is None:
            return None
        return self.on(day, self.work_start), self.on(day, self.work_end)

    def problems(self) -> list[tuple[str, str]]:
        """(field, message) for everything that makes this day impossible."""
        out: list[tuple[str, str]] = []
        if not known_zone(self.zone):
            out.append(
                (
                    "zone",
                    f"unknown time zone {self.zone!r}; use an IANA name such as "
                    "Europe/London or America/New_York",
                )
            )
        awake = self._from_waking(self.bed) or 24 * 60
        asleep = 24 * 60 - awake
        if timedelta(minutes=asleep) < MIN_ASLEEP:
            out.append(
                (
                    "bed",
                    f"bed time {self.bed:%H:%M} leaves only {asleep // 60} h {asleep % 60} min "
                    f"until waking at {self.wake:%H:%M}; easeback needs at least 4 hours "
                    "between bed and waking (a bed time after midnight is fine, e.g. 00:30)",
                )
            )
        elif timedelta(minutes=awake) < MIN_AWAKE:
            out.append(
                (
                    "bed",
                    f"only {awake // 60} h {awake % 60} min between waking and bed; "
                    "easeback needs at least 6 hours to spread the stretches",
                )
            )
        if (self.work_start is None) != (self.work_end is None):
            out.append(("work", "give both the start and the end of work, or neither"))
        elif self.work_start is not None and self.work_end is not None:
            start, end = self._from_waking(self.work_start), self._from_waking(self.work_end)
            if start > awake or end > awake:
                out.append(("work", "work hours must fall between waking and bed time"))
            elif end <= start:
                out.append(
                    (
                        "work",
                        f"work ends ({self.work_end:%H:%M}) at or before it starts "
                        f"({self.work_start:%H:%M}); give a start before the end",
                    )
                )
            elif not (end >= _gap_minutes("first") and start <= awake - _gap_minutes("last")):
                out.append(
                    (
                        "work",
                        "work hours must leave room for the morning and bedtime stretches: "
                        f"end {_gap_minutes('first')} minutes or more after waking, and "
                        f"start {_gap_minutes('last')} minutes or more before bed",
                    )
                )
        if any(d not in range(7) for d in self.work_days):
            out.append(("work_days", "work days are mon, tue, wed, thu, fri, sat, sun"))
        return out

    def _from_waking(self, clock: time) -> int:
        """Minutes from waking to ``clock``, read forward through midnight (0-1439)."""
        return (_minutes(clock) - _minutes(self.wake)) % (24 * 60)


def known_zone(name: str) -> bool:
    """A canonical IANA zone name ('Europe/London'); not the aliases a zoneinfo folder
    also holds ('localtime', 'Factory', 'posix/...', 'right/...')."""
    if name in ("localtime", "Factory") or name.startswith(("posix/", "right/")):
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: 'Europe' is a folder
        return False
    return True


@dataclass(frozen=True)
class Slot:
    """A time of the person's day with the stretches due then. ``at`` is a local
    wall-clock time (naive), on the next calendar date when it is after midnight."""

    id: SlotId
    at: datetime
    stretches: tuple[str, ...]
    where: Where


@dataclass(frozen=True)
class Course:
    """Which stretches the plan holds and in which of the day's slots: the article's
    (``Course.article``) or a clinician's prescription. ``seated`` are the stretches
    done sitting, the only ones a slot at work can hold."""

    slots: tuple[tuple[str, tuple[SlotId, ...]], ...]
    seated: frozenset[str] = frozenset({"chair-twist"})

    @classmethod
    def article(cls, rotation_per_day: int = 2) -> Course:
        """The article's timing: knee press first and last thing, the rotation morning
        and evening (and a third time during the day when it is done three times a
        day), pelvic tilts in the morning, chair twists during the day."""
        rotation: tuple[SlotId, ...] = ("morning", "evening")
        if rotation_per_day >= 3:
            rotation = ("morning", "daytime", "evening")
        # In this order each slot lists its stretches as the article does them (chair
        # twists before the day's rotation).
        return cls(
            (
                ("knee-press", ("morning", "evening")),
                ("chair-twist", ("daytime",)),
                ("lower-back-rotation", rotation),
                ("pelvic-tilt", ("morning",)),
            )
        )

    def holding(self, slot: SlotId) -> tuple[str, ...]:
        """The stretches due in ``slot``, in the course's order."""
        return tuple(sid for sid, slots in self.slots if slot in slots)

    @property
    def stretches(self) -> tuple[str, ...]:
        return tuple(sid for sid, _ in self.slots)


def plan_day(day: date, settings: DaySettings, course: Course | int = 2) -> list[Slot]:
    """The slots of one day, in time order (a slot with nothing due is left out).
    ``course`` is what the plan holds; a number is the article's course with the
    rotation done that many times a day.

    Morning, just after waking; evening, just before bed. The day's middle slot, for
    stretches done sitting (chair twists), is at the middle of work hours on a work
    day, else midway through the waking day. A stretch done lying down in the middle
    of the day (the rotation's third time) is done only at home: on a work day that
    slot moves to half an hour after work, at home. When work ends so late that this
    would crowd the evening stretches, the day keeps the sitting ones at work and the
    lying ones move to the evening; one the evening holds already is left out that day:
    for the rotation, still within the two to three times a day it is meant for, and
    better than a third time squeezed in before bed.
    """
    if isinstance(course, int):
        course = Course.article(course)
    wake, bed = settings.on(day, settings.wake), settings.on(day, settings.bed)
    morning, evening = wake + AFTER_WAKING, bed - BEFORE_BED
    # Knee press stays first and last: the day's slot keeps clear of both ends (and,
    # at work, within work hours; problems() makes sure both can hold).
    earliest, latest = morning + DAYTIME_GAP, evening - DAYTIME_GAP
    day_stretches = course.holding("daytime")
    lying = any(sid not in course.seated for sid in day_stretches)
    work = settings.work_hours(day)
    where: Where = "at home"
    if work is None:
        daytime = wake + (bed - wake) / 2
    elif lying and work[1] + AFTER_WORK <= latest:
        daytime = work[1] + AFTER_WORK  # never before ``earliest``: work ends 20 min after waking
    else:
        start, end = work
        daytime, where = start + (end - start) / 2, "at work"
        day_stretches = tuple(sid for sid in day_stretches if sid in course.seated)
        earliest, latest = max(earliest, start), min(latest, end)
    daytime = min(max(_round5(daytime), earliest), latest)
    # A lying-down stretch left out of a day at work is done in the evening, unless the
    # evening holds it already (the article's third rotation).
    left_out = tuple(
        sid
        for sid in course.holding("daytime")
        if sid not in day_stretches and sid not in course.holding("evening")
    )
    slots = [
        Slot("morning", morning, course.holding("morning"), "lying down"),
        Slot("daytime", daytime, day_stretches, where),
        Slot("evening", evening, course.holding("evening") + left_out, "lying down"),
    ]
    return [slot for slot in slots if slot.stretches]


MORNING = ("knee-press", "lower-back-rotation", "pelvic-tilt")
EVENING = ("knee-press", "lower-back-rotation")
# Every stretch a day's plan can hold.
PLANNED = ("knee-press", "lower-back-rotation", "pelvic-tilt", "chair-twist")


def local_day(moment: datetime, zone: str) -> date:
    """The person's calendar date at ``moment`` (aware), in their zone."""
    return moment.astimezone(ZoneInfo(zone)).date()


def person_day(moment: datetime, settings: DaySettings) -> date:
    """The day whose plan the person is living at ``moment`` (aware).

    Their calendar date, except that the hours from midnight to a bed time after
    midnight still belong to the day before: with bed at 00:30, at 00:15 the evening
    stretches are still due, and from 00:30 the new day begins with its morning. With
    bed before midnight the day ends at midnight, as the calendar's does.
    """
    local = moment.astimezone(ZoneInfo(settings.zone))
    if settings.bed < settings.wake and local.time() < settings.bed:
        return local.date() - timedelta(days=1)
    return local.date()


def day_begins(day: date, settings: DaySettings) -> datetime:
    """The moment (aware) the person's ``day`` begins, as ``person_day`` reads it:
    midnight in their zone, or their bed time that night when bed comes after midnight
    (until then the day before is still being lived)."""
    start = settings.bed if settings.bed < settings.wake else time(0)
    return datetime.combine(day, start, tzinfo=ZoneInfo(settings.zone))


SlotStatus = Literal["done", "stopped", "missed", "next", "later"]


def slot_statuses(
    slots: list[Slot], now: datetime, outcomes: dict[str, str], bed: datetime
) -> dict[SlotId, SlotStatus]:
    """Each slot's status at ``now`` (local wall-clock time, naive, as ``bed``): done or
    stopped by its session that day; missed once the next slot's time (or, for the
    last, bed time) has come; the first pending one is next; the rest later."""
    out: dict[SlotId, SlotStatus] = {}
    next_given = False
    for index, slot in enumerate(slots):
        outcome = outcomes.get(slot.id)
        closes = slots[index + 1].at if index + 1 < len(slots) else bed
        if outcome == "completed":
            out[slot.id] = "done"
        elif outcome == "pain_stop":
            out[slot.id] = "stopped"
        elif now >= closes:
            out[slot.id] = "missed"
        elif not next_given:
            out[slot.id] = "next"
            next_given = True
        else:
            out[slot.id] = "later"
    return out


# --- the week ---------------------------------------------------------------------------

# Only the daytime slot depends on the kind of day (work day or not): morning and
# evening follow waking and bed, which are the same every day.
BY_KIND_OF_DAY: frozenset[SlotId] = frozenset({"daytime"})
# A Monday: plan_day reads only the weekday and the settings, never the date itself.
_A_MONDAY = date(2024, 1, 1)


@dataclass(frozen=True)
class Series:
    """A slot that recurs at one time on a set of weekdays: one calendar event.

    ``name`` is stable for as long as the slot and its kind of day exist ("morning",
    "daytime-work", "daytime-home", "evening"). ``days`` are the calendar weekdays
    (Monday is 0) it falls on: the day after the plan's day for a slot after midnight.
    """

    name: str
    slot: SlotId
    at: time
    stretches: tuple[str, ...]
    where: Where
    days: frozenset[int]


def plan_week(settings: DaySettings, course: Course | int = 2) -> list[Series]:
    """The week's plan, each slot once per kind of day, in the order of the day: the
    grouping that the calendar's events and the exports by day share."""
    has_work = settings.work_start is not None and settings.work_end is not None
    work_days = frozenset(settings.work_days) if has_work else frozenset[int]()
    kinds = [("work", work_days), ("home", EVERY_DAY - work_days)]
    out: list[Series] = []
    for slot_id in SLOT_IDS:
        if slot_id in BY_KIND_OF_DAY:
            groups = [(f"{slot_id}-{kind}", days) for kind, days in kinds if days]
        else:
            groups = [(slot_id, EVERY_DAY)]
        for name, days in groups:
            day = _A_MONDAY + timedelta(days=min(days))
            slot = next((s for s in plan_day(day, settings, course) if s.id == slot_id), None)
            if slot is None:
                continue
            shift = (slot.at.date() - day).days
            calendar_days = frozenset((d + shift) % 7 for d in days)
            out.append(
                Series(name, slot.id, slot.at.time(), slot.stretches, slot.where, calendar_days)
            )
    return out


def stretch_week(
    week: list[Series], stretch: str
) -> list[tuple[frozenset[int], tuple[tuple[time, Where], ...]]]:
    """When ``stretch`` is due through the week: groups of calendar weekdays that have
    the same times (each with where it is done), in the order of the person's day,
    groups in weekday order; days without it are left out."""
    by_day = {
        d: tuple((s.at, s.where) for s in week if stretch in s.stretches and d in s.days)
        for d in range(7)
    }
    groups: dict[tuple[tuple[time, Where], ...], set[int]] = {}
    for d, times in by_day.items():
        if times:
            groups.setdefault(times, set()).add(d)
    return [(frozenset(days), times) for times, days in groups.items()]


def parse_days(text: str) -> frozenset[int]:
    """'mon-fri', 'mon,wed,fri', 'sat-sun', 'none' -> weekday numbers (Monday is 0)."""
    text = text.strip().lower()
    if text in ("", "none"):
        return frozenset()
    days: set[int] = set()
    for part in text.split(","):
        part = part.strip()
        if "-" in part:
            first, last = (p.strip()[:3] for p in part.split("-", 1))
            if first not in DAY_NAMES or last not in DAY_NAMES:
                raise ValueError(f"{part!r} is not a day range such as mon-fri")
            a, b = DAY_NAMES.index(first), DAY_NAMES.index(last)
            days.update(range(a, b + 1) if a <= b else [*range(a, 7), *range(0, b + 1)])
        else:
            if part[:3] not in DAY_NAMES:
                raise ValueError(f"{part!r} is not a day; use mon, tue, wed, thu, fri, sat, sun")
            days.add(DAY_NAMES.index(part[:3]))
    return frozenset(days)


def format_days(days: frozenset[int]) -> str:
    return ",".join(DAY_NAMES[d] for d in sorted(days)) or "none"


def _gap_minutes(end: Literal["first", "last"]) -> int:
    """How far work hours must reach into the day so the day's slot fits between the
    morning and evening slots."""
    edge = AFTER_WAKING if end == "first" else BEFORE_BED
    return int((edge + DAYTIME_GAP).total_seconds() // 60)


def _minutes(moment: time) -> int:
    return moment.hour * 60 + moment.minute


def _round5(moment: datetime) -> datetime:
    minutes = round((moment.hour * 60 + moment.minute + moment.second / 60) / 5) * 5
    return datetime.combine(moment.date(), time()) + timedelta(minutes=minutes)
