"""Which slot of the plan a session fills, whatever it was started as.

A session started for a slot (``easeback start`` with no routine, or Play on Today)
fills that slot. One started by name (``easeback start default`` at 07:10) fills the
slot whose stretches it holds and whose time it was played in, so adherence, today's
statuses and progression's "once per slot a day" count it the same way. The rule:

* a slot's window opens at its time and closes at the next slot's time; the last
  slot's closes at bed time, and the first slot's opens at wake time (nothing is due
  between waking and the first slot, which is a few minutes after);
* a session fills the slot whose window holds its start and all of whose stretches
  it holds (more is fine: the default routine holds every stretch);
* times are the plan's own (core/plan.py), on the next calendar date after midnight,
  so a slot after midnight belongs to the day its plan was made for.

Pure: the start time, the stretches, the person's day settings and the plan's
course come in; the slot and the plan's date go out.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from easeback.core.plan import Course, DaySettings, Slot, SlotId, plan_day

Window = tuple[Slot, datetime, datetime]


def slot_windows(day: date, settings: DaySettings, slots: list[Slot]) -> list[Window]:
    """Each slot of ``day`` with the local wall-clock moments (naive) its window
    opens and closes, in the order given (the plan's time order)."""
    wake = datetime.combine(day, settings.wake)
    bed = settings.on(day, settings.bed)
    windows: list[Window] = []
    for index, slot in enumerate(slots):
        opens = min(wake, slot.at) if index == 0 else slot.at
        closes = slots[index + 1].at if index + 1 < len(slots) else bed
        windows.append((slot, opens, closes))
    return windows


def filled_slot(
    started: datetime,
    stretches: Collection[str],
    settings: DaySettings,
    course: Course | int,
) -> tuple[SlotId, date] | None:
    """The slot (and the date of its plan) a session started at ``started`` (aware)
    holding ``stretches`` fills, or None when it fills none."""
    local = started.astimezone(ZoneInfo(settings.zone)).replace(tzinfo=None)
    held = set(stretches)
    # A slot after midnight belongs to the plan of the day before.
    for day in (local.date() - timedelta(days=1), local.date()):
        slots = plan_day(day, settings, course)
        for slot, opens, closes in slot_windows(day, settings, slots):
            if opens <= local < closes and set(slot.stretches) <= held:
                return slot.id, day
    return None
