"""Insight: adherence per week and whether pain or the PSFS changed enough to matter
(2 points or 30% for pain, 2 points for the PSFS mean; safety.md)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from easeback.core.insight import (
    Week,
    pain_change,
    psfs_change,
    psfs_means,
    weekly_adherence,
)

MONDAY = date(2026, 11, 2)


def at(day: int, hour: int = 8) -> datetime:
    return datetime(2026, 11, 2, hour, tzinfo=UTC) + timedelta(days=day)


def test_adherence_counts_slots_done_against_slots_planned_per_week() -> None:
    planned = {MONDAY + timedelta(days=i): 3 for i in range(14)}
    done = [MONDAY] * 3 + [MONDAY + timedelta(days=1)] * 2 + [MONDAY + timedelta(days=9)]

    weeks = weekly_adherence(planned, done, MONDAY, MONDAY + timedelta(days=13))

    assert weeks == [Week(MONDAY, 21, 5), Week(MONDAY + timedelta(days=7), 21, 1)]
    assert weeks[0].share == pytest.approx(5 / 21)


def test_a_slot_done_twice_counts_once_and_a_period_can_start_mid_week() -> None:
    wednesday = MONDAY + timedelta(days=2)
    planned = {wednesday + timedelta(days=i): 2 for i in range(3)}

    weeks = weekly_adherence(planned, [wednesday] * 5, wednesday, wednesday + timedelta(days=2))

    assert weeks == [Week(MONDAY, 6, 2)]


@pytest.mark.parametrize(
    ("first_week", "last_week", "verdict"),
    [
        ([6, 6, 6], [4, 4, 4], "meaningful improvement"),  # 2 points
        ([5, 5], [3.5, 3.5], "meaningful improvement"),  # 1.5 points but 30%
        ([3, 3], [2, 2], "meaningful improvement"),  # 1 point = 33%
        ([6, 6], [5, 5], "no clear change yet"),  # 1 point, 17%
        ([7, 7], [6, 5], "no clear change yet"),  # 1.5 points, 21%
        ([3, 3], [5, 5], "meaningful worsening"),
        ([3, 3], [4, 4], "no clear change yet"),
        ([0, 0], [0, 0], "no clear change yet"),
        ([8.2] * 10, [6.2] * 10, "meaningful improvement"),  # exactly 2, not 1.99999
        ([3.5] * 4, [2.45] * 4, "meaningful improvement"),  # exactly 30%
        ([6.3] * 4, [4.41] * 4, "meaningful improvement"),  # exactly 30%
        ([6.2] * 4, [8.2] * 4, "meaningful worsening"),  # exactly 2 up
    ],
)
def test_pain_change_is_judged_against_two_points_or_thirty_percent(
    first_week: list[float], last_week: list[float], verdict: str
) -> None:
    scores = [(at(i % 7), v) for i, v in enumerate(first_week)]
    scores += [(at(21 + i % 7), v) for i, v in enumerate(last_week)]

    change = pain_change(scores)  # type: ignore[arg-type]

    assert change.verdict == verdict
    assert change.baseline == pytest.approx(sum(first_week) / len(first_week))
    assert change.recent == pytest.approx(sum(last_week) / len(last_week))


@pytest.mark.parametrize("span_days", [3, 8, 13])
def test_pain_over_less_than_two_weeks_is_not_enough_to_judge(span_days: int) -> None:
    """The first and the last week must not overlap."""
    change = pain_change([(at(0), 8), (at(span_days // 2), 5), (at(span_days), 3)])

    assert change.verdict == "not enough entries yet"
    assert change.recent is None


def test_no_pain_scores_at_all_is_not_enough() -> None:
    assert pain_change([]).verdict == "not enough entries yet"


@pytest.mark.parametrize(
    ("means", "verdict"),
    [
        ([3.0, 5.0], "meaningful improvement"),
        ([3.0, 4.9], "no clear change yet"),
        ([6.0, 4.0], "meaningful worsening"),
        ([4.0, 8.0, 5.0], "no clear change yet"),  # the latest counts, not the best
        ([0.8, 2.8], "meaningful improvement"),  # exactly 2 (five activities: 4/5 -> 14/5)
        ([4.0], "not enough entries yet"),
        ([], "not enough entries yet"),
    ],
)
def test_psfs_change_is_judged_against_two_points_of_the_mean(
    means: list[float], verdict: str
) -> None:
    assert psfs_change([(at(7 * i), m) for i, m in enumerate(means)]).verdict == verdict


def test_psfs_mean_is_one_per_rating_occasion() -> None:
    ratings = [(at(0), 2), (at(0), 4), (at(0), 6), (at(7), 5), (at(7), 6), (at(7), 7)]

    assert psfs_means(ratings) == [(at(0), 4.0), (at(7), 6.0)]
