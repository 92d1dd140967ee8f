"""Plays a timeline on a clock the caller supplies.

The player is a pure state machine: every method takes ``now`` (seconds on a
monotonic clock) and returns the events it caused. It keeps one ``origin``, the clock
time at which timeline offset 0 was (or would have been) played, and derives every
deadline from it, so a late tick, a slow terminal or a long pause never drifts the
schedule: phase *i* always starts at ``origin + start_ms / speed``. Pausing moves the
origin forward by the paused time; skipping moves it so the next phase starts now.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from easeback.core.timeline import Phase, Timeline

# The fastest a session may be played (1 is real time; faster is a rehearsal).
MAX_SPEED = 500.0

EventKind = Literal[
    "started", "phase", "paused", "resumed", "skipped", "pain_stop", "completed", "quit"
]
State = Literal["ready", "playing", "paused", "ended"]
Outcome = Literal["completed", "pain_stop", "quit"]


@dataclass(frozen=True)
class PlayerEvent:
    """Something that happened in a session.

    ``due`` is when it should have happened on the clock (a phase's deadline), ``at``
    when the player handled it; for inputs the two are the same. ``position_ms`` is
    where in the timeline it happened.
    """

    kind: EventKind
    phase: int
    due: float
    at: float
    position_ms: int


class Player:
    """Plays one timeline once. Inputs: start, tick, pause, resume, skip, pain_stop, quit."""

    def __init__(self, timeline: Timeline, speed: float = 1.0) -> None:
        if not speed > 0 or math.isinf(speed):
            raise ValueError("speed must be a positive number")
        self.timeline = timeline
        self.speed = speed
        self.state: State = "ready"
        self.outcome: Outcome | None = None
        self.index = 0
        self.started_at: float | None = None
        self._origin = 0.0
        self._paused_at: float | None = None
        self._ended_at = 0.0

    # --- reading the schedule -------------------------------------------------
    @property
    def ended(self) -> bool:
        return self.state == "ended"

    @property
    def phase(self) -> Phase:
        return self.timeline.phases[self.index]

    @property
    def next_phase(self) -> Phase | None:
        phases = self.timeline.phases
        return phases[self.index + 1] if self.index + 1 < len(phases) else None

    def deadline(self, index: int) -> float:
        """Clock time at which phase ``index`` starts, given pauses and skips so far."""
        return self._origin + self.timeline.phases[index].start_ms / 1000 / self.speed

    def position_ms(self, now: float) -> int:
        """Where in the timeline the session is at ``now`` (frozen while paused)."""
        if self.state == "ready":
            return 0
        ref = self._paused_at if self._paused_at is not None else now
        if self.state == "ended" and self._paused_at is None:
            ref = min(now, self._ended_at)
        # A microsecond of slack absorbs float error in clock arithmetic (which grows
        # with the clock's magnitude), so a deadline reached exactly reads as reached.
        position = math.floor((ref - self._origin) * self.speed * 1000 + 1e-3)
        return min(self.timeline.total_ms, max(0, position))

    def remaining_ms(self, now: float) -> int:
        """Timeline milliseconds left in the current phase."""
        return max(0, self.phase.end_ms - self.position_ms(now))

    def countdown(self, now: float) -> int:
        """Whole seconds shown on a countdown: 15, 14, ... 1 (rounded up)."""
        return math.ceil(self.remaining_ms(now) / 1000)

    def next_wake(self, now: float) -> float | None:
        """The next clock time at which something visible changes: the next phase
        deadline or the next whole second of the countdown. None when paused or ended."""
        if self.state != "playing":
            return None
        nxt = self.next_phase
        if nxt is None:
            return None
        shown = self.countdown(now)
        if shown > 1:
            tick_pos = self.phase.end_ms - (shown - 1) * 1000
            return min(self.deadline(self.index + 1), self._clock_at(tick_pos))
        return self.deadline(self.index + 1)

    def _clock_at(self, position_ms: int) -> float:
        return self._origin + position_ms / 1000 / self.speed

    # --- inputs ---------------------------------------------------------------
    def start(self, now: float) -> list[PlayerEvent]:
        if self.state != "ready":
            return []
        self.state = "playing"
        self.started_at = now
        self._origin = now
        events = [PlayerEvent("started", 0, now, now, 0), PlayerEvent("phase", 0, now, now, 0)]
        return events + self._arrive(now)

    def tick(self, now: float) -> list[PlayerEvent]:
        """Advance to where the clock says the session is; emits every phase passed."""
        if self.state != "playing":
            return []
        return self._arrive(now)

    def pause(self, now: float) -> list[PlayerEvent]:
        if self.state != "playing":
            return []
        events = self._arrive(now)
        if self.state != "playing":
            return events
        self.state = "paused"
        self._paused_at = now
        return [*events, self._event("paused", now)]

    def resume(self, now: float) -> list[PlayerEvent]:
        if self.state != "paused" or self._paused_at is None:
            return []
        self._origin += now - self._paused_at
        self._paused_at = None
        self.state = "playing"
        return [self._event("resumed", now)]

    def toggle_pause(self, now: float) -> list[PlayerEvent]:
        return self.resume(now) if self.state == "paused" else self.pause(now)

    def skip(self, now: float) -> list[PlayerEvent]:
        """Move straight to the start of the next phase (paused stays paused)."""
        if self.state not in ("playing", "paused"):
            return []
        events = self._arrive(now) if self.state == "playing" else []
        nxt = self.next_phase
        if self.ended or nxt is None:
            return events
        events.append(self._event("skipped", now))
        ref = self._paused_at if self._paused_at is not None else now
        self._origin = ref - nxt.start_ms / 1000 / self.speed
        self.index += 1
        events.append(PlayerEvent("phase", self.index, now, now, nxt.start_ms))
        if self.next_phase is None:
            events.extend(self._finish(self.deadline(self.index), now))
        return events

    def pain_stop(self, now: float) -> list[PlayerEvent]:
        """End the session at once because it hurts; works from every moment."""
        return self._stop("pain_stop", now)

    def quit(self, now: float) -> list[PlayerEvent]:
        return self._stop("quit", now)

    # --- internals ------------------------------------------------------------
    def _stop(self, kind: Literal["pain_stop", "quit"], now: float) -> list[PlayerEvent]:
        if self.state not in ("playing", "paused"):
            return []
        # Catch up first (a slow terminal may have held the loop), so the stop is
        # recorded against the phase the person was really in; never past the last one.
        events = self._arrive(now, finish=False) if self.state == "playing" else []
        events.append(self._event(kind, now))
        self.state = "ended"
        self.outcome = kind
        self._ended_at = now
        return events

    def _event(self, kind: EventKind, now: float) -> PlayerEvent:
        return PlayerEvent(kind, self.index, now, now, self.position_ms(now))

    def _arrive(self, now: float, *, finish: bool = True) -> list[PlayerEvent]:
        """Emit every phase whose deadline has passed; with ``finish`` False, stop short
        of the final 'done' phase (used when the session ends another way)."""
        events: list[PlayerEvent] = []
        phases = self.timeline.phases
        last = len(phases) if finish else len(phases) - 1
        while self.index + 1 < last and self.deadline(self.index + 1) <= now:
            self.index += 1
            due = self.deadline(self.index)
            events.append(PlayerEvent("phase", self.index, due, now, phases[self.index].start_ms))
        if self.index + 1 == len(phases) and self.state == "playing":
            events.extend(self._finish(self.deadline(self.index), now))
        return events

    def _finish(self, due: float, now: float) -> list[PlayerEvent]:
        self.state = "ended"
        self.outcome = "completed"
        self._paused_at = None
        self._ended_at = due
        return [PlayerEvent("completed", self.index, due, now, self.timeline.total_ms)]
