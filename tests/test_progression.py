"""Gentle progression: doses grow one small step after 3 comfortable sessions in a
row, inside the seed's ranges, and go one step back after pain. Pure functions over
the session history; the ladders come from the real stretch library."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from easeback.content.library import load_library, load_routine
from easeback.core.player import Player, PlayerEvent
from easeback.core.progression import (
    Change,
    Dose,
    Outcome,
    Standing,
    advance,
    doses,
    ladders,
    stretch_at,
    stretches_done,
)
from easeback.core.timeline import build_timeline

LIBRARY = load_library()
LADDER = ladders(LIBRARY)
IDS = tuple(LADDER)
TOP = {sid: len(ladder.steps) - 1 for sid, ladder in LADDER.items()}
T0 = datetime(2026, 3, 2, 7, 5, tzinfo=UTC)


def session(n: int) -> datetime:
    return T0 + timedelta(hours=12 * n)


def clean(*stretches: str, n: int = 0, **extra: object) -> Outcome:
    """A comfortable session: completed, no pain stop, pain did not rise."""
    return Outcome(at=session(n), stretches=stretches, completed=True, **extra)  # type: ignore[arg-type]


def replay(
    outcomes: list[Outcome], start: Mapping[str, Standing] | None = None
) -> tuple[dict[str, Standing], list[Change]]:
    state: Mapping[str, Standing] = start or {}
    changes: list[Change] = []
    for outcome in outcomes:
        state, new = advance(state, outcome, LADDER)
        changes += new
    return dict(state), changes


# --- the ladders --------------------------------------------------------------------

LADDERS = {
    "knee-press": [Dose(hold, 1, 2) for hold in range(15, 21)],
    "pelvic-tilt": [Dose(7, reps, 1) for reps in range(5, 11)],
    "chair-twist": [*(Dose(hold, 2, 1) for hold in range(7, 11)), Dose(10, 3, 1)],
    "lower-back-rotation": [Dose(10, 1, 2), Dose(10, 1, 3)],
}


@pytest.mark.parametrize(("stretch", "rungs"), LADDERS.items(), ids=list(LADDERS))
def test_each_ladder_climbs_the_seeds_range_one_small_step_at_a_time(
    stretch: str, rungs: list[Dose]
) -> None:
    assert list(LADDER[stretch].steps) == rungs


def test_there_is_a_ladder_for_every_stretch_in_the_library() -> None:
    assert set(LADDER) == set(LIBRARY.ids)


@pytest.mark.parametrize("stretch", IDS)
def test_every_rung_is_inside_the_library_ranges(stretch: str) -> None:
    limits = LIBRARY.get(stretch)
    assert limits is not None
    steps = LADDER[stretch].steps
    assert steps[0] == Dose(limits.hold_s.min, limits.reps.min, limits.times_per_day.min)
    for dose in steps:
        assert dose.hold_s in limits.hold_s
        assert dose.reps in limits.reps
        assert dose.times_per_day in limits.times_per_day
    for lower, higher in pairwise(steps):
        moved = [
            getattr(higher, f) - getattr(lower, f) for f in ("hold_s", "reps", "times_per_day")
        ]
        assert sorted(moved) == [0, 0, 1]


def test_nobody_starts_above_the_seeds_lower_ends() -> None:
    assert doses({}, LADDER) == {
        "knee-press": Dose(15, 1, 2),
        "lower-back-rotation": Dose(10, 1, 2),
        "pelvic-tilt": Dose(7, 5, 1),
        "chair-twist": Dose(7, 2, 1),
    }


# --- stepping up --------------------------------------------------------------------


def test_three_comfortable_sessions_in_a_row_step_the_hold_up_by_one_second() -> None:
    state, changes = replay([clean("knee-press", n=n) for n in range(3)])

    assert changes == [
        Change(
            at=session(2),
            stretch="knee-press",
            field="hold_s",
            old=15,
            new=16,
            direction="up",
            reason="3 comfortable sessions in a row: knee press hold now 16 s",
        )
    ]
    assert state["knee-press"] == Standing(level=1, streak=0)
    assert doses(state, LADDER)["knee-press"] == Dose(16, 1, 2)


def test_two_comfortable_sessions_are_not_enough() -> None:
    state, changes = replay([clean("knee-press", n=n) for n in range(2)])

    assert changes == []
    assert state["knee-press"] == Standing(level=0, streak=2)


def test_a_step_up_starts_the_count_again() -> None:
    state, changes = replay([clean("knee-press", n=n) for n in range(5)])

    assert [c.new for c in changes] == [16]
    assert state["knee-press"] == Standing(level=1, streak=2)

    state, changes = replay([clean("knee-press", n=5)], state)
    assert [c.reason for c in changes] == [
        "3 comfortable sessions in a row: knee press hold now 17 s"
    ]


STEP_UPS = {
    "knee press hold": (
        "knee-press",
        1,
        ("hold_s", 16, 17, "3 comfortable sessions in a row: knee press hold now 17 s"),
    ),
    "pelvic tilt repetitions": (
        "pelvic-tilt",
        0,
        ("reps", 5, 6, "3 comfortable sessions in a row: pelvic tilt repetitions now 6"),
    ),
    "chair twist hold": (
        "chair-twist",
        0,
        ("hold_s", 7, 8, "3 comfortable sessions in a row: chair twist hold now 8 s"),
    ),
    "chair twist: holds done, then repetitions": (
        "chair-twist",
        3,
        ("reps", 2, 3, "3 comfortable sessions in a row: chair twist repetitions now 3"),
    ),
    "rotation times a day": (
        "lower-back-rotation",
        0,
        (
            "times_per_day",
            2,
            3,
            "3 comfortable sessions in a row: lower-back rotation times a day now 3",
        ),
    ),
}


@pytest.mark.parametrize(("stretch", "level", "expected"), STEP_UPS.values(), ids=STEP_UPS)
def test_each_step_up_says_what_changed_in_plain_words(
    stretch: str, level: int, expected: tuple[str, int, int, str]
) -> None:
    field, old, new, reason = expected
    state, changes = replay([clean(stretch)], {stretch: Standing(level, 2)})

    assert changes == [Change(session(0), stretch, field, old, new, "up", reason)]  # type: ignore[arg-type]
    assert state[stretch] == Standing(level + 1, 0)


@pytest.mark.parametrize(
    "interruption",
    [
        Outcome(session(2), ("knee-press",), completed=False),
        Outcome(session(2), (), completed=False, pain_stretch="knee-press"),
        Outcome(session(2), ("knee-press",), completed=True, worsened=True),
    ],
    ids=["quit", "pain stop", "pain rose afterwards"],
)
def test_two_comfortable_sessions_then_an_uncomfortable_one_is_no_step(
    interruption: Outcome,
) -> None:
    state, changes = replay([clean("knee-press", n=0), clean("knee-press", n=1), interruption])

    assert changes == []
    assert state["knee-press"] == Standing(level=0, streak=0)

    state, changes = replay([clean("knee-press", n=n) for n in (3, 4)], state)
    assert changes == []  # in a row: the count started again


def test_sessions_without_the_stretch_do_not_break_its_run() -> None:
    state, changes = replay(
        [
            clean("knee-press", n=0),
            clean("chair-twist", n=1),
            clean("knee-press", n=2),
            Outcome(session(3), ("chair-twist",), completed=False),
            clean("knee-press", n=4),
        ]
    )

    assert [(c.stretch, c.new) for c in changes] == [("knee-press", 16)]
    assert state["knee-press"] == Standing(level=1, streak=0)


def test_an_open_pain_follow_up_holds_progress() -> None:
    state, changes = replay(
        [
            clean("knee-press", n=0),
            clean("knee-press", n=1),
            clean("knee-press", n=2, follow_up_open=True),
            clean("knee-press", n=3, follow_up_open=True),
        ]
    )
    assert changes == []
    assert state["knee-press"] == Standing(level=0, streak=3)

    state, changes = replay([clean("knee-press", n=4)], state)
    assert [c.new for c in changes] == [16]


@pytest.mark.parametrize("stretch", IDS)
def test_at_the_top_of_the_seeds_range_there_is_no_step_up(stretch: str) -> None:
    state, changes = replay(
        [clean(stretch, n=n) for n in range(6)], {stretch: Standing(TOP[stretch], 0)}
    )

    assert changes == []
    assert state[stretch].level == TOP[stretch]
    assert doses(state, LADDER)[stretch] == LADDER[stretch].steps[-1]


def test_rehearsals_never_change_anything() -> None:
    start = {"knee-press": Standing(2, 2), "pelvic-tilt": Standing(1, 1)}
    rehearsals = [
        *(clean("knee-press", "pelvic-tilt", n=n, rehearsal=True) for n in range(4)),
        Outcome(session(5), (), completed=False, pain_stretch="knee-press", rehearsal=True),
        clean("knee-press", n=6, worsened=True, rehearsal=True),
    ]

    state, changes = replay(rehearsals, start)

    assert changes == []
    assert state == {**{sid: Standing() for sid in IDS}, **start}


# --- stepping back ------------------------------------------------------------------


def test_a_pain_stop_takes_the_stretch_in_pain_one_step_back_and_only_that_one() -> None:
    start = {
        "knee-press": Standing(2, 2),
        "lower-back-rotation": Standing(1, 1),
        "pelvic-tilt": Standing(3, 2),
    }
    # knee press done, then pain during the rotation
    pain = Outcome(session(0), ("knee-press",), completed=False, pain_stretch="lower-back-rotation")

    state, changes = replay([pain], start)

    assert changes == [
        Change(
            session(0),
            "lower-back-rotation",
            "times_per_day",
            3,
            2,
            "down",
            "stopped for pain: lower-back rotation times a day now 2, one step back",
        )
    ]
    assert state["lower-back-rotation"] == Standing(0, 0)
    assert state["knee-press"] == Standing(2, 0)  # no step, and the run starts again
    assert state["pelvic-tilt"] == Standing(3, 2)  # not in this session: untouched


def test_a_pain_stop_in_the_knee_press_takes_its_hold_back_a_second() -> None:
    state, changes = replay(
        [Outcome(session(0), (), completed=False, pain_stretch="knee-press")],
        {"knee-press": Standing(2, 1)},
    )

    assert [c.reason for c in changes] == [
        "stopped for pain: knee press hold now 16 s, one step back"
    ]
    assert doses(state, LADDER)["knee-press"] == Dose(16, 1, 2)


def test_pain_rising_afterwards_takes_every_stretch_of_the_session_one_step_back() -> None:
    start = {sid: Standing(TOP[sid], 1) for sid in IDS}
    worse = clean("knee-press", "lower-back-rotation", "pelvic-tilt", worsened=True)

    state, changes = replay([worse], start)

    assert [(c.stretch, c.field, c.old, c.new, c.direction, c.reason) for c in changes] == [
        (
            "knee-press",
            "hold_s",
            20,
            19,
            "down",
            "pain rose afterwards: knee press hold now 19 s, one step back",
        ),
        (
            "lower-back-rotation",
            "times_per_day",
            3,
            2,
            "down",
            "pain rose afterwards: lower-back rotation times a day now 2, one step back",
        ),
        (
            "pelvic-tilt",
            "reps",
            10,
            9,
            "down",
            "pain rose afterwards: pelvic tilt repetitions now 9, one step back",
        ),
    ]
    assert state["chair-twist"] == Standing(TOP["chair-twist"], 1)


def test_at_the_first_rung_a_pain_stop_changes_no_dose_but_restarts_the_count() -> None:
    state, changes = replay(
        [Outcome(session(0), (), completed=False, pain_stretch="knee-press")],
        {"knee-press": Standing(0, 2)},
    )

    assert changes == []
    assert state["knee-press"] == Standing(0, 0)


# --- what a session's events mean for progression -----------------------------------

BED = build_timeline(load_routine("bed"), LIBRARY)  # knee press, rotation, pelvic tilt
ALL_BED = ("knee-press", "lower-back-rotation", "pelvic-tilt")


def index_of(kind: str, stretch: str | None = None, nth: int = 0) -> int:
    found = [
        i
        for i, p in enumerate(BED.phases)
        if p.kind == kind and (stretch is None or p.stretch == stretch)
    ]
    return found[nth]


def play(*inputs: tuple[str, float]) -> list[PlayerEvent]:
    """Play the bed routine at speed 1 on a made-up clock; inputs are (action, time)."""
    player = Player(BED)
    events = player.start(0.0)
    for action, at in inputs:
        events += player.tick(at)
        events += getattr(player, action)(at)
    events += player.tick(BED.total_ms / 1000 + 1)
    return events


def done(events: list[PlayerEvent]) -> tuple[str, ...]:
    reached = {e.phase for e in events if e.kind == "phase"}
    skipped = {e.phase for e in events if e.kind == "skipped"}
    return stretches_done(BED, reached, skipped)


def seconds(index: int, into: float = 1.0) -> float:
    return BED.phases[index].start_ms / 1000 + into


def test_a_whole_session_does_every_stretch() -> None:
    assert done(play()) == ALL_BED


def test_a_skipped_hold_means_that_stretch_was_not_done() -> None:
    second_knee_hold = index_of("hold", "knee-press", 1)

    events = play(("skip", seconds(second_knee_hold)))

    assert done(events) == ("lower-back-rotation", "pelvic-tilt")


def test_skipping_the_get_ready_still_counts_the_stretch() -> None:
    events = play(("skip", seconds(index_of("prepare", "lower-back-rotation"))))

    assert done(events) == ALL_BED


def test_a_pain_stop_counts_only_the_stretches_finished_before_it() -> None:
    during = index_of("hold", "lower-back-rotation", 1)
    events = play(("pain_stop", seconds(during)))

    assert done(events) == ("knee-press",)
    assert stretch_at(BED, during) == "lower-back-rotation"


@pytest.mark.parametrize(
    ("where", "stretch"),
    [
        ("the first get-ready", "knee-press"),
        ("a knee press hold", "knee-press"),
        ("the rest after the knee press", "lower-back-rotation"),
        ("the rest after the rotation", "pelvic-tilt"),
        ("the end", "pelvic-tilt"),
    ],
)
def test_the_stretch_in_pain_is_the_one_being_done_or_about_to_be(where: str, stretch: str) -> None:
    index = {
        "the first get-ready": 0,
        "a knee press hold": index_of("hold", "knee-press", 2),
        "the rest after the knee press": index_of("rest", nth=0),
        "the rest after the rotation": index_of("rest", nth=1),
        "the end": len(BED.phases) - 1,
    }[where]
    assert BED.phases[index].stretch in (None, stretch)

    assert stretch_at(BED, index) == stretch


def test_pain_during_a_rest_steps_back_the_next_stretch() -> None:
    rest = index_of("rest", nth=0)
    events = play(("pain_stop", seconds(rest)))
    pain = next(e.phase for e in events if e.kind == "pain_stop")
    outcome = Outcome(session(0), done(events), completed=False, pain_stretch=stretch_at(BED, pain))

    state, changes = replay([outcome], {"lower-back-rotation": Standing(1, 0)})

    assert [(c.stretch, c.direction) for c in changes] == [("lower-back-rotation", "down")]
    assert state["knee-press"] == Standing(0, 0)


# --- properties over random histories -----------------------------------------------


def sometimes(n: int) -> st.SearchStrategy[bool]:
    """True about one time in ``n``."""
    return st.integers(0, n - 1).map(lambda k: k == 0)


# Weighted so that most histories hold step-ups and pain stops above the first rung.
outcomes = st.builds(
    Outcome,
    at=st.just(T0),
    stretches=st.lists(st.sampled_from(IDS), unique=True, min_size=1, max_size=4).map(tuple),
    completed=sometimes(6).map(lambda quit: not quit),
    pain_stretch=st.sampled_from((*(None,) * 12, *IDS)),
    worsened=sometimes(10),
    rehearsal=sometimes(10),
    follow_up_open=sometimes(10),
)
histories = st.lists(outcomes, min_size=15, max_size=80)


Step = tuple[dict[str, Standing], Outcome, dict[str, Standing], list[Change]]


def steps(history: list[Outcome]) -> Iterator[Step]:
    """Each session of a history: the state before, the session, the state after, the
    changes it brought."""
    state: dict[str, Standing] = {sid: Standing() for sid in IDS}
    for outcome in history:
        after, changes = advance(state, outcome, LADDER)
        yield state, outcome, after, changes
        state = after


def is_clean(outcome: Outcome) -> bool:
    return (
        outcome.completed
        and outcome.pain_stretch is None
        and not outcome.worsened
        and not outcome.rehearsal
    )


@given(histories)
def test_levels_stay_on_the_ladder(history: list[Outcome]) -> None:
    for _, _, after, changes in steps(history):
        for sid, standing in after.items():
            assert 0 <= standing.level <= TOP[sid]
        for change in changes:
            limits = LIBRARY.get(change.stretch)
            assert limits is not None
            assert change.new in getattr(limits, change.field)


@given(histories)
def test_never_a_step_up_in_a_session_with_pain(history: list[Outcome]) -> None:
    for before, outcome, after, changes in steps(history):
        if outcome.pain_stretch is not None or outcome.worsened:
            assert all(c.direction == "down" for c in changes)
            assert all(after[sid].level <= before[sid].level for sid in IDS)


@given(histories)
def test_never_more_than_one_step_up_per_three_clean_sessions_in_a_row(
    history: list[Outcome],
) -> None:
    clean_since_change = dict.fromkeys(IDS, 0)
    in_a_row = dict.fromkeys(IDS, 0)
    for before, outcome, after, _ in steps(history):
        for sid in IDS:
            touched = sid in outcome.stretches or sid == outcome.pain_stretch
            if touched and not outcome.rehearsal:
                if is_clean(outcome):
                    clean_since_change[sid] += 1
                    in_a_row[sid] += 1
                else:
                    in_a_row[sid] = 0
            rise = after[sid].level - before[sid].level
            assert rise <= 1
            if rise == 1:
                assert clean_since_change[sid] >= 3
                assert in_a_row[sid] >= 3
            if rise != 0:
                clean_since_change[sid] = 0
                in_a_row[sid] = 0


@given(histories)
def test_always_one_step_back_after_a_pain_stop(history: list[Outcome]) -> None:
    for before, outcome, after, changes in steps(history):
        hurt = outcome.pain_stretch
        if hurt is None or outcome.rehearsal:
            continue
        expected = max(0, before[hurt].level - 1)
        assert after[hurt].level == expected
        back = [c for c in changes if c.stretch == hurt]
        if before[hurt].level > 0:
            assert back
            assert all(c.direction == "down" for c in back)
            assert all(c.reason.endswith(", one step back") for c in back)
        else:
            assert back == []


@given(histories)
def test_rehearsals_leave_the_state_as_it_was(history: list[Outcome]) -> None:
    for before, outcome, after, changes in steps(history):
        if outcome.rehearsal:
            assert (after, changes) == (before, [])


REASON_OPENINGS = (
    "3 comfortable sessions in a row: ",
    "stopped for pain: ",
    "pain rose afterwards: ",
)


@given(histories)
def test_every_change_is_one_rung_and_says_so(history: list[Outcome]) -> None:
    for before, outcome, after, changes in steps(history):
        for change in changes:
            old = LADDER[change.stretch].steps[before[change.stretch].level]
            new = LADDER[change.stretch].steps[after[change.stretch].level]
            assert (getattr(old, change.field), getattr(new, change.field)) == (
                change.old,
                change.new,
            )
            assert change.at == outcome.at
            assert change.reason.startswith(REASON_OPENINGS)


@given(histories)
def test_doses_are_always_a_rung_of_the_ladder(history: list[Outcome]) -> None:
    for _, _, after, _ in steps(history):
        for sid, dose in doses(after, LADDER).items():
            assert dose in LADDER[sid].steps


@given(st.dictionaries(st.sampled_from(IDS), st.builds(Standing, st.integers(0, 100))))
def test_a_level_beyond_the_ladder_reads_as_its_top_rung(progress: dict[str, Standing]) -> None:
    for sid, dose in doses(progress, LADDER).items():
        level = progress.get(sid, Standing()).level
        assert dose == LADDER[sid].steps[min(level, TOP[sid])]
