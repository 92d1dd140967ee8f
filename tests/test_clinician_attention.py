"""Who needs attention, decided when the list is read (clinician/attention.py): each
rule at its edges, as a table of summary rows and moments."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from easeback.clinician.attention import list_row, sort_rows

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)  # a Thursday
JOINED = datetime(2026, 9, 1)  # naive UTC, as stored


def kept(**changes: Any) -> dict[str, Any]:
    """A summary row of someone who played an hour ago and needs nothing."""
    return {
        "zone": "UTC",
        "week_start": "2026-11-23",
        "week_done": 5,
        "week_planned": 21,
        "pain_start": 6,
        "pain_now": 4,
        "pain_rising": False,
        "last_session_utc": (NOW - timedelta(hours=1)).replace(tzinfo=None),
        "last_pain_stop_utc": None,
        "warning": None,
        "flare_until": None,
    } | changes


def naive(moment: datetime) -> datetime:
    return moment.replace(tzinfo=None)


@pytest.mark.parametrize(
    ("changes", "reasons"),
    [
        ({}, ()),
        (
            {"last_pain_stop_utc": naive(NOW - timedelta(days=7))},
            ("Stopped for pain on Thu 19 Nov",),
        ),
        ({"last_pain_stop_utc": naive(NOW - timedelta(days=7, minutes=1))}, ()),
        (
            {"pain_rising": True},
            ("Pain rising: a meaningful worsening over the last 4 weeks",),
        ),
        (
            {"warning": "emergency"},
            ("Warning sign in the safety questions (advised: emergency care)",),
        ),
        (
            {"warning": "clinician"},
            ("Warning sign in the safety questions (advised: a clinician's go-ahead)",),
        ),
        ({"flare_until": "2026-11-26"}, ("Flare-up, until Thu 26 Nov",)),
        ({"flare_until": "2026-11-25"}, ()),
        ({"last_session_utc": naive(NOW - timedelta(days=7))}, ("No session for 7 days",)),
        ({"last_session_utc": naive(NOW - timedelta(days=6, hours=23))}, ()),
        ({"last_session_utc": None}, ("No session yet for 86 days",)),
    ],
)
def test_each_reason_at_its_edge(changes: dict[str, Any], reasons: tuple[str, ...]) -> None:
    row = list_row("p", "Sam", JOINED, kept(**changes), NOW)

    assert row.reasons == reasons
    assert row.attention is bool(reasons)


def test_a_row_kept_last_week_counts_nothing_done_this_week() -> None:
    row = list_row("p", "Sam", JOINED, kept(week_start="2026-11-16"), NOW)

    assert (row.week_done, row.week_planned) == (0, 21)


def test_the_week_and_the_day_are_the_patients_own() -> None:
    # Sunday 23:30 in UTC is already Monday in Auckland: a new week there.
    sunday_night = datetime(2026, 11, 29, 23, 30, tzinfo=UTC)
    row = list_row("p", "Kim", JOINED, kept(zone="Pacific/Auckland"), sunday_night)

    assert row.week_done == 0


def test_nothing_kept_yet_shows_no_figures() -> None:
    row = list_row("p", "New", naive(NOW - timedelta(days=1)), None, NOW)

    assert row.reasons == ()
    assert (row.pain_now, row.pain_change, row.last_stop_day) == (None, None, None)


def test_patients_without_a_value_go_last_whichever_way_a_column_sorts() -> None:
    rows = [
        list_row("a", "Amy", JOINED, kept(pain_now=3), NOW),
        list_row("b", "Bob", JOINED, kept(pain_now=None), NOW),
        list_row("c", "Cat", JOINED, kept(pain_now=7), NOW),
    ]

    assert [r.name for r in sort_rows(rows, "pain")] == ["Amy", "Cat", "Bob"]
    assert [r.name for r in sort_rows(rows, "-pain")] == ["Cat", "Amy", "Bob"]
