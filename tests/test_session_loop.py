"""The terminal session loop on a fake clock, with keys pressed at chosen moments."""

from __future__ import annotations

import time

import pytest

from conftest import FakeClock, ScriptedKeys
from easeback.content.library import load_library, load_routine, parse_routine
from easeback.core.player import Player, PlayerEvent
from easeback.core.timeline import Timeline, build_timeline
from easeback.terminal.keys import KeySource
from easeback.terminal.session import play

# Phases: 0 prepare 0-10 s, 1 hold left 10-20, 2 switch 20-25, 3 hold right 25-35,
# 4 release 35-39, 5 done at 39 s.
ROTATION = """
name = "rotation"
prepare_s = 10
release_s = 4
switch_s = 5

[[stretches]]
id = "lower-back-rotation"
hold_s = 10
"""
ROTATION_TIMELINE = build_timeline(parse_routine(ROTATION, "<test>"), load_library())
START = 1000.0  # the FakeClock's first reading


class Session:
    """What one played session left behind: recorded events, screens, phase cues."""

    def __init__(self) -> None:
        self.events: list[PlayerEvent] = []
        self.shown: list[float] = []
        self.cued: list[int] = []

    @property
    def kinds(self) -> list[str]:
        return [e.kind for e in self.events]

    def last(self) -> PlayerEvent:
        return self.events[-1]


@pytest.fixture(autouse=True)
def no_sleeping(monkeypatch: pytest.MonkeyPatch) -> None:
    def sleep(seconds: float) -> None:
        raise AssertionError(f"the session loop slept for {seconds} s")

    monkeypatch.setattr(time, "sleep", sleep)


def run(
    clock: FakeClock,
    keys: KeySource,
    timeline: Timeline = ROTATION_TIMELINE,
    speed: float = 1.0,
) -> tuple[Player, Session]:
    player = Player(timeline, speed=speed)
    session = Session()
    play(
        player,
        keys=keys,
        now=clock.now,
        record=session.events.append,
        show=lambda p, now: session.shown.append(now),
        on_phase=lambda p: session.cued.append(p.index),
    )
    return player, session


def test_rotation_timeline_has_the_layout_these_tests_rely_on() -> None:
    assert [(p.kind, p.start_ms) for p in ROTATION_TIMELINE.phases] == [
        ("prepare", 0),
        ("hold", 10_000),
        ("switch", 20_000),
        ("hold", 25_000),
        ("release", 35_000),
        ("done", 39_000),
    ]


def test_full_routine_completes_with_one_phase_event_per_phase_in_order(
    clock: FakeClock,
) -> None:
    timeline = build_timeline(load_routine("default"), load_library())

    player, session = run(clock, ScriptedKeys(clock, []), timeline)

    phases = [e for e in session.events if e.kind == "phase"]
    assert [e.phase for e in phases] == list(range(len(timeline.phases)))
    assert [e.due for e in phases] == pytest.approx(
        [START + p.start_ms / 1000 for p in timeline.phases]
    )
    assert session.kinds[0] == "started"
    assert session.last().kind == "completed"
    assert session.last().due == pytest.approx(START + timeline.total_ms / 1000)
    assert clock.t == pytest.approx(START + timeline.total_ms / 1000)
    assert player.outcome == "completed"


def test_screen_is_redrawn_every_second_and_once_more_at_the_end(clock: FakeClock) -> None:
    _, session = run(clock, ScriptedKeys(clock, []))

    assert [round(t - START, 6) for t in session.shown] == [float(s) for s in range(40)]


def test_on_phase_is_called_at_each_phase_change(clock: FakeClock) -> None:
    _, session = run(clock, ScriptedKeys(clock, []))

    assert session.cued == [0, 1, 2, 3, 4, 5]


def test_space_pauses_and_space_again_resumes(clock: FakeClock) -> None:
    keys = ScriptedKeys(clock, [(START + 3, " "), (START + 20, " ")])

    player, session = run(clock, keys)

    assert session.kinds[2:4] == ["paused", "resumed"]
    paused, resumed = session.events[2:4]
    assert (paused.at, paused.position_ms) == (START + 3, 3000)
    assert (resumed.at, resumed.position_ms) == (START + 20, 3000)
    assert session.last().kind == "completed"
    assert session.last().due == pytest.approx(START + 39 + 17)
    assert player.outcome == "completed"


def test_nothing_moves_on_while_paused(clock: FakeClock) -> None:
    keys = ScriptedKeys(clock, [(START + 3, " "), (START + 500, " ")])

    _, session = run(clock, keys)

    resumed = session.kinds.index("resumed")
    assert session.kinds[:resumed] == ["started", "phase", "paused"]


@pytest.mark.parametrize("key", ["n", "N"])
def test_n_skips_to_the_next_phase_at_once(clock: FakeClock, key: str) -> None:
    keys = ScriptedKeys(clock, [(START + 4, key)])

    _, session = run(clock, keys)

    assert session.kinds[2:4] == ["skipped", "phase"]
    assert (session.events[3].phase, session.events[3].at) == (1, START + 4)
    assert session.cued[:2] == [0, 1]
    assert session.last().due == pytest.approx(START + 39 - 6)


@pytest.mark.parametrize("key", ["q", "Q"])
def test_q_quits(clock: FakeClock, key: str) -> None:
    keys = ScriptedKeys(clock, [(START + 12, key)])

    player, session = run(clock, keys)

    assert session.kinds == ["started", "phase", "phase", "quit"]
    assert (session.last().phase, session.last().at) == (1, START + 12)
    assert player.outcome == "quit"
    assert clock.t == START + 12


@pytest.mark.parametrize("key", ["p", "P", "\x1b"], ids=["p", "P", "Escape"])
def test_pain_key_stops_the_session_at_once(clock: FakeClock, key: str) -> None:
    keys = ScriptedKeys(clock, [(START + 12.25, key)])

    player, session = run(clock, keys)

    assert session.kinds == ["started", "phase", "phase", "pain_stop"]
    assert session.last().at == START + 12.25
    assert session.last().position_ms == 12_250
    assert player.outcome == "pain_stop"
    assert clock.t == START + 12.25


@pytest.mark.parametrize("key", ["p", "\x1b"], ids=["p", "Escape"])
def test_pain_key_stops_a_paused_session(clock: FakeClock, key: str) -> None:
    keys = ScriptedKeys(clock, [(START + 3, " "), (START + 60, key)])

    player, session = run(clock, keys)

    assert session.kinds == ["started", "phase", "paused", "pain_stop"]
    assert player.outcome == "pain_stop"


def test_other_keys_are_ignored(clock: FakeClock) -> None:
    keys = ScriptedKeys(clock, [(START + 2, "x"), (START + 5, "\n"), (START + 7, "1")])

    player, session = run(clock, keys)

    assert "skipped" not in session.kinds
    assert "paused" not in session.kinds
    assert player.outcome == "completed"
    assert session.last().due == pytest.approx(START + 39)


class InterruptedKeys:
    """Keys that raise KeyboardInterrupt (Ctrl-C) once the clock reaches ``at``."""

    def __init__(self, clock: FakeClock, at: float) -> None:
        self.clock = clock
        self.at = at

    def read(self, timeout: float | None) -> str | None:
        target = self.clock.t + (1e9 if timeout is None else timeout)
        if target >= self.at:
            self.clock.t = self.at
            raise KeyboardInterrupt
        self.clock.t = target
        return None


def test_ctrl_c_ends_the_session_as_quit_and_records_it(clock: FakeClock) -> None:
    player, session = run(clock, InterruptedKeys(clock, START + 15.5))

    assert session.kinds == ["started", "phase", "phase", "quit"]
    assert session.last().at == START + 15.5
    assert player.outcome == "quit"
    assert session.shown[-1] == START + 15.5


def test_late_wake_ups_still_end_at_the_planned_time(clock: FakeClock) -> None:
    keys = ScriptedKeys(clock, [], late=0.3)

    _, session = run(clock, keys)

    phases = [e for e in session.events if e.kind == "phase"]
    assert [e.phase for e in phases] == [0, 1, 2, 3, 4, 5]
    assert [e.due for e in phases] == pytest.approx(
        [START + p.start_ms / 1000 for p in ROTATION_TIMELINE.phases]
    )
    completed = session.last()
    assert completed.kind == "completed"
    assert completed.due == pytest.approx(START + 39)
    assert 0 < completed.at - completed.due <= 0.3 + 1e-9


def test_late_wake_ups_and_a_pause_still_end_on_time(clock: FakeClock) -> None:
    keys = ScriptedKeys(clock, [(START + 11.5, " "), (START + 41.5, " ")], late=0.3)

    _, session = run(clock, keys)

    paused = session.events[session.kinds.index("paused")]
    assert paused.at == START + 11.5
    assert session.last().kind == "completed"
    assert session.last().due == pytest.approx(START + 39 + 30)


def test_speed_plays_the_routine_faster(clock: FakeClock) -> None:
    _, session = run(clock, ScriptedKeys(clock, []), speed=20)

    assert session.last().kind == "completed"
    assert session.last().due == pytest.approx(START + 39 / 20)
    assert clock.t == pytest.approx(START + 39 / 20)
