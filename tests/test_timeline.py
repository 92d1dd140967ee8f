"""The timeline: one pure function lays a routine out in time, phase by phase."""

from __future__ import annotations

import itertools
import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from easeback.content.library import load_library, load_routine
from easeback.content.models import Routine
from easeback.core.timeline import Phase, Timeline, build_timeline

ROUTINE_KEYS = {"routine", "total_ms", "phases"}
PHASE_KEYS = {
    "kind",
    "stretch",
    "side",
    "direction",
    "rep",
    "reps",
    "start_ms",
    "duration_ms",
    "say",
}
KINDS = {"prepare", "hold", "release", "switch", "rest", "done"}


def make_routine(*doses: dict[str, Any], **pauses: int) -> Routine:
    data: dict[str, Any] = {"name": "test", "stretches": list(doses), **pauses}
    return Routine.model_validate(data, context={"library": load_library()})


def timeline_of(*doses: dict[str, Any], **pauses: int) -> Timeline:
    return build_timeline(make_routine(*doses, **pauses), load_library())


def default_timeline() -> Timeline:
    return build_timeline(load_routine("default"), load_library())


def holds(timeline: Timeline, stretch: str | None = None) -> list[Phase]:
    return [p for p in timeline.phases if p.kind == "hold" and stretch in (None, p.stretch)]


def after_each_hold(timeline: Timeline) -> list[Phase]:
    """The phase that follows each hold."""
    phases = timeline.phases
    return [phases[i + 1] for i, p in enumerate(phases) if p.kind == "hold"]


def assert_contiguous(timeline: Timeline) -> None:
    starts = [p.start_ms for p in timeline.phases]
    ends = [0] + [p.start_ms + p.duration_ms for p in timeline.phases[:-1]]
    assert starts == ends


# --- the JSON contract ---------------------------------------------------------------


def test_json_has_exactly_routine_total_and_phases() -> None:
    data = default_timeline().to_json()

    assert set(data) == ROUTINE_KEYS
    assert data["routine"] == "default"
    assert isinstance(data["total_ms"], int)


def test_every_phase_has_exactly_the_contract_keys_and_types() -> None:
    data = json.loads(json.dumps(default_timeline().to_json()))

    for phase in data["phases"]:
        assert set(phase) == PHASE_KEYS
        assert phase["kind"] in KINDS
        assert phase["side"] in {"left", "right", "both", None}
        assert phase["direction"] in {"feet", "head", None}
        assert all(isinstance(phase[k], int) for k in ("start_ms", "duration_ms"))
        assert all(phase[k] is None or isinstance(phase[k], int) for k in ("rep", "reps"))
        assert phase["stretch"] is None or isinstance(phase["stretch"], str)
        assert isinstance(phase["say"], str)


def test_phases_are_contiguous_from_zero() -> None:
    timeline = default_timeline()

    assert timeline.phases[0].start_ms == 0
    assert_contiguous(timeline)


def test_routine_ends_with_a_zero_length_done_and_total_is_its_end() -> None:
    timeline = default_timeline()
    last = timeline.phases[-1]
    data = timeline.to_json()

    assert (last.kind, last.duration_ms, last.stretch) == ("done", 0, None)
    assert [p.kind for p in timeline.phases].count("done") == 1
    last_end = data["phases"][-1]["start_ms"] + data["phases"][-1]["duration_ms"]
    assert data["total_ms"] == last_end


def test_every_phase_has_words_to_say() -> None:
    assert all(p.say.strip() for p in default_timeline().phases)


# --- each stretch's holds ------------------------------------------------------------


@pytest.mark.parametrize("hold_s", [15, 17, 20])
def test_knee_press_holds_left_then_right_then_both_for_the_chosen_hold(hold_s: int) -> None:
    timeline = timeline_of({"id": "knee-press", "hold_s": hold_s})

    assert [(p.side, p.duration_ms) for p in holds(timeline)] == [
        ("left", hold_s * 1000),
        ("right", hold_s * 1000),
        ("both", hold_s * 1000),
    ]


def test_lower_back_rotation_holds_left_then_right_for_10_seconds() -> None:
    timeline = timeline_of({"id": "lower-back-rotation", "hold_s": 10})

    assert [(p.side, p.duration_ms) for p in holds(timeline)] == [
        ("left", 10_000),
        ("right", 10_000),
    ]


@pytest.mark.parametrize("reps", [5, 10])
def test_pelvic_tilt_holds_7_seconds_towards_feet_then_head_in_every_rep(reps: int) -> None:
    timeline = timeline_of(
        {"id": "pelvic-tilt", "hold_s": 7, "reps": reps}, prepare_s=10, release_s=4
    )

    body = [
        (p.kind, p.direction, p.rep, p.reps, p.duration_ms)
        for p in timeline.phases
        if p.kind in ("hold", "release")
    ]
    expected = []
    for rep in range(1, reps + 1):
        expected += [
            ("hold", "feet", rep, reps, 7_000),
            ("release", "feet", rep, reps, 4_000),
            ("hold", "head", rep, reps, 7_000),
            ("release", "head", rep, reps, 4_000),
        ]
    assert body == expected


@pytest.mark.parametrize(("reps", "hold_s"), [(2, 7), (3, 10)])
def test_chair_twist_alternates_right_then_left_with_reps_per_side(reps: int, hold_s: int) -> None:
    timeline = timeline_of({"id": "chair-twist", "hold_s": hold_s, "reps": reps})

    assert [(p.side, p.rep, p.reps, p.duration_ms) for p in holds(timeline)] == [
        (side, rep, reps, hold_s * 1000) for rep in range(1, reps + 1) for side in ("right", "left")
    ]


@pytest.mark.parametrize(
    ("stretch", "hold_s", "reps"),
    [("pelvic-tilt", 7, 5), ("chair-twist", 7, 2), ("knee-press", 15, 1)],
)
def test_reps_left_out_means_the_stretchs_lowest_count(
    stretch: str, hold_s: int, reps: int
) -> None:
    timeline = timeline_of({"id": stretch, "hold_s": hold_s})

    assert {p.reps for p in holds(timeline)} == {reps}
    assert max(p.rep or 0 for p in holds(timeline)) == reps


# --- the pauses between holds --------------------------------------------------------


def test_knee_press_switches_side_between_its_holds_then_releases() -> None:
    timeline = timeline_of({"id": "knee-press", "hold_s": 15}, switch_s=6, release_s=3)

    assert [(p.kind, p.side, p.duration_ms) for p in after_each_hold(timeline)] == [
        ("switch", "right", 6_000),
        ("switch", "both", 6_000),
        ("release", "both", 3_000),
    ]


def test_chair_twist_switches_side_between_every_hold_including_between_reps() -> None:
    timeline = timeline_of({"id": "chair-twist", "hold_s": 7, "reps": 2}, switch_s=5)

    assert [(p.kind, p.side) for p in after_each_hold(timeline)] == [
        ("switch", "left"),
        ("switch", "right"),
        ("switch", "left"),
        ("release", "left"),
    ]


def test_switch_happens_when_the_side_changes_and_release_otherwise() -> None:
    timeline = default_timeline()
    phases = timeline.phases

    for i, phase in enumerate(phases):
        if phase.kind != "hold":
            continue
        following = phases[i + 1]
        next_hold = next((p for p in phases[i + 1 :] if p.kind == "hold"), None)
        same_stretch = next_hold is not None and next_hold.stretch == phase.stretch
        changes_side = (
            same_stretch
            and next_hold is not None
            and None not in (phase.side, next_hold.side)
            and phase.side != next_hold.side
        )
        assert following.kind == ("switch" if changes_side else "release"), phase


def test_switch_says_which_side_comes_next() -> None:
    timeline = timeline_of({"id": "lower-back-rotation", "hold_s": 10})

    switch = next(p for p in timeline.phases if p.kind == "switch")
    assert switch.say.endswith("Next: the right side.")


def test_rest_between_stretches_lasts_rest_s() -> None:
    timeline = timeline_of(
        {"id": "knee-press", "hold_s": 15},
        {"id": "pelvic-tilt", "hold_s": 7},
        {"id": "chair-twist", "hold_s": 7},
        rest_s=30,
    )
    phases = timeline.phases

    rests = [i for i, p in enumerate(phases) if p.kind == "rest"]
    assert [phases[i].duration_ms for i in rests] == [30_000, 30_000]
    assert [(phases[i - 1].kind, phases[i + 1].kind) for i in rests] == [
        ("release", "prepare"),
        ("release", "prepare"),
    ]
    assert [phases[i + 1].stretch for i in rests] == ["pelvic-tilt", "chair-twist"]


def test_no_rest_when_rest_s_is_zero() -> None:
    timeline = timeline_of(
        {"id": "knee-press", "hold_s": 15}, {"id": "pelvic-tilt", "hold_s": 7}, rest_s=0
    )

    assert "rest" not in [p.kind for p in timeline.phases]
    assert_contiguous(timeline)


def test_single_stretch_routine_has_no_rest() -> None:
    timeline = timeline_of({"id": "chair-twist", "hold_s": 7}, rest_s=60)

    assert "rest" not in [p.kind for p in timeline.phases]


def test_each_stretch_opens_with_a_prepare_lasting_prepare_s() -> None:
    timeline = timeline_of(
        {"id": "lower-back-rotation", "hold_s": 10},
        {"id": "chair-twist", "hold_s": 7},
        prepare_s=25,
    )

    prepares = [p for p in timeline.phases if p.kind == "prepare"]
    assert [(p.stretch, p.duration_ms) for p in prepares] == [
        ("lower-back-rotation", 25_000),
        ("chair-twist", 25_000),
    ]
    assert timeline.phases[0].kind == "prepare"


@pytest.mark.parametrize(
    ("stretch", "hold_s", "side_first"),
    [
        ("knee-press", 15, "Left side first."),
        ("lower-back-rotation", 10, "Left side first."),
        ("chair-twist", 7, "Right side first."),
    ],
)
def test_prepare_says_which_side_comes_first(stretch: str, hold_s: int, side_first: str) -> None:
    timeline = timeline_of({"id": stretch, "hold_s": hold_s})

    assert timeline.phases[0].say.endswith(side_first)


# --- durations -----------------------------------------------------------------------


def expected_total_ms(routine: Routine) -> int:
    """The routine's length from the rules: get ready, holds, a switch between holds that
    change side and a release otherwise, and a rest between stretches."""
    library = load_library()
    seconds = 0
    for position, dose in enumerate(routine.stretches):
        stretch = library.get(dose.id)
        assert stretch is not None
        steps = stretch.steps * dose.repetitions(stretch)
        if position > 0:
            seconds += routine.rest_s
        seconds += routine.prepare_s + len(steps) * dose.hold_s
        for current, following in itertools.pairwise(steps):
            changes = None not in (current.side, following.side) and current.side != following.side
            seconds += routine.switch_s if changes else routine.release_s
        seconds += routine.release_s
    return seconds * 1000


def test_default_routine_lasts_5_minutes_15_seconds_as_its_doses_add_up() -> None:
    routine = load_routine("default")

    assert expected_total_ms(routine) == 315_000
    assert default_timeline().total_ms == 315_000


@pytest.mark.parametrize("name", ["default", "bed", "office"])
def test_total_is_the_sum_of_phase_durations(name: str) -> None:
    timeline = build_timeline(load_routine(name), load_library())

    assert timeline.total_ms == sum(p.duration_ms for p in timeline.phases)
    assert timeline.total_ms == expected_total_ms(load_routine(name))


# --- any valid routine ---------------------------------------------------------------


@st.composite
def routines(draw: st.DrawFn) -> Routine:
    library = load_library()
    ids = draw(st.permutations(library.ids))
    chosen = ids[: draw(st.integers(1, len(ids)))]
    doses = []
    for stretch_id in chosen:
        stretch = library.get(stretch_id)
        assert stretch is not None
        dose: dict[str, Any] = {
            "id": stretch_id,
            "hold_s": draw(st.integers(stretch.hold_s.min, stretch.hold_s.max)),
        }
        reps = draw(st.none() | st.integers(stretch.reps.min, stretch.reps.max))
        if reps is not None:
            dose["reps"] = reps
        doses.append(dose)
    return make_routine(
        *doses,
        prepare_s=draw(st.integers(3, 60)),
        release_s=draw(st.integers(2, 30)),
        switch_s=draw(st.integers(2, 30)),
        rest_s=draw(st.integers(0, 120)),
    )


@given(routines())
def test_any_valid_routine_lays_out_contiguously_with_every_hold(routine: Routine) -> None:
    library = load_library()
    timeline = build_timeline(routine, library)

    assert_contiguous(timeline)
    assert timeline.phases[-1].kind == "done"
    assert timeline.phases[-1].duration_ms == 0
    assert timeline.total_ms == sum(p.duration_ms for p in timeline.phases)
    assert timeline.total_ms == expected_total_ms(routine)
    expected_holds = 0
    for dose in routine.stretches:
        stretch = library.get(dose.id)
        assert stretch is not None
        expected_holds += dose.repetitions(stretch) * len(stretch.steps)
    assert len(holds(timeline)) == expected_holds
    assert all(
        p.duration_ms == d.hold_s * 1000 for d in routine.stretches for p in holds(timeline, d.id)
    )
    assert [p.kind for p in timeline.phases].count("prepare") == len(routine.stretches)
    rests = [p.kind for p in timeline.phases].count("rest")
    assert rests == (len(routine.stretches) - 1 if routine.rest_s else 0)
    assert {p.kind for p in timeline.phases} <= KINDS
    assert all(p.say.strip() for p in timeline.phases)
