"""The red-flag rules: which answer stops the routine, how urgently, and when the
questions come again. Pure functions on plain values; time is passed in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from easeback.core.screening import (
    GROUPS,
    QUESTION_IDS,
    QUESTIONS,
    AnswersError,
    Screening,
    assess,
    clearance_effect,
    followup_kind,
    gate,
    repeated_pain,
    worsened,
)
from easeback.wording import messages

DAY0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
NO = {q: False for q in QUESTION_IDS}

# safety.md's three groups, by question id
EXPECTED_GROUP = {
    "saddle-numbness": "emergency",
    "bladder-bowel": "emergency",
    "both-legs": "emergency",
    "sexual-function": "emergency",
    "chest-pain": "emergency",
    "injury": "emergency",
    "fever": "urgent",
    "weight-loss": "urgent",
    "lump": "urgent",
    "night-pain": "urgent",
    "between-shoulders": "urgent",
    "cancer": "clinician",
    "age": "clinician",
    "bones-steroids": "clinician",
    "immune-infection": "clinician",
    "no-improvement": "clinician",
}


def yes(*ids: str) -> dict[str, bool]:
    return {**NO, **dict.fromkeys(ids, True)}


def test_every_question_has_its_group_and_our_wording() -> None:
    assert {q.id: q.group for q in QUESTIONS} == EXPECTED_GROUP
    assert set(messages.QUESTION_TEXT) == set(QUESTION_IDS)
    assert all(text.endswith("?") for text in messages.QUESTION_TEXT.values())


@pytest.mark.parametrize(("question", "group"), sorted(EXPECTED_GROUP.items()))
def test_a_single_yes_gives_its_group_and_blocks(question: str, group: str) -> None:
    result = assess(yes(question))

    assert result.group == group
    assert result.blocks
    assert result.yes == (question,)


def test_all_no_passes() -> None:
    result = assess(NO)

    assert result.group is None
    assert not result.blocks


@pytest.mark.parametrize(
    ("answered_yes", "group"),
    [
        (("cancer", "fever"), "urgent"),
        (("cancer", "chest-pain"), "emergency"),
        (("fever", "injury"), "emergency"),
        (("age", "no-improvement"), "clinician"),
        (("lump", "night-pain", "cancer", "bladder-bowel"), "emergency"),
        (tuple(QUESTION_IDS), "emergency"),
    ],
)
def test_combinations_take_the_most_urgent_group(answered_yes: tuple[str, ...], group: str) -> None:
    assert assess(yes(*answered_yes)).group == group


def test_groups_run_from_most_to_least_urgent() -> None:
    assert GROUPS == ("emergency", "urgent", "clinician")


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ({}, "no answer for: " + ", ".join(QUESTION_IDS)),
        ({k: v for k, v in NO.items() if k != "fever"}, "no answer for: fever"),
        ({**NO, "headache": False}, "unknown question ids: headache"),
        ({**NO, "fever": "no"}, 'fever must be true or false (got "no")'),
        ({**NO, "fever": 0}, "fever must be true or false (got 0)"),
        (
            {**NO, "fever": None, "lump": "y"},
            'fever must be true or false (got null); lump must be true or false (got "y")',
        ),
    ],
)
def test_partial_or_odd_answers_are_refused(answers: dict[str, object], message: str) -> None:
    with pytest.raises(AnswersError) as caught:
        assess(answers)

    assert str(caught.value) == message


# --- when the questions come (again) -------------------------------------------------


def state(
    now: datetime,
    *,
    consent: datetime | None = DAY0,
    last: Screening | None = None,
    cleared: datetime | None = None,
    stops: tuple[datetime, ...] = (),
) -> tuple[str, str | None]:
    result = gate(now=now, consent_at=consent, last=last, cleared_at=cleared, pain_stops=stops)
    return result.kind, result.reason


CLEAN = Screening(DAY0, None)


def test_first_use_asks_for_the_clinician_check_then_the_questions() -> None:
    assert state(DAY0, consent=None) == ("due", "consent")
    assert state(DAY0, last=None) == ("due", "first")


@pytest.mark.parametrize(
    ("days", "expected"),
    [(0, ("ok", None)), (29, ("ok", None)), (30, ("due", "30-days")), (45, ("due", "30-days"))],
)
def test_the_questions_come_again_after_30_days(
    days: int, expected: tuple[str, str | None]
) -> None:
    assert state(DAY0 + timedelta(days=days), last=CLEAN) == expected


def test_day_29_and_23_hours_still_passes() -> None:
    assert state(DAY0 + timedelta(days=30) - timedelta(seconds=1), last=CLEAN) == ("ok", None)


def test_a_pain_stop_after_the_screening_asks_again() -> None:
    stop = DAY0 + timedelta(days=2)

    assert state(DAY0 + timedelta(days=3), last=CLEAN, stops=(stop,)) == ("due", "pain")


def test_a_pain_stop_before_the_last_screening_is_already_answered() -> None:
    stop = DAY0 - timedelta(days=1)

    assert state(DAY0 + timedelta(days=3), last=CLEAN, stops=(stop,)) == ("ok", None)


@pytest.mark.parametrize("group", ["emergency", "urgent"])
def test_emergency_and_same_day_results_block_until_a_new_screening(group: str) -> None:
    last = Screening(DAY0, group)  # type: ignore[arg-type]

    assert state(DAY0 + timedelta(hours=1), last=last) == ("blocked", group)
    assert state(DAY0 + timedelta(days=10), last=last) == ("blocked", group)
    assert state(DAY0 + timedelta(days=10), last=Screening(DAY0 + timedelta(days=9), None)) == (
        "ok",
        None,
    )


@pytest.mark.parametrize("group", ["emergency", "urgent"])
def test_a_clearance_cannot_lift_an_emergency_or_same_day_result(group: str) -> None:
    last = Screening(DAY0, group)  # type: ignore[arg-type]
    cleared = DAY0 + timedelta(hours=2)

    assert clearance_effect(last, [], None) == "cannot"
    assert state(DAY0 + timedelta(hours=3), last=last, cleared=cleared) == ("blocked", group)


def test_a_clinician_result_is_lifted_by_a_clearance_recorded_after_it() -> None:
    last = Screening(DAY0, "clinician")
    later = DAY0 + timedelta(days=1)

    assert clearance_effect(last, [], None) == "lifts"
    assert state(later, last=last) == ("blocked", "clinician")
    assert state(later, last=last, cleared=DAY0 + timedelta(hours=5)) == ("ok", None)


def test_a_clearance_from_before_the_result_does_not_lift_it() -> None:
    last = Screening(DAY0, "clinician")

    assert state(DAY0 + timedelta(days=1), last=last, cleared=DAY0 - timedelta(days=3)) == (
        "blocked",
        "clinician",
    )


def test_nothing_to_lift_without_a_clinician_result() -> None:
    assert clearance_effect(None, [], None) == "nothing"
    assert clearance_effect(CLEAN, [DAY0], None) == "nothing"


@pytest.mark.parametrize(
    ("pain_days", "cleared_day", "effect"),
    [
        ((1, 3), None, "lifts"),  # questions answered since or not: the go-ahead counts
        ((1, 9), None, "nothing"),  # 8 days apart: not twice in 7 days
        ((1, 3), 4, "nothing"),  # already lifted
        ((1, 3, 5, 6), 4, "lifts"),  # twice again after the last go-ahead
    ],
)
def test_a_clearance_lifts_the_wait_after_pain_twice_in_7_days(
    pain_days: tuple[int, ...], cleared_day: int | None, effect: str
) -> None:
    pains = [DAY0 + timedelta(days=d) for d in pain_days]
    cleared = DAY0 + timedelta(days=cleared_day) if cleared_day is not None else None

    assert clearance_effect(CLEAN, pains, cleared) == effect


# --- pain twice within 7 days: one rule for every screen ------------------------------


@pytest.mark.parametrize(
    ("pain_days", "cleared_day", "now_day", "expected"),
    [
        # Two within 7 days, clean answers after them: the routine waits.
        ((1, 3), None, 4, ("blocked", "repeated-pain")),
        ((1, 7.9), None, 8, ("blocked", "repeated-pain")),
        # 7 days or more apart: a pain stop each time, answered, nothing more.
        ((1, 8), None, 9, ("ok", None)),
        # A clinician's go-ahead after the second lifts it...
        ((1, 3), 3.5, 4, ("ok", None)),
        # A go-ahead between the two: the clinician has seen the first; the second
        # alone is not twice (it brings the questions back, as any pain stop does).
        ((1, 3), 2, 4, ("ok", None)),
        # After a go-ahead, a third alone is not "twice"; a fourth close to it is.
        ((1, 3, 5), 3.5, 6, ("ok", None)),
        ((1, 3, 5, 6), 3.5, 6.5, ("blocked", "repeated-pain")),
        # The wait lapses 30 days after the later one (the questions are due then too).
        ((1, 3), None, 32.9, ("blocked", "repeated-pain")),
    ],
)
def test_pain_twice_within_7_days_waits_for_a_clinicians_go_ahead(
    pain_days: tuple[float, ...],
    cleared_day: float | None,
    now_day: float,
    expected: tuple[str, str | None],
) -> None:
    def day(n: float) -> datetime:
        return DAY0 + timedelta(days=n)

    last = Screening(day(max(pain_days)) + timedelta(hours=1), None)  # clean, after the pain

    assert (
        state(
            day(now_day),
            last=last,
            cleared=day(cleared_day) if cleared_day is not None else None,
            stops=tuple(day(d) for d in pain_days),
        )
        == expected
    )


def test_the_wait_after_repeated_pain_lapses_when_the_questions_come_back() -> None:
    stops = (DAY0 + timedelta(days=1), DAY0 + timedelta(days=3))
    answered = Screening(DAY0 + timedelta(days=34), None)

    assert state(DAY0 + timedelta(days=34, hours=1), last=answered, stops=stops) == ("ok", None)


@pytest.mark.parametrize(("now_day", "expected"), [(25, "blocked"), (31, "due"), (40, "due")])
def test_once_the_wait_lapses_the_questions_are_due_before_the_routine_goes_on(
    now_day: int, expected: str
) -> None:
    stops = (DAY0, DAY0 + timedelta(days=1))
    answered_on_day_20 = Screening(DAY0 + timedelta(days=20), None)

    kind, _ = state(DAY0 + timedelta(days=now_day), last=answered_on_day_20, stops=stops)

    assert kind == expected


def test_warning_signs_come_before_the_wait_after_repeated_pain() -> None:
    stops = (DAY0 - timedelta(days=3), DAY0 - timedelta(days=1))

    assert state(DAY0, last=Screening(DAY0, "urgent"), stops=stops) == ("blocked", "urgent")


@pytest.mark.parametrize("group", [None, "emergency", "urgent", "clinician"])
def test_answers_stamped_in_the_future_are_asked_again(group: str | None) -> None:
    last = Screening(DAY0 + timedelta(days=1), group)  # type: ignore[arg-type]

    assert state(DAY0, last=last) == ("due", "clock")


def test_a_few_minutes_of_clock_difference_are_tolerated() -> None:
    assert state(DAY0, last=Screening(DAY0 + timedelta(minutes=4), None)) == ("ok", None)


@pytest.mark.parametrize(
    ("outcome", "before", "after", "kind"),
    [
        ("pain_stop", None, None, "pain_stop"),
        ("pain_stop", 2, 6, "pain_stop"),
        ("completed", 2, 6, "worsening"),
        ("quit", 3, 5, "worsening"),
        ("completed", 3, 4, None),
        ("completed", None, 9, None),
        (None, None, None, None),
    ],
)
def test_a_pain_stop_wins_over_a_rise_in_pain(
    outcome: str | None, before: int | None, after: int | None, kind: str | None
) -> None:
    assert followup_kind(outcome, before, after) == kind


# --- pain stops and worsening ----------------------------------------------------------


@pytest.mark.parametrize(
    ("stops_days_ago", "repeated"),
    [
        ((), False),
        ((1,), False),
        ((0, 6), True),
        ((0.5, 6.9), True),
        ((0, 7), False),
        ((8, 9), False),
        ((1, 3, 20), True),
    ],
)
def test_two_pain_stops_within_7_days_call_for_a_clinician(
    stops_days_ago: tuple[float, ...], repeated: bool
) -> None:
    now = DAY0 + timedelta(days=30)
    stops = [now - timedelta(days=d) for d in stops_days_ago]

    assert repeated_pain(stops, now) is repeated


@pytest.mark.parametrize(
    ("before", "after", "worse"),
    [
        (3, 5, True),
        (3, 4, False),
        (0, 10, True),
        (5, 3, False),
        (None, 8, False),
        (2, None, False),
        (7, 9, True),
    ],
)
def test_a_rise_of_2_or_more_points_is_a_meaningful_worsening(
    before: int | None, after: int | None, worse: bool
) -> None:
    assert worsened(before, after) is worse
