"""Gentle progression: doses grow only after comfortable sessions, and step back after pain.

Pure, and a fold: ``advance(progress, outcome)`` takes the state after the previous
session and what happened in this one, and returns the new state and the changes
with their reasons. Replaying a whole history is a loop over ``advance``; the store
keeps the latest state so that nothing has to replay it to answer "what today?".

Each stretch climbs a ladder built from the seed's ranges in the library: first the
hold (knee press 15 to 20 s, chair twist 7 to 10 s), then the repetitions (pelvic
tilts 5 to 10, chair twists 2 to 3 per side), then the times a day (rotation 2 to 3).
A step up needs 3 clean sessions of that stretch in a row (completed, no pain stop,
pain after minus before under 2); a pain stop or a worsening takes one step back; no
step up while a pain follow-up is open. Going beyond the seed's ranges (towards
ACSM's 30 s holds) needs a clinician's prescription, which a later feature adds.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:  # only names here: `easeback today` reads doses without the library
    from easeback.content.models import Library, Stretch
    from easeback.core.timeline import Timeline

CLEAN_IN_A_ROW = 3
Field = Literal["hold_s", "reps", "times_per_day"]


@dataclass(frozen=True)
class Dose:
    """What one stretch is done at: hold, repetitions, and how often a day."""

    hold_s: int
    reps: int
    times_per_day: int


@dataclass(frozen=True)
class Ladder:
    """A stretch's doses from the gentlest to the most, one small step apart."""

    stretch: str
    name: str
    steps: tuple[Dose, ...]


def ladder_for(stretch: Stretch) -> Ladder:
    """Hold first (1 s at a time), then repetitions, then times a day, within the
    seed's ranges."""
    dose = Dose(stretch.hold_s.min, stretch.reps.min, stretch.times_per_day.min)
    steps = [dose]
    for hold in range(stretch.hold_s.min + 1, stretch.hold_s.max + 1):
        dose = replace(dose, hold_s=hold)
        steps.append(dose)
    for reps in range(stretch.reps.min + 1, stretch.reps.max + 1):
        dose = replace(dose, reps=reps)
        steps.append(dose)
    for times in range(stretch.times_per_day.min + 1, stretch.times_per_day.max + 1):
        dose = replace(dose, times_per_day=times)
        steps.append(dose)
    return Ladder(stretch.id, stretch.name, tuple(steps))


def ladders(library: Library) -> dict[str, Ladder]:
    return {s.id: ladder_for(s) for s in library.stretches}


@dataclass(frozen=True)
class Standing:
    """Where one stretch is: its step on the ladder and clean sessions since a change."""

    level: int = 0
    streak: int = 0


Progress = Mapping[str, Standing]


@dataclass(frozen=True)
class Outcome:
    """What one session means for progression.

    ``stretches``: the stretches that count towards a step up (every hold held to its
    end, at the dose in force or more). ``begun``: every stretch with a hold started.
    ``pain_stretch``: the stretch being done (or about to be) when a pain stop came.
    ``worsened``: pain rose 2+ points from before to after. ``follow_up_open``: a pain
    follow-up is still due.
    """

    at: datetime
    stretches: tuple[str, ...]
    completed: bool
    pain_stretch: str | None = None
    worsened: bool = False
    rehearsal: bool = False
    follow_up_open: bool = False
    begun: tuple[str, ...] = ()


@dataclass(frozen=True)
class Change:
    """One dose change, with the plain-words reason shown to the person."""

    at: datetime
    stretch: str
    field: Field
    old: int
    new: int
    direction: Literal["up", "down"]
    reason: str


def advance(
    progress: Progress, outcome: Outcome, ladder: Mapping[str, Ladder]
) -> tuple[dict[str, Standing], list[Change]]:
    """The state after one more session, and the changes it brings."""
    state = {sid: progress.get(sid, Standing()) for sid in ladder}
    if outcome.rehearsal:
        return state, []
    changes: list[Change] = []
    if outcome.worsened:
        hurt = tuple(
            dict.fromkeys(
                [*outcome.stretches, *outcome.begun, *filter(None, [outcome.pain_stretch])]
            )
        )
    else:
        hurt = (outcome.pain_stretch,) if outcome.pain_stretch is not None else ()
    why = "stopped for pain" if outcome.pain_stretch is not None else "pain rose afterwards"
    for sid in hurt:
        if sid in state:
            level = state[sid].level
            if level > 0:
                changes += _changes(outcome.at, ladder[sid], level, level - 1, why)
            state[sid] = Standing(max(0, level - 1), 0)
    clean = outcome.completed and not hurt
    # A session of a stretch that was begun but not cleanly finished breaks its run.
    for sid in dict.fromkeys((*outcome.stretches, *outcome.begun)):
        if sid not in state or sid in hurt:
            continue
        if sid not in outcome.stretches:
            state[sid] = replace(state[sid], streak=0)
            continue
        standing = state[sid]
        streak = standing.streak + 1 if clean else 0
        top = len(ladder[sid].steps) - 1
        if streak >= CLEAN_IN_A_ROW and standing.level < top and not outcome.follow_up_open:
            reason = f"{CLEAN_IN_A_ROW} comfortable sessions in a row"
            changes += _changes(outcome.at, ladder[sid], standing.level, standing.level + 1, reason)
            state[sid] = Standing(standing.level + 1, 0)
        else:
            state[sid] = Standing(standing.level, min(streak, CLEAN_IN_A_ROW))
    return state, changes


def stretches_done(timeline: Timeline, reached: set[int], skipped: set[int]) -> tuple[str, ...]:
    """Stretches whose every hold was held to its end (the phase after it was reached)
    and none skipped, in timeline order."""
    holds: dict[str, list[int]] = {}
    for index, phase in enumerate(timeline.phases):
        if phase.kind == "hold" and phase.stretch is not None:
            holds.setdefault(phase.stretch, []).append(index)
    return tuple(
        sid
        for sid, indices in holds.items()
        if all(i + 1 in reached and i not in skipped for i in indices)
    )


def session_outcome(
    timeline: Timeline,
    events: Sequence[Mapping[str, Any]],
    *,
    at: datetime,
    current: Mapping[str, Dose],
    worsened: bool,
    counts: bool = True,
    follow_up_open: bool = False,
) -> Outcome:
    """What a stored session means for progression.

    A stretch counts towards a step up only when every hold was held to its end at the
    dose in force or more (an easier routine, or a replay of a slot already done today
    with ``counts`` False, cannot push the doses up). A pain stop names the stretch
    being done; a session that ended any other way than completing is not clean.
    """
    reached = {e["phase_index"] for e in events if e["kind"] == "phase"}
    skipped = {e["phase_index"] for e in events if e["kind"] == "skipped"}
    kinds = {e["kind"] for e in events}
    pain = next((e["phase_index"] for e in events if e["kind"] == "pain_stop"), None)
    last = max(reached, default=0)
    played = _played_doses(timeline)
    done = tuple(
        sid
        for sid in stretches_done(timeline, reached, skipped)
        if counts and sid in current and played[sid] >= (current[sid].hold_s, current[sid].reps)
    )
    begun = tuple(
        dict.fromkeys(
            p.stretch
            for i, p in enumerate(timeline.phases)
            if p.kind == "hold" and p.stretch is not None and i in reached
        )
    )
    return Outcome(
        at=at,
        stretches=done,
        completed="completed" in kinds,
        pain_stretch=stretch_at(timeline, pain) if pain is not None else None,
        worsened=worsened,
        follow_up_open=follow_up_open,
        begun=begun or tuple(filter(None, [stretch_at(timeline, last)])),
    )


def _played_doses(timeline: Timeline) -> dict[str, tuple[int, int]]:
    """stretch -> (hold seconds, repetitions) as the timeline played them."""
    out: dict[str, tuple[int, int]] = {}
    for phase in timeline.phases:
        if phase.kind == "hold" and phase.stretch is not None:
            out[phase.stretch] = (phase.duration_ms // 1000, phase.reps or 1)
    return out


def stretch_at(timeline: Timeline, index: int) -> str | None:
    """The stretch being done at phase ``index``; during a rest, the one coming next."""
    for phase in (*timeline.phases[index:], *reversed(timeline.phases[:index])):
        if phase.stretch is not None:
            return phase.stretch
    return None


def doses(progress: Progress, ladder: Mapping[str, Ladder]) -> dict[str, Dose]:
    """The dose each stretch is at now."""
    out = {}
    for sid, rungs in ladder.items():
        level = min(progress.get(sid, Standing()).level, len(rungs.steps) - 1)
        out[sid] = rungs.steps[level]
    return out


FIELD_WORDS = {"hold_s": "hold", "reps": "repetitions", "times_per_day": "times a day"}
UNITS = {"hold_s": " s", "reps": "", "times_per_day": ""}


def _changes(
    at: datetime, ladder: Ladder, old_level: int, new_level: int, why: str
) -> list[Change]:
    old, new = ladder.steps[old_level], ladder.steps[new_level]
    out = []
    for name in ("hold_s", "reps", "times_per_day"):
        before, after = getattr(old, name), getattr(new, name)
        if before != after:
            direction: Literal["up", "down"] = "up" if after > before else "down"
            words = f"{ladder.name.lower()} {FIELD_WORDS[name]} now {after}{UNITS[name]}"
            back = "" if direction == "up" else ", one step back"
            out.append(
                Change(at, ladder.stretch, name, before, after, direction, f"{why}: {words}{back}")
            )
    return out
