"""The week so far, from facts: sessions finished from Monday to today and the days
they fell on. No streak: a week with none yet is simply zero."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from easeback.core.encouragement import WeekSoFar, week_so_far, week_start
from easeback.usecases.today import week_view
from easeback.wording import messages

WEDNESDAY = date(2026, 3, 4)
MONDAY, TUESDAY, SUNDAY_BEFORE = date(2026, 3, 2), date(2026, 3, 3), date(2026, 3, 1)

WEEKS = {
    "nothing yet": ([], WeekSoFar(0, 0)),
    "last week does not count": ([SUNDAY_BEFORE, SUNDAY_BEFORE], WeekSoFar(0, 0)),
    "one today": ([WEDNESDAY], WeekSoFar(1, 1)),
    "three on two days": ([MONDAY, MONDAY, WEDNESDAY], WeekSoFar(3, 2)),
    "Monday counts, the Sunday before not": ([SUNDAY_BEFORE, MONDAY], WeekSoFar(1, 1)),
    "a day after today is not counted": ([TUESDAY, WEDNESDAY + timedelta(days=1)], WeekSoFar(1, 1)),
}


@pytest.mark.parametrize(("days", "expected"), WEEKS.values(), ids=WEEKS)
def test_the_week_so_far(days: list[date], expected: WeekSoFar) -> None:
    assert week_so_far(days, WEDNESDAY) == expected


@pytest.mark.parametrize("offset", range(7))
def test_the_week_starts_on_monday(offset: int) -> None:
    assert week_start(MONDAY + timedelta(days=offset)) == MONDAY


LINES = {
    "none: nothing said": (WeekSoFar(0, 0), None),
    "the first: a good start": (WeekSoFar(1, 1), messages.WEEK_FIRST),
    "one a day": (WeekSoFar(3, 3), "3 sessions this week so far."),
    "some days twice": (WeekSoFar(4, 2), "4 sessions on 2 days this week so far."),
    "all on one day": (WeekSoFar(3, 1), "3 sessions on 1 day this week so far."),
}


@pytest.mark.parametrize(("week", "words"), LINES.values(), ids=LINES)
def test_the_line_on_today_says_facts_and_nothing_when_there_are_none(
    week: WeekSoFar, words: str | None
) -> None:
    assert week_view(week) == {"sessions": week.sessions, "days": week.days, "words": words}
