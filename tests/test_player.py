"""The player: a timeline played on a clock the caller supplies (plain floats here)."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from easeback.content.library import load_library, parse_routine
from easeback.core.player import Player, PlayerEvent
from easeback.core.timeline import Timeline, build_timeline

START = 1000.0

# Phases: 0 prepare 0-10 s, 1 hold left 10-25, 2 switch 25-30, 3 hold right 30-45,
# 4 switch 45-50, 5 hold both 50-65, 6 release 65-69, 7 rest 69-79, 8 prepare 79-89,
# 9 hold left 89-99, 10 switch 99-104, 11 hold right 104-114, 12 release 114-118,
# 13 done at 118 s.
SHORT = """
name = "short"
prepare_s = 10
release_s = 4
switch_s = 5
rest_s = 10

[[stretches]]
id = "knee-press"
hold_s = 15

[[stretches]]
id = "lower-back-rotation"
hold_s = 10
"""

# About ten minutes: every stretch, with more repetitions and longer pauses.
TEN_MINUTES = """
name = "ten-minutes"
prepare_s = 15
release_s = 6
switch_s = 8
rest_s = 30

[[stretches]]
id = "knee-press"
hold_s = 20

[[stretches]]
id = "lower-back-rotation"
hold_s = 10

[[stretches]]
id = "pelvic-tilt"
hold_s = 7
reps = 10

[[stretches]]
id = "chair-twist"
hold_s = 10
reps = 3
"""


def timeline_of(text: str) -> Timeline:
    return build_timeline(parse_routine(text, "<test>"), load_library())


SHORT_TIMELINE = timeline_of(SHORT)
TEN_MINUTE_TIMELINE = timeline_of(TEN_MINUTES)


def started(speed: float = 1.0, timeline: Timeline = SHORT_TIMELINE) -> Player:
    player = Player(timeline, speed=speed)
    player.start(START)
    return player


def first_index(kind: str, timeline: Timeline = SHORT_TIMELINE) -> int:
    return next(i for i, p in enumerate(timeline.phases) if p.kind == kind)


def kinds(events: list[PlayerEvent]) -> list[str]:
    return [e.kind for e in events]


def play_to_end(player: Player, now: float) -> list[PlayerEvent]:
    """Tick at every wake-up the player asks for until it ends."""
    events: list[PlayerEvent] = []
    for _ in range(100_000):
        if player.ended:
            return events
        wake = player.next_wake(now)
        assert wake is not None
        assert wake > now, "the player asked to wake up in the past"
        now = wake
        events += player.tick(now)
    raise AssertionError("the session never ended")


def test_short_timeline_has_the_layout_these_tests_rely_on() -> None:
    phases = SHORT_TIMELINE.phases
    assert [p.kind for p in phases[:8]] == [
        "prepare",
        "hold",
        "switch",
        "hold",
        "switch",
        "hold",
        "release",
        "rest",
    ]
    assert [p.start_ms for p in phases[:4]] == [0, 10_000, 25_000, 30_000]
    assert SHORT_TIMELINE.total_ms == 118_000


# --- start and tick --------------------------------------------------------------


def test_start_emits_started_and_first_phase_at_once() -> None:
    player = Player(SHORT_TIMELINE)

    events = player.start(START)

    assert events == [
        PlayerEvent("started", 0, START, START, 0),
        PlayerEvent("phase", 0, START, START, 0),
    ]
    assert player.state == "playing"
    assert player.phase.kind == "prepare"


def test_starting_twice_does_nothing_the_second_time() -> None:
    player = started()

    assert player.start(START + 5) == []
    assert player.deadline(1) == START + 10


def test_tick_before_the_next_deadline_emits_nothing() -> None:
    player = started()

    assert player.tick(START + 9.999) == []
    assert player.index == 0


def test_tick_on_the_deadline_emits_the_next_phase() -> None:
    player = started()

    events = player.tick(START + 10)

    assert events == [PlayerEvent("phase", 1, START + 10, START + 10, 10_000)]
    assert player.phase.kind == "hold"


def test_late_tick_emits_every_passed_phase_with_its_exact_deadline() -> None:
    player = started()

    events = player.tick(START + 31.7)

    assert [(e.kind, e.phase, e.due, e.at) for e in events] == [
        ("phase", 1, START + 10, START + 31.7),
        ("phase", 2, START + 25, START + 31.7),
        ("phase", 3, START + 30, START + 31.7),
    ]
    assert [e.position_ms for e in events] == [10_000, 25_000, 30_000]


def test_late_ticks_never_shift_later_deadlines() -> None:
    player = started()

    player.tick(START + 11.9)  # 1.9 s late for phase 1
    events = player.tick(START + 25)

    assert events == [PlayerEvent("phase", 2, START + 25, START + 25, 25_000)]
    assert player.deadline(3) == START + 30


def test_reaching_done_completes_at_the_planned_end_even_when_late() -> None:
    player = started()

    events = player.tick(START + 200)

    assert events[-1] == PlayerEvent("completed", 13, START + 118, START + 200, 118_000)
    assert events[-2].kind == "phase"
    assert events[-2].phase == len(SHORT_TIMELINE.phases) - 1
    assert player.outcome == "completed"
    assert player.ended


# --- pause and resume --------------------------------------------------------------


def test_pause_freezes_position_and_countdown() -> None:
    player = started()

    events = player.pause(START + 3)

    assert events == [PlayerEvent("paused", 0, START + 3, START + 3, 3000)]
    assert player.state == "paused"
    assert player.position_ms(START + 50) == 3000
    assert player.countdown(START + 50) == 7
    assert player.tick(START + 50) == []
    assert player.index == 0
    assert player.next_wake(START + 50) is None


def test_pause_first_emits_phases_whose_deadlines_passed() -> None:
    player = started()

    events = player.pause(START + 12)

    assert kinds(events) == ["phase", "paused"]
    assert events[0].due == START + 10
    assert events[1].phase == 1


def test_resume_shifts_every_later_deadline_by_exactly_the_paused_time() -> None:
    player = started()
    before = [player.deadline(i) for i in range(1, len(SHORT_TIMELINE.phases))]

    player.pause(START + 3)
    events = player.resume(START + 45.5)

    assert events == [PlayerEvent("resumed", 0, START + 45.5, START + 45.5, 3000)]
    after = [player.deadline(i) for i in range(1, len(SHORT_TIMELINE.phases))]
    assert after == pytest.approx([d + 42.5 for d in before], abs=1e-9)
    assert player.countdown(START + 45.5) == 7
    assert player.tick(START + 52.4) == []
    assert player.tick(START + 52.5)[0].due == pytest.approx(START + 52.5)


def test_whole_session_lasts_longer_by_the_total_paused_time() -> None:
    player = started()
    player.pause(START + 3)
    player.resume(START + 8)
    player.tick(START + 20)
    player.pause(START + 40)
    player.resume(START + 100)

    events = play_to_end(player, START + 100)

    assert events[-1].kind == "completed"
    assert events[-1].due == pytest.approx(START + 118 + 5 + 60, abs=1e-6)


def test_space_toggles_between_pause_and_resume() -> None:
    player = started()

    assert kinds(player.toggle_pause(START + 1)) == ["paused"]
    assert kinds(player.toggle_pause(START + 2)) == ["resumed"]
    assert player.state == "playing"


def test_resume_while_playing_does_nothing() -> None:
    player = started()

    assert player.resume(START + 1) == []
    assert player.deadline(1) == START + 10


# --- skip ---------------------------------------------------------------------------


def test_skip_goes_to_the_next_phase_at_once() -> None:
    player = started()

    events = player.skip(START + 4)

    assert events == [
        PlayerEvent("skipped", 0, START + 4, START + 4, 4000),
        PlayerEvent("phase", 1, START + 4, START + 4, 10_000),
    ]
    assert player.countdown(START + 4) == 15
    assert player.deadline(2) == START + 4 + 15


def test_skip_while_paused_moves_on_and_stays_paused() -> None:
    player = started()
    player.pause(START + 4)

    events = player.skip(START + 20)

    assert kinds(events) == ["skipped", "phase"]
    assert player.state == "paused"
    assert player.index == 1
    assert player.position_ms(START + 30) == 10_000
    assert player.countdown(START + 30) == 15
    player.resume(START + 30)
    assert player.deadline(2) == pytest.approx(START + 30 + 15)


def test_skip_into_done_completes() -> None:
    player = started()
    last = len(SHORT_TIMELINE.phases) - 1
    for _ in range(last - 1):
        player.skip(START + 1)
    assert player.phase.kind == "release"

    events = player.skip(START + 2)

    assert kinds(events) == ["skipped", "phase", "completed"]
    assert events[1].phase == last
    assert player.outcome == "completed"
    assert player.ended


def test_skip_into_done_while_paused_completes() -> None:
    player = started()
    for _ in range(len(SHORT_TIMELINE.phases) - 2):
        player.skip(START + 1)
    player.pause(START + 2)

    events = player.skip(START + 3)

    assert kinds(events) == ["skipped", "phase", "completed"]
    assert player.outcome == "completed"


# --- pain stop and quit -------------------------------------------------------------

PHASE_KINDS = ["prepare", "hold", "release", "switch", "rest"]


def player_in_middle_of(kind: str, paused: bool) -> tuple[Player, float]:
    """A player halfway through the first phase of ``kind`` (paused there if asked)."""
    player = started()
    phase = SHORT_TIMELINE.phases[first_index(kind)]
    now = START + (phase.start_ms + phase.duration_ms / 2) / 1000
    player.tick(now)
    assert player.phase == phase
    if paused:
        player.pause(now)
        now += 30
    return player, now


@pytest.mark.parametrize("paused", [False, True], ids=["playing", "paused"])
@pytest.mark.parametrize("kind", PHASE_KINDS)
def test_pain_stop_ends_session_at_once(kind: str, paused: bool) -> None:
    player, now = player_in_middle_of(kind, paused)
    index = player.index

    events = player.pain_stop(now)

    assert len(events) == 1
    assert events[0].kind == "pain_stop"
    assert (events[0].phase, events[0].due, events[0].at) == (index, now, now)
    assert player.ended
    assert player.outcome == "pain_stop"
    assert player.next_wake(now) is None
    assert player.tick(now + 1000) == []


@pytest.mark.parametrize("paused", [False, True], ids=["playing", "paused"])
@pytest.mark.parametrize("kind", PHASE_KINDS)
def test_quit_ends_session_at_once(kind: str, paused: bool) -> None:
    player, now = player_in_middle_of(kind, paused)
    index = player.index

    events = player.quit(now)

    assert [(e.kind, e.phase, e.at) for e in events] == [("quit", index, now)]
    assert player.ended
    assert player.outcome == "quit"
    assert player.tick(now + 1000) == []


def test_pain_stop_at_the_first_instant_ends_session() -> None:
    player = started()

    assert kinds(player.pain_stop(START)) == ["pain_stop"]
    assert player.outcome == "pain_stop"


def test_pain_stop_keeps_the_position_where_it_happened() -> None:
    player = started()
    player.tick(START + 12)

    event = player.pain_stop(START + 12.5)[0]

    assert event.position_ms == 12_500
    assert player.position_ms(START + 500) == 12_500


def test_pain_stop_after_a_stalled_loop_names_the_phase_the_person_was_in() -> None:
    player = started()  # nothing ticks for 12 s: a slow terminal held the loop

    events = player.pain_stop(START + 12)

    assert kinds(events) == ["phase", "pain_stop"]
    assert events[0].phase == first_index("hold")
    assert events[0].due == START + 10
    assert events[1].phase == first_index("hold")
    assert SHORT_TIMELINE.phases[events[1].phase].side == "left"


def test_pain_stop_after_the_planned_end_is_still_a_pain_stop() -> None:
    player = started()

    events = player.pain_stop(START + 10_000)

    assert kinds(events)[-1] == "pain_stop"
    assert "completed" not in kinds(events)
    assert player.outcome == "pain_stop"
    assert events[-1].phase == len(SHORT_TIMELINE.phases) - 2


def test_skip_to_the_end_while_paused_never_reports_more_than_the_routine() -> None:
    player = started()
    player.tick(START + 20)
    player.pause(START + 20)
    for _ in range(len(SHORT_TIMELINE.phases)):
        player.skip(START + 200)

    assert player.outcome == "completed"
    assert player.position_ms(START + 500) == SHORT_TIMELINE.total_ms


def ended_by(how: str) -> Player:
    player = started()
    if how == "completed":
        player.tick(START + 1000)
    elif how == "pain_stop":
        player.pain_stop(START + 12)
    else:
        player.quit(START + 12)
    assert player.outcome == how
    return player


@pytest.mark.parametrize("how", ["completed", "pain_stop", "quit"])
@pytest.mark.parametrize(
    "action", ["start", "tick", "pause", "resume", "toggle_pause", "skip", "pain_stop", "quit"]
)
def test_inputs_after_the_end_do_nothing(how: str, action: str) -> None:
    player = ended_by(how)
    index = player.index

    assert getattr(player, action)(START + 2000) == []
    assert player.outcome == how
    assert player.index == index
    assert player.ended


# --- countdown and wake-ups ---------------------------------------------------------


@pytest.mark.parametrize(
    ("seconds_into_hold", "shown"),
    [
        (0.0, 15),
        (0.001, 15),
        (0.999, 15),
        (1.0, 14),
        (1.001, 14),
        (7.5, 8),
        (13.999, 2),
        (14.0, 1),
        (14.999, 1),
    ],
)
def test_countdown_shows_whole_seconds_rounding_up(seconds_into_hold: float, shown: int) -> None:
    player = started()
    player.tick(START + 10)  # the 15 s hold starts

    assert player.countdown(START + 10 + seconds_into_hold) == shown


def test_countdown_runs_15_down_to_1_over_a_15_second_hold() -> None:
    player = started()
    player.tick(START + 10)

    shown = [player.countdown(START + 10 + s + 0.5) for s in range(15)]

    assert shown == list(range(15, 0, -1))


@pytest.mark.parametrize(
    ("now", "wake"),
    [
        (START, START + 1),  # prepare: 10 shown, 9 at the next second
        (START + 0.3, START + 1),
        (START + 8.999, START + 9),
        (START + 9.2, START + 10),  # last second: the next phase deadline
        (START + 10, START + 11),
        (START + 24.5, START + 25),
    ],
)
def test_next_wake_is_the_next_whole_second_or_phase_deadline(now: float, wake: float) -> None:
    player = started()
    player.tick(now)

    assert player.next_wake(now) == pytest.approx(wake, abs=1e-9)


def test_next_wake_counts_seconds_of_the_timeline_at_speed() -> None:
    player = started(speed=4)

    assert player.next_wake(START) == pytest.approx(START + 0.25)
    assert player.next_wake(START + 2.3) == pytest.approx(START + 2.5)


def test_next_wake_is_none_when_paused_or_ended() -> None:
    player = started()
    player.pause(START + 1)
    assert player.next_wake(START + 1) is None

    player.pain_stop(START + 2)
    assert player.next_wake(START + 2) is None


def test_next_wake_is_always_later_than_now_on_a_large_clock() -> None:
    # time.monotonic() is seconds since boot: about 1e6 after twelve days.
    player = Player(TEN_MINUTE_TIMELINE, speed=20)
    now = 1_048_545.0
    player.start(now)
    while not player.ended:
        wake = player.next_wake(now)
        assert wake is not None
        assert wake > now, f"asked to wake at {wake!r} when it is already {now!r}"
        now = wake
        player.tick(now)


def test_waking_at_every_next_wake_shows_each_second_once() -> None:
    player = started()
    now = START
    shown = [player.countdown(now)]
    while player.index == 0:
        wake = player.next_wake(now)
        assert wake is not None
        now = wake
        player.tick(now)
        shown.append(player.countdown(now))

    assert shown == [10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 15]


# --- speed --------------------------------------------------------------------------


@pytest.mark.parametrize("speed", [0.5, 1, 2, 20, 500])
def test_speed_n_makes_the_whole_session_last_total_over_n(speed: float) -> None:
    player = started(speed=speed)

    events = [*play_to_end(player, START)]

    completed = events[-1]
    assert completed.kind == "completed"
    assert completed.due == pytest.approx(START + 118 / speed, abs=1e-6)
    for event in events:
        if event.kind == "phase":
            start_s = SHORT_TIMELINE.phases[event.phase].start_ms / 1000
            assert event.due == pytest.approx(START + start_s / speed, abs=1e-6)


@pytest.mark.parametrize("speed", [0, -1, math.inf, math.nan])
def test_speed_must_be_a_positive_number(speed: float) -> None:
    with pytest.raises(ValueError, match="speed must be a positive number"):
        Player(SHORT_TIMELINE, speed=speed)


# --- the schedule never drifts ------------------------------------------------------


def test_ten_minute_routine_lasts_about_ten_minutes() -> None:
    assert 540_000 <= TEN_MINUTE_TIMELINE.total_ms <= 660_000
    assert {p.kind for p in TEN_MINUTE_TIMELINE.phases} == {
        "prepare",
        "hold",
        "release",
        "switch",
        "rest",
        "done",
    }


@settings(max_examples=200, deadline=None)
@given(
    start=st.floats(min_value=0, max_value=1e7),
    speed=st.sampled_from([1.0, 1.5, 4.0, 20.0]),
    pauses=st.lists(
        st.tuples(
            st.floats(min_value=0, max_value=1, exclude_max=True),  # where, as a share of play
            st.floats(min_value=0.01, max_value=300),  # how long, in seconds
        ),
        max_size=8,
    ),
    lateness=st.lists(st.floats(min_value=0, max_value=2), min_size=1, max_size=50),
)
def test_pauses_and_late_ticks_never_drift_the_schedule(
    start: float, speed: float, pauses: list[tuple[float, float]], lateness: list[float]
) -> None:
    timeline = TEN_MINUTE_TIMELINE
    play_s = timeline.total_ms / 1000 / speed
    boundaries = [p.start_ms / 1000 / speed for p in timeline.phases]

    def off_deadlines(at: float) -> float:
        # A pause right on a deadline may fall either side of it; keep the test exact.
        near = [b for b in boundaries if abs(at - b) <= 0.001]
        if not near:
            return at
        return near[0] - 0.01 if near[0] == boundaries[-1] else near[0] + 0.01

    plan = sorted((off_deadlines(share * play_s), length) for share, length in pauses)

    player = Player(timeline, speed=speed)
    events = player.start(start)
    now = start
    paused_total = 0.0
    pending = list(plan)
    for step in range(10_000):
        if player.ended:
            break
        wake = player.next_wake(now)
        assert wake is not None
        # Never tick twice at the same moment (see the large-clock next_wake test).
        tick_at = max(wake, now + 0.001) + lateness[step % len(lateness)]
        if pending and start + pending[0][0] + paused_total <= tick_at:
            at, length = pending.pop(0)
            pause_at = start + at + paused_total
            events += player.pause(pause_at)
            events += player.resume(pause_at + length)
            paused_total += length
            now = pause_at + length
            continue
        now = tick_at
        events += player.tick(now)
    assert player.ended, "the session never ended"
    assert not pending

    def paused_before(play_at: float) -> float:
        return sum(length for at, length in plan if at < play_at)

    phase_events = [e for e in events if e.kind == "phase"]
    assert [e.phase for e in phase_events] == list(range(len(timeline.phases)))
    for event, boundary in zip(phase_events, boundaries, strict=True):
        assert event.due == pytest.approx(start + boundary + paused_before(boundary), abs=0.001)
        assert event.at >= event.due - 1e-9
    completed = events[-1]
    assert completed.kind == "completed"
    assert completed.due == pytest.approx(start + play_s + paused_total, abs=0.001)
    assert kinds(events).count("completed") == 1
