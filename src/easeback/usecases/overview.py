"""Everything insight shows for a period, read from the store once: adherence per
week, pain scores with their sources, pain stops, the PSFS, and the judged changes.

The progress command, the web page and the clinician report all draw from one
``Overview``, so a figure means the same in each. Rules live in core/insight.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any, Literal
from zoneinfo import ZoneInfo

from easeback.core.insight import (
    Change,
    Week,
    pain_change,
    psfs_change,
    psfs_means,
    weekly_adherence,
)

if TYPE_CHECKING:
    from sqlalchemy import Engine

DEFAULT_DAYS = 28
PainSource = Literal["diary", "before", "after"]


class EmptyPeriod(ValueError):
    """Nothing was recorded in the period asked for."""


@dataclass(frozen=True)
class PainPoint:
    at: datetime  # local time, aware
    value: int
    source: PainSource


@dataclass(frozen=True)
class Overview:
    first: date
    last: date
    zone: str
    weeks: list[Week]
    pain: list[PainPoint]
    pain_stops: list[datetime]  # every session stopped for pain, rehearsals too
    sessions: int  # sessions at normal speed, and rehearsals stopped for pain
    completed: int
    pain_change: Change
    psfs: list[tuple[datetime, float]]
    psfs_change: Change
    activities: list[tuple[str, int | None]]
    notes: list[tuple[datetime, str]]
    screenings: list[dict[str, Any]] = field(default_factory=list)
    rehearsal_stops: list[datetime] = field(default_factory=list)  # of pain_stops

    def to_json(self) -> dict[str, Any]:
        return {
            "from": self.first.isoformat(),
            "to": self.last.isoformat(),
            "zone": self.zone,
            "sessions": self.sessions,
            "completed": self.completed,
            "adherence": {
                "planned": self.planned,
                "done": self.done,
                "weeks": [
                    {"start": w.start.isoformat(), "planned": w.planned, "done": w.done}
                    for w in self.weeks
                ],
            },
            "pain": [
                {"at": p.at.isoformat(), "value": p.value, "source": p.source} for p in self.pain
            ],
            "pain_stops": [s.isoformat() for s in self.pain_stops],
            "rehearsal_pain_stops": [s.isoformat() for s in self.rehearsal_stops],
            "pain_change": _change_json(self.pain_change),
            "psfs": [{"at": at.isoformat(), "mean": mean} for at, mean in self.psfs],
            "psfs_change": _change_json(self.psfs_change),
            "activities": [{"name": n, "latest": v} for n, v in self.activities],
        }

    @property
    def planned(self) -> int:
        return sum(w.planned for w in self.weeks)

    @property
    def done(self) -> int:
        return sum(w.done for w in self.weeks)


def _change_json(change: Change) -> dict[str, Any]:
    return {
        "baseline": change.baseline,
        "recent": change.recent,
        "delta": change.delta,
        "verdict": change.verdict,
    }


EARLIEST = date(2000, 1, 1)
LATEST_AHEAD = timedelta(days=366)


def period(start: date | None, end: date | None, today: date) -> tuple[date, date]:
    """The days asked for: by default the last 28 days up to today.

    Raises ``BadPeriod`` for days easeback cannot have data for (before 2000, more
    than a year ahead) or a first day after the last.
    """
    last = end or today
    first = start or last - timedelta(days=DEFAULT_DAYS - 1)
    # A day worked out from the other one is blamed on the one given.
    checks: list[tuple[date, Literal["start", "end"]]] = [
        (start or last, "start" if start else "end"),
        (end or first, "end" if end else "start"),
    ]
    for day, given in checks:
        if not EARLIEST <= day <= today + LATEST_AHEAD:
            raise BadPeriod(
                f"{day.isoformat()} is outside the days easeback can hold; give days from "
                f"{EARLIEST.isoformat()} to {(today + LATEST_AHEAD).isoformat()}",
                field=given,
            )
    if first > last:
        raise BadPeriod(
            f"the first day {first.isoformat()} is after the last {last.isoformat()}", field="end"
        )
    return first, last


class BadPeriod(ValueError):
    """A period that cannot be shown, with the reason and the day it is about
    (``field``: 'start' or 'end')."""

    def __init__(self, message: str, *, field: Literal["start", "end"]) -> None:
        super().__init__(message)
        self.field = field


def build_overview(
    engine: Engine, first: date, last: date, *, zone: str, now: datetime | None = None
) -> Overview:
    """Read the period [first, last] (local days in ``zone``) and judge it.

    Raises ``EmptyPeriod`` when nothing at all was recorded in it.
    """
    from easeback.core.plan import DaySettings, plan_day
    from easeback.store.diary import current_activities, entries, ratings
    from easeback.store.plan import counted_slot_days, latest_settings
    from easeback.store.safety import safety_records
    from easeback.store.sessions import list_sessions
    from easeback.usecases.following import store_basis
    from easeback.usecases.today import slot_fitter

    tz = ZoneInfo(zone)
    start = datetime.combine(first, time(0), tz)
    end = datetime.combine(last + timedelta(days=1), time(0), tz)

    def local(moment_utc: datetime) -> datetime:
        return moment_utc.replace(tzinfo=UTC).astimezone(tz)

    def inside(moment_utc: datetime) -> bool:
        return start <= moment_utc.replace(tzinfo=UTC) < end

    now = now or datetime.now(UTC)
    played = [s for s in list_sessions(engine, now=now, since=start) if inside(s.started_utc)]
    # A pain stop is a safety event whatever the speed: a rehearsal stopped for pain is
    # reported (and marked), while rehearsals never count as sessions done.
    sessions = [s for s in played if not s.rehearsal]
    stops = [s for s in played if s.outcome == "pain_stop"]
    reported = [s for s in played if not s.rehearsal or s.outcome == "pain_stop"]
    diary = entries(engine, start, end)
    all_ratings = ratings(engine)
    rated = [r for r in all_ratings if inside(r.at_utc)]
    if not reported and not diary and not rated:
        raise EmptyPeriod(f"nothing was recorded from {first.isoformat()} to {last.isoformat()}")

    settings = latest_settings(engine) or DaySettings(zone=zone)
    moment = now.astimezone(tz)
    # Adherence is judged against today's plan (the course in force now).
    per_day = store_basis(engine, moment.date()).course
    # Slots count from the first day the person had a plan, and up to now: none
    # before they began, none later today (or tonight, after midnight) or in days to come.
    began = plan_began(engine, tz) or moment.date()
    now_local = moment.replace(tzinfo=None)
    planned: dict[date, int] = {}
    day = max(first, began)
    while day <= min(last, moment.date()):
        planned[day] = sum(1 for slot in plan_day(day, settings, per_day) if slot.at <= now_local)
        day += timedelta(days=1)
    # A slot's day can be the day before its session started (after midnight, before a
    # late bed time): a day's margin keeps those.
    filled = counted_slot_days(
        engine, slot_fitter(settings, per_day), since=start - timedelta(days=1)
    )
    done = [date.fromisoformat(d) for _, d in filled]

    pain: list[PainPoint] = [
        PainPoint(local(e.at_utc), e.pain, "diary") for e in diary if e.pain is not None
    ]
    for s in sessions:
        if s.pain_before is not None:
            pain.append(PainPoint(local(s.started_utc), s.pain_before, "before"))
        if s.pain_after is not None:
            ended = s.started_utc + timedelta(milliseconds=s.elapsed_ms)
            pain.append(PainPoint(local(ended), s.pain_after, "after"))
    pain.sort(key=lambda p: (p.at, p.source))
    # The trend reads how the back is day to day: diary scores and the score before a
    # session (the one after can be a passing effect of the stretching itself).
    trend = [(p.at, p.value) for p in pain if p.source != "after"]

    means = psfs_means((local(r.at_utc), r.value) for r in rated)
    latest: dict[int, int] = {}
    for r in all_ratings:
        if r.at_utc.replace(tzinfo=UTC) < end:  # as it stood at the end of the period
            latest[r.activity_id] = r.value
    screenings = [
        {"at": local(r.at_utc), **r.detail}
        for r in safety_records(engine)
        if r.kind == "screening" and inside(r.at_utc)
    ]
    return Overview(
        first=first,
        last=last,
        zone=zone,
        weeks=weekly_adherence(planned, done, first, last),
        pain=pain,
        pain_stops=sorted(local(s.started_utc) for s in stops),
        rehearsal_stops=sorted(local(s.started_utc) for s in stops if s.rehearsal),
        sessions=len(reported),
        completed=sum(1 for s in sessions if s.outcome == "completed"),
        pain_change=pain_change(trend),
        psfs=means,
        psfs_change=psfs_change(means),
        activities=[(a.name, latest.get(a.id)) for a in current_activities(engine)],
        notes=[(local(e.at_utc), e.note) for e in diary if e.note and e.share],
        screenings=sorted(screenings, key=lambda r: r["at"]),
    )


def plan_began(engine: Engine, tz: ZoneInfo) -> date | None:
    """The local day the person first had a plan: their first consent, day settings
    or session, whichever came first."""
    from sqlalchemy import func, select, union_all

    from easeback.store.schema import consents, day_settings, sessions

    earliest = union_all(
        select(func.min(consents.c.given_utc).label("at")),
        select(func.min(day_settings.c.at_utc).label("at")),
        select(func.min(sessions.c.started_utc).label("at")),
    ).subquery()
    with engine.connect() as connection:
        found = connection.execute(select(func.min(earliest.c.at))).scalar()
    if found is None:
        return None
    if isinstance(found, str):  # SQLite returns the stored text from an aggregate
        found = datetime.fromisoformat(found)
    return found.replace(tzinfo=UTC).astimezone(tz).date()
