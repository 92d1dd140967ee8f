"""core/prescribed.py and the plan that follows it: the dates a prescription is in
force, its course and ladder (never past the ceiling; flat when progression is off),
and a flare-up through its days, with the morning answers that call for the safety
questions. Pure: no store, no clock."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest

from easeback.content.library import load_library
from easeback.content.prescription import Prescription
from easeback.core.plan import Course, DaySettings, plan_day
from easeback.core.prescribed import (
    alert_times,
    course_of,
    flare_state,
    in_force,
    ladders_of,
)
from easeback.core.progression import Outcome, Standing, advance, doses
from easeback.prescribing.bundle import full
from easeback.store.prescription_rows import Flare, Followed
from easeback.usecases.following import basis_on

MONDAY = date(2026, 3, 2)
NAMES = {s.id: s.name for s in load_library().stretches}


def plan(**changes: Any) -> dict[str, Any]:
    """A prescription with every dose stated, as stored."""
    data: dict[str, Any] = {
        "version": 1,
        "start": MONDAY,
        "stretches": [
            {"id": "knee-press", "hold_s": 20, "reps": 1, "ceiling": {"hold_s": 22, "reps": 2}},
            {"id": "lower-back-rotation", "hold_s": 15, "progression": False, "times_per_day": 3},
            {"id": "chair-twist", "hold_s": 8, "reps": 2},
        ],
        "flare_up": {
            "days": 3,
            "advice": "Gently.",
            "contact": "Ring us.",
            "stretches": [{"id": "knee-press", "hold_s": 15, "reps": 1}],
        },
    } | changes
    library = load_library()
    rx = Prescription.model_validate(data, context={"library": library})
    stated: dict[str, Any] = full(rx, library).model_dump(mode="json")
    return stated


def followed(stated: dict[str, Any], end: date | None = None) -> Followed:
    return Followed(
        id="rx-1",
        version=1,
        clinician={"name": "A", "role": "B", "organisation": "C", "contact": "D"},
        issued=datetime(2026, 3, 2, tzinfo=UTC),
        start=MONDAY,
        end=end,
        plan=stated,
        fingerprint="f",
    )


@pytest.mark.parametrize(
    ("day", "end", "expected"),
    [
        (MONDAY - timedelta(days=1), None, "not-yet"),
        (MONDAY, None, "active"),
        (MONDAY + timedelta(days=400), None, "active"),
        (MONDAY + timedelta(days=7), MONDAY + timedelta(days=7), "active"),
        (MONDAY + timedelta(days=8), MONDAY + timedelta(days=7), "expired"),
    ],
)
def test_a_prescription_is_in_force_from_its_start_to_its_end_inclusive(
    day: date, end: date | None, expected: str
) -> None:
    assert in_force(MONDAY, end, day) == expected


def test_the_course_puts_each_stretch_in_its_slots() -> None:
    course = course_of(plan())

    assert course.holding("morning") == ("knee-press", "lower-back-rotation")
    assert course.holding("daytime") == ("lower-back-rotation", "chair-twist")
    assert course.holding("evening") == ("knee-press", "lower-back-rotation")


def test_on_a_work_day_a_lying_stretch_in_the_day_waits_until_after_work() -> None:
    settings = DaySettings(zone="Europe/London")

    slots = {s.id: s for s in plan_day(MONDAY, settings, course_of(plan()))}

    assert slots["daytime"].where == "at home"
    assert slots["daytime"].at.hour == 17 and slots["daytime"].at.minute == 30


def test_a_slot_with_nothing_prescribed_is_left_out_of_the_day() -> None:
    only_morning = plan(stretches=[{"id": "pelvic-tilt", "hold_s": 7, "reps": 8}], flare_up=None)

    slots = plan_day(MONDAY, DaySettings(zone="Europe/London"), course_of(only_morning))

    assert [s.id for s in slots] == ["morning"]


def test_the_articles_course_is_the_plan_it_always_had() -> None:
    settings = DaySettings(zone="Europe/London")
    assert plan_day(MONDAY, settings, 3) == plan_day(MONDAY, settings, Course.article(3))


def test_progression_climbs_from_the_prescribed_dose_to_the_ceiling_and_no_further() -> None:
    ladder = ladders_of(plan(), NAMES)
    state: dict[str, Standing] = {}
    reached = []
    for n in range(30):
        outcome = Outcome(
            at=datetime(2026, 3, 2, tzinfo=UTC) + timedelta(hours=n),
            stretches=("knee-press", "lower-back-rotation"),
            completed=True,
        )
        state, _ = advance(state, outcome, ladder)
        dose = doses(state, ladder)["knee-press"]
        reached.append((dose.hold_s, dose.reps))

    assert reached[0] == (20, 1)
    assert max(reached) == (22, 2)
    assert reached[-1] == (22, 2)
    assert doses(state, ladder)["lower-back-rotation"].hold_s == 15  # progression off


def test_the_articles_top_is_the_ceiling_when_none_is_written() -> None:
    stated = plan(stretches=[{"id": "knee-press", "hold_s": 16}], flare_up=None)

    top = ladders_of(stated, NAMES)["knee-press"].steps[-1]

    assert (top.hold_s, top.reps) == (20, 1)


# --- a flare-up through its days -----------------------------------------------------


def test_a_flare_up_lasts_its_days_and_asks_from_the_second_morning() -> None:
    days = [flare_state(MONDAY, 3, (), MONDAY + timedelta(days=n)) for n in range(4)]

    assert [d.active for d in days] == [True, True, True, False]
    assert [d.check_due for d in days] == [False, True, True, False]
    assert days[0].last_day == MONDAY + timedelta(days=2)


def test_an_answered_morning_is_not_asked_again_and_ended_ends_it() -> None:
    tuesday = MONDAY + timedelta(days=1)

    answered = flare_state(MONDAY, 3, [morning(1, "same")], tuesday)
    ended = flare_state(MONDAY, 3, [morning(1, "ended")], tuesday)

    assert answered.check_due is False and answered.active is True
    assert ended.active is False and ended.ended_early is True


@pytest.mark.parametrize(
    ("answers", "alerts"),
    [
        (["worse", "same", "worse"], []),
        (["worse", "worse"], [2]),
        (["better", "worse", "worse", "worse"], [3, 4]),
        (["same", "warning"], [2]),
        (["better"], []),
    ],
    ids=["worse, not running", "worse twice running", "three worse", "a new symptom", "better"],
)
def test_worse_two_mornings_running_or_a_new_symptom_calls_for_the_questions(
    answers: list[str], alerts: list[int]
) -> None:
    checks = [morning(n + 1, a) for n, a in enumerate(answers)]

    found = alert_times(checks)

    assert found == [morning(n, "")[2] for n in alerts]
    assert flare_state(MONDAY, 14, checks, MONDAY + timedelta(days=6)).needs_safety is bool(alerts)


def test_answering_the_safety_questions_settles_an_alert() -> None:
    checks = [morning(1, "worse"), morning(2, "worse")]
    later = morning(2, "")[2] + timedelta(hours=1)

    state = flare_state(MONDAY, 5, checks, MONDAY + timedelta(days=3), screened_at=later)

    assert state.needs_safety is False


def morning(n: int, answer: str) -> tuple[date, str, datetime]:
    """The answer given at 07:30 UTC on the flare-up's day n + 1."""
    day = MONDAY + timedelta(days=n)
    return day, answer, datetime(day.year, day.month, day.day, 7, 30, tzinfo=UTC)


def test_during_a_flare_up_only_its_stretches_are_due_at_its_doses() -> None:
    stated = plan()
    flare = Flare("flare-1", MONDAY, 3, "rx-1", ())

    during = basis_on(
        MONDAY, followed=followed(stated), article_snapshot=None, rx_snapshot=None, flare=flare
    )
    after = basis_on(
        MONDAY + timedelta(days=3),
        followed=followed(stated),
        article_snapshot=None,
        rx_snapshot=None,
        flare=flare,
    )

    assert during.flaring and during.course.stretches == ("knee-press",)
    assert during.doses["knee-press"]["hold_s"] == 15
    assert not after.flaring
    assert after.course.stretches == ("knee-press", "lower-back-rotation", "chair-twist")


def test_an_ended_prescription_gives_the_articles_plan_and_says_so() -> None:
    stated = plan()

    basis = basis_on(
        MONDAY + timedelta(days=10),
        followed=followed(stated, end=MONDAY + timedelta(days=9)),
        article_snapshot=None,
        rx_snapshot=None,
        flare=None,
    )

    assert basis.followed is None and basis.ended is not None
    assert basis.course == Course.article(2)


def test_a_prescribed_daytime_stretch_moves_to_the_evening_on_a_long_work_day() -> None:
    stated = plan(
        stretches=[
            {"id": "lower-back-rotation", "hold_s": 10, "slots": ["daytime"]},
            {"id": "chair-twist", "hold_s": 8, "reps": 2},
        ],
        flare_up=None,
    )
    long_day = DaySettings(
        bed=time(23, 0), work_start=time(9, 0), work_end=time(22, 0), zone="Europe/London"
    )

    slots = {s.id: s.stretches for s in plan_day(MONDAY, long_day, course_of(stated))}

    assert slots == {"daytime": ("chair-twist",), "evening": ("lower-back-rotation",)}


@pytest.mark.parametrize("rotation", [2, 3])
def test_the_articles_course_is_the_prescription_rule_at_the_articles_times(
    rotation: int,
) -> None:
    """core/plan.py holds the article's course without the library (``today`` starts
    without loading it): it must be what the prescription's rule gives at the article's
    times a day, and its stretches done sitting the library's."""
    from easeback.content.prescription import default_slots

    library = load_library()
    article = Course.article(rotation)
    times = {s.id: s.times_per_day.min for s in library.stretches} | {
        "lower-back-rotation": rotation
    }

    assert dict(article.slots) == {s.id: default_slots(s, times[s.id]) for s in library.stretches}
    assert article.seated == {s.id for s in library.stretches if s.posture == "seated"}


def test_a_flare_up_on_the_articles_plan_goes_back_to_its_start_rotation_included() -> None:
    progressed = {
        "knee-press": {"hold_s": 20, "reps": 1, "times_per_day": 2, "level": 5, "streak": 0},
        "lower-back-rotation": {
            "hold_s": 10,
            "reps": 1,
            "times_per_day": 3,
            "level": 1,
            "streak": 0,
        },
        "pelvic-tilt": {"hold_s": 7, "reps": 9, "times_per_day": 1, "level": 4, "streak": 0},
        "chair-twist": {"hold_s": 10, "reps": 3, "times_per_day": 1, "level": 4, "streak": 0},
    }
    flare = Flare("flare-1", MONDAY, 3, None, ())

    basis = basis_on(
        MONDAY, followed=None, article_snapshot=progressed, rx_snapshot=None, flare=flare
    )

    assert basis.course == Course.article(2)
    assert basis.doses["knee-press"]["hold_s"] == 15
    assert basis.doses["pelvic-tilt"]["reps"] == 5
