"""Routine to timeline: the one place where the timing rules of a session live.

A timeline is a flat list of contiguous phases (get ready, hold, release, switch
side, rest, done), each with its exact start offset and duration in milliseconds and
the words to say. Every player, in the terminal or the browser, plays this list and
has no timing rules of its own. Pure: no I/O, no clock.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

from easeback.content.models import Direction, Library, Routine, Side, Step, Stretch

PhaseKind = Literal["prepare", "hold", "release", "switch", "rest", "done"]
PHASE_KINDS: tuple[PhaseKind, ...] = ("prepare", "hold", "release", "switch", "rest", "done")

SIDE_WORDS = {"left": "the left side", "right": "the right side", "both": "both together"}
DIRECTION_WORDS = {"feet": "towards the feet", "head": "towards the head"}


@dataclass(frozen=True)
class Phase:
    """One stretch of time in a session, in the JSON contract's shape."""

    kind: PhaseKind
    stretch: str | None
    side: Side | None
    direction: Direction | None
    rep: int | None
    reps: int | None
    start_ms: int
    duration_ms: int
    say: str

    @property
    def end_ms(self) -> int:
        return self.start_ms + self.duration_ms


@dataclass(frozen=True)
class Timeline:
    """A routine laid out in time; ``phases`` are contiguous and end with 'done'."""

    routine: str
    phases: tuple[Phase, ...]

    @property
    def total_ms(self) -> int:
        return self.phases[-1].end_ms

    def to_json(self) -> dict[str, Any]:
        return {
            "routine": self.routine,
            "total_ms": self.total_ms,
            "phases": [asdict(p) for p in self.phases],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Timeline:
        """The timeline a session stored (``to_json``'s shape)."""
        return cls(routine=data["routine"], phases=tuple(Phase(**p) for p in data["phases"]))


@dataclass(frozen=True)
class _Hold:
    stretch: Stretch
    step: Step
    rep: int
    reps: int


def build_timeline(routine: Routine, library: Library) -> Timeline:
    """Lay out a routine: get ready, then every hold with its release or side switch,
    a rest between stretches, and a final zero-length 'done'."""
    phases: list[Phase] = []

    def add(kind: PhaseKind, seconds: int, say: str, hold: _Hold | None = None) -> None:
        start = phases[-1].end_ms if phases else 0
        phases.append(
            Phase(
                kind=kind,
                stretch=hold.stretch.id if hold else None,
                side=hold.step.side if hold else None,
                direction=hold.step.direction if hold else None,
                rep=hold.rep if hold else None,
                reps=hold.reps if hold else None,
                start_ms=start,
                duration_ms=seconds * 1000,
                say=say,
            )
        )

    for position, dose in enumerate(routine.stretches):
        stretch = library.get(dose.id)
        if stretch is None:  # a Routine validated against this library cannot get here
            raise ValueError(f"unknown stretch {dose.id!r}")
        reps = dose.repetitions(stretch)
        steps = dose.steps(stretch)
        holds = [_Hold(stretch, step, rep, reps) for rep in range(1, reps + 1) for step in steps]
        if position > 0 and routine.rest_s > 0:
            add("rest", routine.rest_s, f"Rest and breathe easily. Next: {stretch.name.lower()}.")
        first = holds[0]
        prepare = first.stretch.get_ready
        if first.step.side in ("left", "right"):
            prepare += f" {first.step.side.capitalize()} side first."
        add("prepare", routine.prepare_s, prepare, first)
        for index, hold in enumerate(holds):
            add("hold", dose.hold_s, hold.step.hold, hold)
            following = holds[index + 1] if index + 1 < len(holds) else None
            if following is not None and _changes_side(hold.step, following.step):
                side = following.step.side or ""
                add(
                    "switch",
                    routine.switch_s,
                    f"{hold.step.release} Next: {SIDE_WORDS.get(side, side)}.",
                    following,
                )
            else:
                add("release", routine.release_s, hold.step.release, hold)
    add("done", 0, "That is the whole routine. Well done; take a moment before you get up.")
    return Timeline(routine=routine.name, phases=tuple(phases))


def _changes_side(current: Step, following: Step) -> bool:
    return (
        current.side is not None and following.side is not None and current.side != following.side
    )
