"""Days, moments and session lengths in words, one way on every page and in the
terminal: the weekday and month in full, the year only when it is not this year."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from easeback.wording.days import date_words, length_words, moment_words

SATURDAY = date(2026, 11, 28)

DATES = {
    "this year: no year": (SATURDAY, SATURDAY, "Saturday 28 November"),
    "earlier this year": (date(2026, 1, 1), SATURDAY, "Thursday 1 January"),
    "last year: with its year": (date(2025, 11, 28), SATURDAY, "Friday 28 November 2025"),
    "next year: with its year": (date(2027, 1, 4), SATURDAY, "Monday 4 January 2027"),
    "a leap day": (date(2028, 2, 29), date(2028, 3, 1), "Tuesday 29 February"),
}


@pytest.mark.parametrize(("day", "today", "expected"), DATES.values(), ids=DATES)
def test_a_date_in_words(day: date, today: date, expected: str) -> None:
    assert date_words(day, today) == expected


def test_a_moment_in_words_on_the_24_hour_clock() -> None:
    assert moment_words(datetime(2026, 3, 2, 19, 5), SATURDAY) == "Monday 2 March, 19:05"
    assert moment_words(datetime(2025, 12, 31, 7, 0), SATURDAY) == (
        "Wednesday 31 December 2025, 07:00"
    )


LENGTHS = {
    "a few seconds": (27_000, "under a minute"),
    "just under a minute rounds up": (50_000, "about 1 minute"),
    "a minute and a half": (89_000, "about 1 minute"),
    "four minutes and a bit": (255_000, "about 4 minutes"),
    "rounds to the nearest minute": (270_000, "about 5 minutes"),
}


@pytest.mark.parametrize(("ms", "expected"), LENGTHS.values(), ids=LENGTHS)
def test_a_session_length_in_words(ms: int, expected: str) -> None:
    assert length_words(ms) == expected
