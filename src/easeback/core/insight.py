"""Is it helping? Adherence per week, the pain trend and the PSFS, each change
judged against the smallest change that matters (safety.md).

Pain (NPRS 0-10): a fall of 2 points or 30% is a meaningful improvement (Ostelo
2008); a rise of 2 a meaningful worsening. PSFS mean: 2 points either way. Anything
smaller is "no clear change yet", never called progress. Pure: values in, values out.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from statistics import fmean
from typing import Literal

PAIN_POINTS = 2.0
PAIN_SHARE = 0.30
PSFS_POINTS = 2.0
WINDOW = timedelta(days=7)  # baseline = the first week of the period, recent = the last

Verdict = Literal[
    "meaningful improvement",
    "meaningful worsening",
    "no clear change yet",
    "not enough entries yet",
]
NOT_ENOUGH: Verdict = "not enough entries yet"


@dataclass(frozen=True)
class Week:
    """Sessions done against the plan's slots in one week (Monday first)."""

    start: date
    planned: int
    done: int

    @property
    def share(self) -> float:
        return self.done / self.planned if self.planned else 0.0


def weekly_adherence(
    planned: dict[date, int], done: Iterable[date], first: date, last: date
) -> list[Week]:
    """Weeks from ``first`` to ``last`` (inclusive days); ``planned`` gives the slots
    planned each day, ``done`` one date per slot done (a slot counts once)."""
    done_by_day: dict[date, int] = {}
    for day in done:
        if first <= day <= last:
            done_by_day[day] = done_by_day.get(day, 0) + 1
    weeks: list[Week] = []
    start = first - timedelta(days=first.weekday())
    while start <= last:
        days = [start + timedelta(days=i) for i in range(7)]
        days = [d for d in days if first <= d <= last]
        weeks.append(
            Week(
                start=start,
                planned=sum(planned.get(d, 0) for d in days),
                done=sum(min(done_by_day.get(d, 0), planned.get(d, 0)) for d in days),
            )
        )
        start += timedelta(days=7)
    return weeks


@dataclass(frozen=True)
class Change:
    """A measure at the start and at the end of a period, and what the move means."""

    baseline: float | None
    recent: float | None
    verdict: Verdict

    @property
    def delta(self) -> float | None:
        if self.baseline is None or self.recent is None:
            return None
        return round(self.recent - self.baseline, 2)


def pain_change(scores: Sequence[tuple[datetime, int]]) -> Change:
    """Mean pain of the first week of scores against the last week's (lower is
    better); needs two weeks that do not overlap. Means are compared in exact
    hundredths, so 8.2 -> 6.2 is the 2 points it looks like."""
    baseline, recent = _ends(scores)
    if baseline is None or recent is None:
        return Change(baseline, recent, NOT_ENOUGH)
    fall = _hundredths(baseline) - _hundredths(recent)
    if fall >= 100 * PAIN_POINTS or (fall > 0 and 100 * fall >= 30 * _hundredths(baseline)):
        return Change(baseline, recent, "meaningful improvement")
    if -fall >= 100 * PAIN_POINTS:
        return Change(baseline, recent, "meaningful worsening")
    return Change(baseline, recent, "no clear change yet")


def psfs_change(means: Sequence[tuple[datetime, float]]) -> Change:
    """The first PSFS mean against the latest one (higher is better)."""
    if len(means) < 2:
        only = means[0][1] if means else None
        return Change(only, None, NOT_ENOUGH)
    baseline, recent = means[0][1], means[-1][1]
    rise = _hundredths(recent) - _hundredths(baseline)
    if rise >= 100 * PSFS_POINTS:
        return Change(baseline, recent, "meaningful improvement")
    if -rise >= 100 * PSFS_POINTS:
        return Change(baseline, recent, "meaningful worsening")
    return Change(baseline, recent, "no clear change yet")


def _hundredths(value: float) -> int:
    return round(value * 100)


def psfs_means(ratings: Iterable[tuple[datetime, int]]) -> list[tuple[datetime, float]]:
    """One mean per rating occasion (ratings given at the same moment), oldest first."""
    occasions: dict[datetime, list[int]] = {}
    for at, value in ratings:
        occasions.setdefault(at, []).append(value)
    return [(at, round(fmean(values), 2)) for at, values in sorted(occasions.items())]


def _ends(scores: Sequence[tuple[datetime, int]]) -> tuple[float | None, float | None]:
    if not scores:
        return None, None
    ordered = sorted(scores)
    first, last = ordered[0][0], ordered[-1][0]
    if last - first < 2 * WINDOW:  # the first and last weeks would overlap
        return round(fmean(v for _, v in ordered), 2), None
    baseline = fmean(v for at, v in ordered if at < first + WINDOW)
    recent = fmean(v for at, v in ordered if at > last - WINDOW)
    return round(baseline, 2), round(recent, 2)
