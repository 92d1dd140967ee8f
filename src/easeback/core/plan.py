"""The day's plan: when each stretch is due, from the seed's timing and the person's day.

Pure: settings, the date and the doses come in; slots go out. The seed's timing:
knee press first thing in the morning and last thing at night; the lower-back
rotation two or three times a day; pelvic tilts (no time given) once a day; chair
twists at the office on work days, or at home. No slot holds more than three
stretches (fewer than four per routine helps people keep it up).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

SlotId = Literal["morning", "daytime", "evening"]
SLOT_IDS: tuple[SlotId, ...] = ("morning", "daytime", "evening")
DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

AFTER_WAKING = timedelta(minutes=5)
BEFORE_BED = timedelta(minutes=20)
MIN_AWAKE = timedelta(hours=6)
DAYTIME_GAP = timedelta(minutes=15)
AFTER_WORK = timedelta(minutes=30)


@dataclass(frozen=True)
class DaySettings:
    """The person's day. Times are local wall-clock times in ``zone``."""

    wake: time = time(7, 0)
    bed: time = time(22, 30)
    work_start: time | None = time(9, 0)
    work_end: time | None = time(17, 0)
    work_days: frozenset[int] = field(default_factory=lambda: frozenset(range(5)))
    zone: str = "UTC"

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
        awake = _minutes(self.bed) - _minutes(self.wake)
        if awake <= 0:
            out.append(
                (
                    "bed",
                    f"bed time {self.bed:%H:%M} is not after wake time "
                    f"{self.wake:%H:%M}; give both for the same day (bed up to 23:59)",
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
            if _minutes(self.work_end) <= _minutes(self.work_start):
                out.append(
                    (
                        "work",
                        f"work ends ({self.work_end:%H:%M}) at or before it starts "
                        f"({self.work_start:%H:%M}); give a start before the end",
                    )
                )
            elif not (
                _minutes(self.wake) <= _minutes(self.work_start)
                and _minutes(self.work_end) <= _minutes(self.bed)
            ):
                out.append(("work", "work hours must fall between waking and bed time"))
            elif not (
                _minutes(self.work_end) >= _minutes(self.wake) + _gap_minutes("first")
                and _minutes(self.work_start) <= _minutes(self.bed) - _gap_minutes("last")
            ):
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
    """A time of day with the stretches due then."""

    id: SlotId
    at: time
    stretches: tuple[str, ...]
    where: Literal["lying down", "at work", "at home"]


def plan_day(day: date, settings: DaySettings, rotation_per_day: int = 2) -> list[Slot]:
    """The slots of one day, in time order.

    Morning, just after waking: knee press, rotation, pelvic tilts. During the day:
    chair twists, at the middle of work hours on a work day, else midway through the
    waking day; with the rotation too when it is done three times a day (then, on a
    work day, half an hour after work, at home, since the rotation is done lying
    down). Evening, just before bed: knee press and rotation.
    """
    wake = _on(day, settings.wake)
    bed = _on(day, settings.bed)
    works = (
        day.weekday() in settings.work_days
        and settings.work_start is not None
        and settings.work_end is not None
    )
    if works and settings.work_start is not None and settings.work_end is not None:
        start, end = _on(day, settings.work_start), _on(day, settings.work_end)
        daytime, where = start + (end - start) / 2, "at work"
    else:
        daytime, where = wake + (bed - wake) / 2, "at home"
    day_stretches: tuple[str, ...] = ("chair-twist",)
    if rotation_per_day >= 3:
        day_stretches += ("lower-back-rotation",)
    morning, evening = wake + AFTER_WAKING, bed - BEFORE_BED
    # Knee press stays first and last: the day's slot keeps clear of both ends (and,
    # at work, within work hours; problems() makes sure both can hold).
    earliest, latest = morning + DAYTIME_GAP, evening - DAYTIME_GAP
    if works and settings.work_start is not None and settings.work_end is not None:
        after_work = _on(day, settings.work_end) + AFTER_WORK
        if rotation_per_day >= 3 and earliest <= after_work <= latest:
            # The rotation is done lying down: not at the desk, but home after work.
            daytime, where = after_work, "at home"
        else:
            earliest = max(earliest, _on(day, settings.work_start))
            latest = min(latest, _on(day, settings.work_end))
    daytime = min(max(_round5(daytime), earliest), latest)
    return [
        Slot("morning", morning.time(), MORNING, "lying down"),
        Slot("daytime", daytime.time(), day_stretches, where),  # type: ignore[arg-type]
        Slot("evening", evening.time(), EVENING, "lying down"),
    ]


MORNING = ("knee-press", "lower-back-rotation", "pelvic-tilt")
EVENING = ("knee-press", "lower-back-rotation")
# Every stretch a day's plan can hold.
PLANNED = ("knee-press", "lower-back-rotation", "pelvic-tilt", "chair-twist")


def local_day(moment: datetime, zone: str) -> date:
    """The person's calendar date at ``moment`` (aware), in their zone."""
    return moment.astimezone(ZoneInfo(zone)).date()


SlotStatus = Literal["done", "stopped", "missed", "next", "later"]


def slot_statuses(
    slots: list[Slot], now_local: time, outcomes: dict[str, str], bed: time
) -> dict[SlotId, SlotStatus]:
    """Each slot's status: done or stopped by its session today; missed once the next
    slot's time (or, for the last, bed time) has come; the first pending one is next;
    the rest later."""
    out: dict[SlotId, SlotStatus] = {}
    next_given = False
    for index, slot in enumerate(slots):
        outcome = outcomes.get(slot.id)
        closes = slots[index + 1].at if index + 1 < len(slots) else bed
        if outcome == "completed":
            out[slot.id] = "done"
        elif outcome == "pain_stop":
            out[slot.id] = "stopped"
        elif now_local >= closes:
            out[slot.id] = "missed"
        elif not next_given:
            out[slot.id] = "next"
            next_given = True
        else:
            out[slot.id] = "later"
    return out


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


def _on(day: date, moment: time) -> datetime:
    return datetime.combine(day, moment)


def _minutes(moment: time) -> int:
    return moment.hour * 60 + moment.minute


def _round5(moment: datetime) -> datetime:
    minutes = round((moment.hour * 60 + moment.minute + moment.second / 60) / 5) * 5
    return datetime.combine(moment.date(), time()) + timedelta(minutes=minutes)
