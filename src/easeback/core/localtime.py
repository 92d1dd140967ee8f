"""Wall-clock times that a daylight-saving change skips or repeats.

When the clocks go forward, a stretch of local time never happens (01:30 on the last
Sunday of March in London); when they go back, a stretch happens twice, an hour
apart. A time a person types is one of three cases, and each needs its own answer:
taken as it is, refused ("that time did not exist"), or asked about ("the first
01:30 or the second?"). Pure: the local time and the zone come in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class Reading:
    """One instant a local time can mean, with the zone's name for it then."""

    instant: datetime  # aware, UTC
    abbreviation: str  # "BST"
    offset: timedelta  # from UTC

    def offset_text(self) -> str:
        minutes = int(self.offset.total_seconds() // 60)
        sign = "+" if minutes >= 0 else "-"
        return f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def readings(local: datetime, zone: str) -> list[Reading]:
    """Every instant the naive ``local`` time means in ``zone``, earliest first: one
    for an ordinary time, none for a time the clocks skipped, two for a time they
    repeated."""
    tz = ZoneInfo(zone)
    found: list[Reading] = []
    for fold in (0, 1):
        aware = local.replace(tzinfo=tz, fold=fold)
        instant = aware.astimezone(UTC)
        if instant.astimezone(tz).replace(tzinfo=None) != local:
            continue  # this reading lands elsewhere: the time does not exist
        if all(r.instant != instant for r in found):
            offset = aware.utcoffset() or timedelta(0)
            found.append(Reading(instant, aware.tzname() or zone, offset))
    return sorted(found, key=lambda r: r.instant)


def skipped_span(local: datetime, zone: str) -> tuple[datetime, datetime]:
    """For a time the clocks skipped: the local times they jumped from and to."""
    tz = ZoneInfo(zone)
    before = local.replace(tzinfo=tz, fold=0).utcoffset() or timedelta(0)
    after = local.replace(tzinfo=tz, fold=1).utcoffset() or timedelta(0)
    earlier, later = min(before, after), max(before, after)
    # The change happens at an instant between the two readings: find it to the minute.
    low = (local - later).replace(tzinfo=UTC)
    high = (local - earlier).replace(tzinfo=UTC)
    while high - low > timedelta(minutes=1):
        middle = low + (high - low) / 2
        if middle.astimezone(tz).utcoffset() == earlier:
            low = middle
        else:
            high = middle
    change = high.replace(second=0, microsecond=0)
    return (change + earlier).replace(tzinfo=None), (change + later).replace(tzinfo=None)
