"""Which picture a player shows in each phase of a timeline, and how it moves.

Pure, from the timeline alone: getting ready and switching sides show the coming
step moving from its start to its hold and back (what is about to happen, and with
which limb); a hold moves from the start to the hold, then stays; a release moves
back to the start; a rest shows where the next stretch starts, still.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from easeback.core.timeline import Phase, Timeline

Motion = Literal["show", "hold", "release", "still"]
MOTIONS: dict[str, Motion] = {
    "prepare": "show",
    "switch": "show",
    "hold": "hold",
    "release": "release",
}


@dataclass(frozen=True)
class PhasePicture:
    """A step's moving picture by name (``<stretch>/<step>-move``) and its motion."""

    name: str
    motion: Motion


def _step_key(phase: Phase) -> str:
    return phase.side or phase.direction or ""


def _hold_near(timeline: Timeline, index: int, kind: str) -> Phase | None:
    """The hold this phase belongs to: the one it ends (a release) or the next one."""
    phases = timeline.phases
    if kind == "release":
        earlier = (p for p in reversed(phases[:index]) if p.kind == "hold")
        return next(earlier, None)
    return next((p for p in phases[index:] if p.kind == "hold"), None)


def phase_picture(timeline: Timeline, index: int) -> PhasePicture | None:
    """The picture for the phase at ``index``; None when there is no step to show."""
    phase = timeline.phases[index]
    if phase.kind == "done":
        return None
    hold = _hold_near(timeline, index, phase.kind)
    if hold is None or hold.stretch is None:
        return None
    motion = MOTIONS.get(phase.kind, "still")
    return PhasePicture(f"{hold.stretch}/{_step_key(hold)}-move", motion)
