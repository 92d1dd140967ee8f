"""Who needs the clinician's attention, and why, decided when the list is read.

Pure: a patient's summary row (status.py) and the moment come in; the list's row
goes out, with its reasons in words. The rules:

- a pain stop in the last 7 days;
- pain rising: the progress page's verdict on the last 28 days is a meaningful
  worsening (core/insight.py);
- a warning sign: the latest safety screening found one (any result at all);
- a flare-up that is on (until its last day, in the patient's zone);
- nothing done for 7 days: no session in that time (counted from joining for
  someone who has never played one).

"This week" is the patient's week (Monday first) at the moment of reading: a row
kept last week counts nothing done this week yet.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

QUIET = timedelta(days=7)
RECENT_STOP = timedelta(days=7)
WARNING_WORDS = {
    "emergency": "emergency care",
    "urgent": "a doctor today",
    "clinician": "a clinician's go-ahead",
}


@dataclass(frozen=True)
class ListRow:
    """One patient as the list shows them."""

    id: str
    name: str
    week_done: int
    week_planned: int
    pain_start: int | None
    pain_now: int | None
    last_session: datetime | None  # aware UTC
    last_pain_stop: datetime | None  # aware UTC
    zone: str
    reasons: tuple[str, ...]

    @property
    def attention(self) -> bool:
        return bool(self.reasons)

    @property
    def last_stop_day(self) -> date | None:
        """The day of the last pain stop, in the patient's zone."""
        if self.last_pain_stop is None:
            return None
        return self.last_pain_stop.astimezone(ZoneInfo(self.zone)).date()

    @property
    def pain_change(self) -> int | None:
        if self.pain_start is None or self.pain_now is None:
            return None
        return self.pain_now - self.pain_start


def _utc(value: datetime | None) -> datetime | None:
    return value.replace(tzinfo=UTC) if value is not None else None


def list_row(
    patient_id: str,
    name: str,
    joined_utc: datetime,
    status: Mapping[str, Any] | None,
    now: datetime,
    days: dict[str, date] | None = None,
) -> ListRow:
    """The list's row for a patient; ``status`` None: nothing kept yet (never written).
    ``days``: zone -> today there, shared by the rows of one list."""
    status = status or {}
    zone = status.get("zone") or "UTC"
    days = {} if days is None else days
    today = days.get(zone)
    if today is None:
        today = days[zone] = now.astimezone(ZoneInfo(zone)).date()
    monday = today - timedelta(days=today.weekday())
    last_session = _utc(status.get("last_session_utc"))
    last_stop = _utc(status.get("last_pain_stop_utc"))
    reasons: list[str] = []
    if last_stop is not None and now - last_stop <= RECENT_STOP:
        reasons.append(f"Stopped for pain on {_day(last_stop, zone)}")
    if status.get("pain_rising"):
        reasons.append("Pain rising: a meaningful worsening over the last 4 weeks")
    warning = status.get("warning")
    if warning:
        needs = WARNING_WORDS.get(warning, warning)
        reasons.append(f"Warning sign in the safety questions (advised: {needs})")
    flare_until = status.get("flare_until")
    if flare_until and date.fromisoformat(flare_until) >= today:
        reasons.append(f"Flare-up, until {_day_words(date.fromisoformat(flare_until))}")
    since = last_session or _utc(joined_utc)
    if since is not None and now - since >= QUIET:
        quiet = (now - since).days
        what = "No session" if last_session is not None else "No session yet"
        reasons.append(f"{what} for {quiet} days")
    same_week = status.get("week_start") == monday.isoformat()
    return ListRow(
        id=patient_id,
        name=name,
        week_done=int(status.get("week_done") or 0) if same_week else 0,
        week_planned=int(status.get("week_planned") or 0),
        pain_start=status.get("pain_start"),
        pain_now=status.get("pain_now"),
        last_session=last_session,
        last_pain_stop=last_stop,
        zone=zone,
        reasons=tuple(reasons),
    )


def _day(moment: datetime, zone: str) -> str:
    return _day_words(moment.astimezone(ZoneInfo(zone)).date())


def _day_words(day: date) -> str:
    return f"{day:%a} {day.day} {day:%b}"


# --- sorting ----------------------------------------------------------------------------

SORTS = ("attention", "name", "week", "pain", "change", "stop")
DEFAULT_SORT = "attention"


def _name(row: ListRow) -> str:
    return row.name.casefold()


def _key(column: str, row: ListRow) -> tuple[Any, ...]:
    """The sort key of one column; patients without a value go last either way (see
    ``sort_rows``), then by name."""
    week = row.week_done / row.week_planned if row.week_planned else 0.0
    keys: dict[str, Any] = {
        "attention": (not row.attention, -len(row.reasons)),
        "name": (),
        "week": (week, row.week_done),
        "pain": (row.pain_now,),
        "change": (row.pain_change,),
        "stop": (row.last_pain_stop,),
    }
    return (*keys[column], _name(row))


def sort_rows(rows: Sequence[ListRow], sort: str) -> list[ListRow]:
    """``rows`` ordered by ``sort``: a column of SORTS, "-column" for the other way.
    Needing attention first, then by name, by default."""
    descending = sort.startswith("-")
    column = sort.removeprefix("-")
    if column not in SORTS:
        column, descending = DEFAULT_SORT, False
    missing = {"pain": "pain_now", "change": "pain_change", "stop": "last_pain_stop"}.get(column)
    known = [r for r in rows if missing is None or getattr(r, missing) is not None]
    unknown = [r for r in rows if missing is not None and getattr(r, missing) is None]
    ordered = sorted(known, key=lambda r: _key(column, r), reverse=descending)
    return ordered + sorted(unknown, key=_name)
