"""This week so far, from facts: how many sessions were finished and on how many
days. It feeds a gentle line on Today ("3 sessions this week so far"); there is no
streak to keep or lose, and a week with none yet says nothing at all."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True)
class WeekSoFar:
    """Sessions finished from this week's Monday to today, and the days they fell on."""

    sessions: int
    days: int


def week_start(today: date) -> date:
    """The Monday of ``today``'s week (weeks run Monday to Sunday, as in ISO 8601)."""
    return today - timedelta(days=today.weekday())


def week_so_far(finished_on: Iterable[date], today: date) -> WeekSoFar:
    """Count the sessions finished on each of ``finished_on`` (local days, one per
    session) that fall in ``today``'s week up to today; later days are not counted."""
    first = week_start(today)
    inside = [day for day in finished_on if first <= day <= today]
    return WeekSoFar(sessions=len(inside), days=len(set(inside)))
