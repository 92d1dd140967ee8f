"""Words for the plan's days and times, as the routine sheet, the report and the FHIR
export say them."""

from __future__ import annotations

import pytest

from easeback.wording.labels import days_text, timing_text

DAYS = {
    "every day": ({0, 1, 2, 3, 4, 5, 6}, "Every day"),
    "the working week": ({0, 1, 2, 3, 4}, "Mon-Fri"),
    "the weekend": ({5, 6}, "Sat-Sun"),
    "days apart": ({0, 2, 4}, "Mon, Wed, Fri"),
    "a run and a day": ({1, 2, 3, 5}, "Tue-Thu, Sat"),
    "one day": ({6}, "Sun"),
    "Sunday and Monday, not a run across the week's end": ({6, 0}, "Mon, Sun"),
}


@pytest.mark.parametrize(("days", "expected"), DAYS.values(), ids=DAYS)
def test_days_in_words(days: set[int], expected: str) -> None:
    assert days_text(days) == expected


TIMINGS = {
    "one time": ({0, 1, 2, 3, 4}, [("12:45", "at work")], "Mon-Fri 12:45 (at work)"),
    "two times in one place": (
        set(range(7)),
        [("07:05", "lying down"), ("22:10", "lying down")],
        "Every day 07:05 and 22:10 (lying down)",
    ),
    "times in different places": (
        {0, 1, 2, 3, 4},
        [("07:05", "lying down"), ("17:30", "at home"), ("22:10", "lying down")],
        "Mon-Fri 07:05 (lying down), 17:30 (at home) and 22:10 (lying down)",
    ),
    "after midnight, in the order of the day": (
        set(range(7)),
        [("07:05", "lying down"), ("00:10", "lying down")],
        "Every day 07:05 and 00:10 (lying down)",
    ),
}


@pytest.mark.parametrize(("days", "times", "expected"), TIMINGS.values(), ids=TIMINGS)
def test_timing_in_words(days: set[int], times: list[tuple[str, str]], expected: str) -> None:
    assert timing_text(days, times) == expected
