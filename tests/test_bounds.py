"""The one table of doses: each stretch's article ranges, and the clinical bounds a
clinician's prescription stays inside (stretches.toml)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from pydantic import ValidationError

from easeback.content.library import load_library, parse_routine
from easeback.content.models import DOSE_FIELDS, DoseField
from easeback.content.prescription import Prescription, default_slots
from easeback.content.toml_problems import problems_of
from easeback.core.errors import RoutineError
from easeback.core.progression import ladder_for

LIBRARY = load_library()
START = date(2026, 12, 1)
IDS = LIBRARY.ids
# The stretches that are a static hold (the pelvic tilt is a movement with short holds).
STATIC_HOLDS = ["knee-press", "lower-back-rotation", "chair-twist"]
WHAT = {"hold_s": "hold", "reps": "repetitions", "times_per_day": "times a day"}
UNIT = {"hold_s": " s", "reps": "", "times_per_day": ""}

CELLS = [(sid, name) for sid in IDS for name in DOSE_FIELDS]
CELL_IDS = [f"{sid}-{name}" for sid, name in CELLS]


def prescribe(stretch_id: str, name: DoseField, value: int) -> Prescription:
    """A prescription of one stretch at the article's start, with one part set to value."""
    stretch = LIBRARY.stretch(stretch_id)
    dose: dict[str, Any] = {"id": stretch_id, "hold_s": stretch.hold_s.min, name: value}
    data = {"version": 1, "start": START, "stretches": [dose]}
    return Prescription.model_validate(data, context={"library": LIBRARY})


def refusal(stretch_id: str, name: DoseField, value: int) -> tuple[str, str]:
    """(field path, message) of the one problem a prescription at that value has."""
    with pytest.raises(ValidationError) as caught:
        prescribe(stretch_id, name, value)
    (problem,) = problems_of(caught.value, "rx.toml", "", Prescription)
    return problem.path, problem.message


# --- the clinical edges --------------------------------------------------------------


@pytest.mark.parametrize(("stretch_id", "name"), CELLS, ids=CELL_IDS)
def test_a_prescription_at_the_clinical_low_edge_is_accepted(
    stretch_id: str, name: DoseField
) -> None:
    low = LIBRARY.stretch(stretch_id).clinical_range(name).min

    item = prescribe(stretch_id, name, low).stretches[0]

    assert getattr(item, name) == low


@pytest.mark.parametrize(("stretch_id", "name"), CELLS, ids=CELL_IDS)
def test_a_prescription_at_the_clinical_high_edge_is_accepted(
    stretch_id: str, name: DoseField
) -> None:
    high = LIBRARY.stretch(stretch_id).clinical_range(name).max

    item = prescribe(stretch_id, name, high).stretches[0]

    assert getattr(item, name) == high


@pytest.mark.parametrize(("stretch_id", "name"), CELLS, ids=CELL_IDS)
def test_one_below_the_clinical_bounds_is_refused_naming_stretch_value_and_range(
    stretch_id: str, name: DoseField
) -> None:
    allowed = LIBRARY.stretch(stretch_id).clinical_range(name)
    value = allowed.min - 1

    path, message = refusal(stretch_id, name, value)

    assert path == f"stretches[0].{name}"
    assert message.startswith(
        f"{WHAT[name]} {value}{UNIT[name]} is below the clinical bounds for {stretch_id}: "
        f"{allowed.min} to {allowed.max}{UNIT[name]}"
    )


@pytest.mark.parametrize(("stretch_id", "name"), CELLS, ids=CELL_IDS)
def test_one_above_the_clinical_bounds_is_refused_naming_stretch_value_and_range(
    stretch_id: str, name: DoseField
) -> None:
    allowed = LIBRARY.stretch(stretch_id).clinical_range(name)
    value = allowed.max + 1

    path, message = refusal(stretch_id, name, value)

    assert path == f"stretches[0].{name}"
    assert message.startswith(
        f"{WHAT[name]} {value}{UNIT[name]} is above the clinical bounds for {stretch_id}: "
        f"{allowed.min} to {allowed.max}{UNIT[name]}"
    )


def test_a_refusal_also_says_the_articles_range() -> None:
    _, message = refusal("knee-press", "hold_s", 61)

    assert message == (
        "hold 61 s is above the clinical bounds for knee-press: 10 to 60 s "
        "(the article's range is 15-20 s)"
    )


@pytest.mark.parametrize(("stretch_id", "name"), CELLS, ids=CELL_IDS)
def test_the_articles_range_lies_inside_the_clinical_bounds(
    stretch_id: str, name: DoseField
) -> None:
    stretch = LIBRARY.stretch(stretch_id)
    article, clinical = stretch.article(name), stretch.clinical_range(name)

    assert clinical.min <= article.min <= article.max <= clinical.max


# --- the clinical numbers are the safety facts -------------------------------------


@pytest.mark.parametrize("stretch_id", STATIC_HOLDS)
def test_a_static_hold_may_be_prescribed_up_to_60_seconds_and_no_longer(stretch_id: str) -> None:
    assert LIBRARY.stretch(stretch_id).clinical.hold_s.max == 60


@pytest.mark.parametrize("stretch_id", STATIC_HOLDS)
def test_a_static_hold_is_repeated_at_most_4_times(stretch_id: str) -> None:
    assert LIBRARY.stretch(stretch_id).clinical.reps.max == 4


def test_no_stretch_may_be_held_longer_than_60_seconds() -> None:
    assert max(s.clinical.hold_s.max for s in LIBRARY.stretches) == 60


def test_pelvic_tilts_may_be_prescribed_up_to_20_repetitions() -> None:
    assert LIBRARY.stretch("pelvic-tilt").clinical.reps.max == 20


def test_the_chair_twist_may_be_prescribed_once_a_day_only() -> None:
    times = LIBRARY.stretch("chair-twist").clinical.times_per_day

    assert (times.min, times.max) == (1, 1)


def test_the_chair_twist_falls_in_the_daytime_slot() -> None:
    assert default_slots(LIBRARY.stretch("chair-twist"), 1) == ("daytime",)


def test_the_chair_twist_may_be_prescribed_in_the_daytime_slot() -> None:
    rx = Prescription.model_validate(
        {
            "version": 1,
            "start": START,
            "stretches": [{"id": "chair-twist", "hold_s": 7, "slots": ["daytime"]}],
        },
        context={"library": LIBRARY},
    )

    assert rx.stretches[0].slots == ["daytime"]


@pytest.mark.parametrize("slot", ["morning", "evening"])
def test_the_chair_twist_is_refused_in_a_slot_done_lying_down(slot: str) -> None:
    data = {
        "version": 1,
        "start": START,
        "stretches": [{"id": "chair-twist", "hold_s": 7, "slots": [slot]}],
    }
    with pytest.raises(ValidationError) as caught:
        Prescription.model_validate(data, context={"library": LIBRARY})

    (problem,) = problems_of(caught.value, "rx.toml", "", Prescription)
    assert problem.path == "stretches[0].slots"
    assert problem.message == (
        "chair-twist is done sitting, so only the daytime slot can hold it "
        "(morning and evening are done lying down)"
    )


# --- routines and progression keep to the article ---------------------------------

# Doses just outside the article's range but inside the clinical bounds: a clinician
# may prescribe them, a routine file may not. (stretch, field, value, the routine's
# refusal.)
CLINICAL_ONLY = [
    ("knee-press", "hold_s", 14, "hold 14 s is below knee-press's 15 s (allowed 15-20 s)"),
    ("knee-press", "hold_s", 21, "hold 21 s is above knee-press's 20 s (allowed 15-20 s)"),
    ("knee-press", "reps", 2, "repetitions 2 is above knee-press's 1 (allowed 1)"),
    (
        "lower-back-rotation",
        "hold_s",
        11,
        "hold 11 s is above lower-back-rotation's 10 s (allowed 10 s)",
    ),
    (
        "lower-back-rotation",
        "reps",
        2,
        "repetitions 2 is above lower-back-rotation's 1 (allowed 1)",
    ),
    ("pelvic-tilt", "hold_s", 6, "hold 6 s is below pelvic-tilt's 7 s (allowed 7 s)"),
    ("pelvic-tilt", "hold_s", 8, "hold 8 s is above pelvic-tilt's 7 s (allowed 7 s)"),
    ("pelvic-tilt", "reps", 4, "repetitions 4 is below pelvic-tilt's 5 (allowed 5-10)"),
    ("pelvic-tilt", "reps", 11, "repetitions 11 is above pelvic-tilt's 10 (allowed 5-10)"),
    ("chair-twist", "hold_s", 11, "hold 11 s is above chair-twist's 10 s (allowed 7-10 s)"),
    ("chair-twist", "reps", 1, "repetitions 1 is below chair-twist's 2 (allowed 2-3)"),
    ("chair-twist", "reps", 4, "repetitions 4 is above chair-twist's 3 (allowed 2-3)"),
]


def test_every_dose_one_step_past_the_articles_range_yet_clinically_allowed_is_listed() -> None:
    one_step_out = {
        (s.id, name, value)
        for s in LIBRARY.stretches
        for name in ("hold_s", "reps")
        for value in (s.article(name).min - 1, s.article(name).max + 1)
        if value in s.clinical_range(name)
    }

    assert {(sid, name, value) for sid, name, value, _ in CLINICAL_ONLY} == one_step_out


@pytest.mark.parametrize(
    ("stretch_id", "name", "value", "message"),
    CLINICAL_ONLY,
    ids=[f"{sid}-{name}-{value}" for sid, name, value, _ in CLINICAL_ONLY],
)
def test_a_routine_file_keeps_to_the_articles_range_though_a_clinician_may_go_further(
    stretch_id: str, name: DoseField, value: int, message: str
) -> None:
    stretch = LIBRARY.stretch(stretch_id)
    hold = value if name == "hold_s" else stretch.hold_s.min
    reps = value if name == "reps" else stretch.reps.min
    text = f'name = "mine"\n\n[[stretches]]\nid = "{stretch_id}"\nhold_s = {hold}\nreps = {reps}\n'
    line = 5 if name == "hold_s" else 6

    with pytest.raises(RoutineError) as caught:
        parse_routine(text, "mine.toml")

    assert [str(p) for p in caught.value.problems] == [
        f"mine.toml:{line}: stretches[0].{name}: {message}"
    ]
    assert getattr(prescribe(stretch_id, name, value).stretches[0], name) == value


@pytest.mark.parametrize("stretch_id", IDS)
def test_progression_climbs_only_the_articles_range(stretch_id: str) -> None:
    stretch = LIBRARY.stretch(stretch_id)
    steps = ladder_for(stretch).steps

    for name in DOSE_FIELDS:
        article = stretch.article(name)
        assert all(getattr(step, name) in article for step in steps), name
    assert (steps[-1].hold_s, steps[-1].reps, steps[-1].times_per_day) == (
        stretch.hold_s.max,
        stretch.reps.max,
        stretch.times_per_day.max,
    )
