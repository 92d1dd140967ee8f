"""Time-zone definitions for calendars (VTIMEZONE), written as yearly rules.

Pure: a zone name and the years to cover come in; an icalendar component goes out.

Calendar apps that do not know IANA names (ical.js, and every client that trusts the
file over its own data) compute local times from the VTIMEZONE alone, so it must be
right for as long as the reminders run. A definition written as lists of dates stops
where the list stops, and ical.js misreads one; yearly rules (``RRULE:FREQ=YEARLY;
BYMONTH=3;BYDAY=-1SU``) are what every client reads.

The rules are read from zoneinfo itself: every change of UTC offset over the years
asked for is found, and the changes that fall on the same weekday rule, at the same
local time, year after year (the last Sunday of March at 01:00) become one rule. A
run that lasts to the last year asked for is left open, as the zone's current rule
is; a run that ended gets an UNTIL. A change that follows no yearly rule (Morocco's
follow Ramadan) is written on its own, which is still exact up to the last year
asked for, after which the last offset holds.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Timezone, TimezoneDaylight, TimezoneStandard

ICAL_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


@dataclass(frozen=True)
class _Change:
    """One change of UTC offset: when (UTC), from what to what, and what it is called."""

    utc: datetime
    before: timedelta
    after: timedelta
    name: str

    @property
    def onset(self) -> datetime:
        """Its local wall-clock time, in the offset before it, as VTIMEZONE wants."""
        return (self.utc + self.before).replace(tzinfo=None)

    @property
    def forward(self) -> bool:
        """Clocks go forward: written as DAYLIGHT, a change back as STANDARD. Parsers
        that settle the repeated hour by these names (python-dateutil) need it so, even
        where the law calls the winter time the exception (Dublin, Casablanca)."""
        return self.after > self.before

    @property
    def kind(self) -> tuple[timedelta, timedelta, str, int, timedelta]:
        """What a yearly rule keeps the same: offsets, name, month and time of day."""
        onset = self.onset
        clock = onset - onset.replace(hour=0, minute=0, second=0)
        return (self.before, self.after, self.name, onset.month, clock)


def vtimezone(zone: str, first_year: int, last_year: int) -> Timezone:
    """The VTIMEZONE for ``zone``, exact from 1 January ``first_year`` to the end of
    ``last_year`` and carried on by its open rules after that."""
    tz = ZoneInfo(zone)
    start = datetime(first_year, 1, 1, tzinfo=tz)
    end = datetime(last_year + 1, 1, 1, tzinfo=tz).astimezone(UTC)
    changes = _changes(tz, start.astimezone(UTC), end)
    component = Timezone()
    component.add("tzid", zone)
    # The offset in force from the start, so that no time before the first change is
    # left undefined (ical.js reads such a time as UTC); summer time if the next
    # change puts the clocks back.
    offset = start.utcoffset() or timedelta(0)
    earlier = changes[0].after if changes and not changes[0].forward else offset
    initial = _Change(start.astimezone(UTC), earlier, offset, start.tzname() or "")
    component.add_component(_observance(initial, start.replace(tzinfo=None), None))
    for run in _runs(changes):
        component.add_component(_observance(run[0], run[0].onset, _rule(run, last_year)))
    return component


def _changes(tz: ZoneInfo, start: datetime, end: datetime) -> list[_Change]:
    """Every change of UTC offset in [start, end), to the second, oldest first. The
    offset is read once a day; a day whose offset differs from the day before is
    searched to the second."""

    def offset(second: int) -> timedelta:
        return datetime.fromtimestamp(second, tz).utcoffset() or timedelta(0)

    found: list[_Change] = []
    day, last = int(start.timestamp()), int(end.timestamp())
    while day < last:
        following = day + 24 * 3600
        if offset(day) != offset(following):
            low, high = day, following  # the offset changes after low, by high
            while high - low > 1:
                middle = (low + high) // 2
                if offset(middle) == offset(low):
                    low = middle
                else:
                    high = middle
            after = datetime.fromtimestamp(high, tz)
            found.append(
                _Change(after.astimezone(UTC), offset(low), offset(high), after.tzname() or "")
            )
        day = following
    return found


# A day rule, as tz rules are written: ("last", weekday, 0) for the last such weekday
# of the month, or ("from", weekday, D) for the first such weekday on or after day D
# (D = 1, 8, 15, 22: the 1st to 4th; Israel's "Friday on or after the 23rd").
_Day = tuple[str, int, int]


def _day_rules(moment: datetime) -> set[_Day]:
    """Every day rule the date fits."""
    weekday, length = moment.weekday(), calendar.monthrange(moment.year, moment.month)[1]
    rules: set[_Day] = {
        ("from", weekday, first)
        for first in range(max(1, moment.day - 6), moment.day + 1)
        if first + 6 <= length
    }
    if moment.day + 7 > length:
        rules.add(("last", weekday, 0))
    return rules


def _runs(changes: list[_Change]) -> list[list[_Change]]:
    """The changes grouped into runs of one a year, in consecutive years, of the same
    kind and on one day rule; a change that fits no run is a run of its own."""
    by_kind: dict[tuple[object, ...], list[_Change]] = {}
    for change in changes:
        by_kind.setdefault(change.kind, []).append(change)
    runs: list[list[_Change]] = []
    for group in by_kind.values():
        run: list[_Change] = []
        shared: set[_Day] = set()
        for change in group:
            fits = shared & _day_rules(change.onset)
            if run and fits and change.onset.year == run[-1].onset.year + 1:
                run.append(change)
                shared = fits
            else:
                if run:
                    runs.append(run)
                run, shared = [change], _day_rules(change.onset)
        runs.append(run)
    return sorted(runs, key=lambda r: r[0].utc)


def _rule(run: list[_Change], last_year: int) -> dict[str, object] | None:
    """The yearly RRULE of a run; None for a change on its own. A run that lasts to
    ``last_year`` is the zone's current rule and stays open."""
    if len(run) < 2:
        return None
    shared = set.intersection(*(_day_rules(change.onset) for change in run))
    # Written the way such rules usually are: "last Sunday", "2nd Sunday", and only
    # otherwise as "the Friday among the 23rd to the 29th".
    how, weekday, first = min(shared, key=lambda r: (r[0] != "last", (r[2] - 1) % 7 != 0, r[2]))
    rule: dict[str, object] = {"FREQ": "YEARLY", "BYMONTH": run[0].onset.month}
    if how == "last":
        rule["BYDAY"] = f"-1{ICAL_DAYS[weekday]}"
    elif (first - 1) % 7 == 0:
        rule["BYDAY"] = f"{(first - 1) // 7 + 1}{ICAL_DAYS[weekday]}"
    else:
        rule["BYDAY"] = ICAL_DAYS[weekday]
        rule["BYMONTHDAY"] = list(range(first, first + 7))
    if run[-1].onset.year < last_year:
        # A day after the last change: parsers differ on whether they compare UNTIL
        # with UTC or with local time, and a day's margin is right for both.
        rule["UNTIL"] = run[-1].utc + timedelta(days=1)
    return rule


def _observance(
    change: _Change, onset: datetime, rule: dict[str, object] | None
) -> TimezoneStandard | TimezoneDaylight:
    observance = TimezoneDaylight() if change.forward else TimezoneStandard()
    observance.add("dtstart", onset)
    observance.add("tzoffsetfrom", change.before)
    observance.add("tzoffsetto", change.after)
    if change.name:
        observance.add("tzname", change.name)
    if rule is not None:
        observance.add("rrule", rule)
    return observance
