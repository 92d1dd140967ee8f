"""Days, moments and lengths in words, one way for every page and the terminal's
sentences (tables and charts, short of room, use wording/labels.py's short form):
"Saturday 28 November" (the year only when it is not this year), "Saturday 28
November, 07:05", "about 4 minutes". Pure: today's date comes in as an argument.
Machine-read output (--json, form values, file names) keeps ISO dates."""

from __future__ import annotations

from datetime import date, datetime

MONTH_NAMES = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def date_words(day: date, today: date) -> str:
    """'Saturday 28 November', or 'Friday 28 November 2025' outside ``today``'s year."""
    words = f"{WEEKDAY_NAMES[day.weekday()]} {day.day} {MONTH_NAMES[day.month - 1]}"
    return words if day.year == today.year else f"{words} {day.year}"


def moment_words(moment: datetime, today: date) -> str:
    """'Saturday 28 November, 07:05': a local moment, its time on the 24-hour clock."""
    return f"{date_words(moment.date(), today)}, {moment:%H:%M}"


def length_words(ms: int) -> str:
    """How long a session takes, rounded to what a person plans with: 'about 4 minutes'
    ('under a minute' below 45 s)."""
    minutes = (ms + 30_000) // 60_000  # to the nearest minute, halves up
    if minutes < 1:
        return "under a minute"
    return "about 1 minute" if minutes == 1 else f"about {minutes} minutes"
