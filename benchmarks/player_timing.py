"""How late the real session loop turns each phase, on the real monotonic clock, and
how soon after its cue each event is saved.

The built-in "default" routine (5:15) is played at a rehearsal speed through
``easeback.terminal.session.play`` with ``NoKeys``, which sleeps until the next
deadline: the loop, the clock and the waiting are the ones ``easeback start`` uses
when its output is not a keyboard. Lateness is ``at - due`` of every phase change.
With the store, events go through the session writer as in ``easeback start``: the
loop only hands them over, and "saved after shown" is the time from the hand-over
(right after the cue) to the commit that holds the event.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine

from easeback.content.library import load_library, load_routine
from easeback.core.player import Player, PlayerEvent
from easeback.core.timeline import build_timeline
from easeback.store import open_store
from easeback.store.faults import Fault
from easeback.store.journal import Journal
from easeback.store.records import Record
from easeback.store.sessions import SessionLog, new_session_id, session_events
from easeback.store.writer import SessionWriter
from easeback.terminal.keys import NoKeys
from easeback.terminal.session import play
from easeback.usecases.clock import local_zone, wall_now
from figures import Figure, median, percentile

ROUTINE = "default"
P99_TARGET_MS = 10.0
END_TARGET_MS = 20.0
SAVED_TARGET_MS = 50.0  # the README's promise: saved within this of being shown
SYNCHRONOUS_FULL = 2  # what PRAGMA synchronous reports for FULL


class TimedNoKeys:
    """``NoKeys`` itself, plus a count of wake-ups and how far each sleep overshot."""

    def __init__(self) -> None:
        self.inner = NoKeys()
        self.overshoot_ms: list[float] = []

    def read(self, timeout: float | None) -> str | None:
        begin = time.monotonic()
        key = self.inner.read(timeout)
        if timeout is not None:
            self.overshoot_ms.append((time.monotonic() - begin - timeout) * 1000)
        return key


@dataclass
class TimingResult:
    variant: str
    speed: float
    planned_s: float
    lateness_ms: list[float]
    end_error_ms: float
    overshoot_ms: list[float]
    append_ms: list[float] = field(default_factory=list)
    saved_ms: list[float] = field(default_factory=list)
    store_pragmas: dict[str, str] = field(default_factory=dict)

    def figures(self) -> list[Figure]:
        group = f"player {self.variant}, speed {self.speed:g} ({self.planned_s:.1f} s)"
        p99 = percentile(self.lateness_ms, 99)
        figures = [
            Figure(group, "phase changes", len(self.lateness_ms), ""),
            Figure(group, "lateness p50", median(self.lateness_ms), "ms"),
            Figure(
                group, "lateness p99", p99, "ms", f"< {P99_TARGET_MS:g} ms", p99 < P99_TARGET_MS
            ),
            Figure(group, "lateness max", max(self.lateness_ms), "ms"),
            Figure(
                group,
                "session end error",
                self.end_error_ms,
                "ms",
                f"within {END_TARGET_MS:g} ms",
                abs(self.end_error_ms) <= END_TARGET_MS,
            ),
            Figure(group, "wake-ups", len(self.overshoot_ms), ""),
            Figure(group, "sleep overshoot p99", percentile(self.overshoot_ms, 99), "ms"),
        ]
        if self.append_ms:
            saved_p99 = percentile(self.saved_ms, 99)
            figures += [
                Figure(group, "event hand-over max", max(self.append_ms), "ms"),
                Figure(group, "saved after shown p50", median(self.saved_ms), "ms"),
                Figure(
                    group,
                    "saved after shown p99",
                    saved_p99,
                    "ms",
                    f"< {SAVED_TARGET_MS:g} ms",
                    saved_p99 < SAVED_TARGET_MS,
                ),
                Figure(group, "saved after shown max", max(self.saved_ms), "ms"),
            ]
        return figures

    def to_json(self) -> dict[str, object]:
        return {
            "variant": self.variant,
            "speed": self.speed,
            "planned_s": self.planned_s,
            "lateness_ms": self.lateness_ms,
            "end_error_ms": self.end_error_ms,
            "wake_ups": len(self.overshoot_ms),
            "append_ms": self.append_ms,
            "saved_ms": self.saved_ms,
            "store_pragmas": self.store_pragmas,
        }


def _no_show(player: Player, now: float) -> None:
    return None


def _no_cue(player: Player) -> None:
    return None


def _pragmas(engine: Engine) -> dict[str, str]:
    with engine.connect() as connection:
        return {
            name: str(connection.exec_driver_sql(f"PRAGMA {name}").scalar())
            for name in ("journal_mode", "synchronous")
        }


class TimedWriter(SessionWriter):
    """The session writer ``easeback start`` uses, noting when each record was handed
    over and when the commit that holds it returned."""

    def __init__(self, engine: Engine, journal: Journal) -> None:
        self.handed: dict[int, float] = {}
        self.saved: dict[int, float] = {}
        super().__init__(engine, journal)

    def record(self, record: Record) -> None:
        self.handed[id(record)] = time.perf_counter()
        super().record(record)

    def _write(self, batch: list[Record]) -> Fault | None:
        fault = super()._write(batch)
        if fault is None:
            done = time.perf_counter()
            for record in batch:
                self.saved.setdefault(id(record), done)
        return fault

    def saved_after_ms(self) -> list[float]:
        return [(self.saved[key] - at) * 1000 for key, at in self.handed.items()]


def _store_recorder(
    player: Player, log: SessionLog, events: list[PlayerEvent], append_ms: list[float]
) -> Callable[[PlayerEvent], None]:
    """The same work as ``terminal.run``'s recorder, with each hand-over timed."""

    def record(event: PlayerEvent) -> None:
        events.append(event)
        started = player.started_at if player.started_at is not None else event.at
        begin = time.perf_counter()
        log.append(event, wall=wall_now(), offset_ms=round((event.at - started) * 1000))
        append_ms.append((time.perf_counter() - begin) * 1000)

    return record


def routine_seconds() -> float:
    """Length of the benchmarked routine at speed 1."""
    return build_timeline(load_routine(ROUTINE), load_library()).total_ms / 1000


def measure(speed: float, *, store: bool) -> TimingResult:
    """Play the routine once at ``speed``; with ``store``, commit every event to SQLite."""
    library = load_library()
    timeline = build_timeline(load_routine(ROUTINE), library)
    player = Player(timeline, speed=speed)
    events: list[PlayerEvent] = []
    append_ms: list[float] = []
    saved_ms: list[float] = []
    pragmas: dict[str, str] = {}
    keys = TimedNoKeys()

    with ExitStack() as stack:
        record: Callable[[PlayerEvent], None] = events.append
        if store:
            folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="easeback-")))
            engine = open_store(str(folder / "bench.db"))
            stack.callback(engine.dispose)
            pragmas.update(_pragmas(engine))
            if pragmas["synchronous"] != str(SYNCHRONOUS_FULL):
                raise SystemExit(f"the store is not synchronous=FULL: {pragmas}")
            session_id = new_session_id()
            writer = TimedWriter(engine, Journal.open(folder / "bench.db", session_id))
            log = SessionLog(
                engine,
                timeline,
                session_id=session_id,
                title="benchmark",
                speed=speed,
                started=wall_now(),
                zone=local_zone(),
                player="benchmark",
                recorder=writer,
            )
            record = _store_recorder(player, log, events, append_ms)

        play(player, keys=keys, now=time.monotonic, record=record, show=_no_show, on_phase=_no_cue)

        if store:
            if writer.finish(5.0).waiting:
                raise SystemExit("the writer could not save every event")
            if len(session_events(engine, log.id)) != len(events):
                raise SystemExit("the store holds a different number of events than were played")
            saved_ms = writer.saved_after_ms()

    if player.outcome != "completed":
        raise SystemExit(f"the session did not complete ({player.outcome}); interrupted?")
    start = next(e.at for e in events if e.kind == "started")
    completed = next(e for e in events if e.kind == "completed")
    planned_s = timeline.total_ms / 1000 / speed
    return TimingResult(
        variant="+ SQLite store" if store else "in memory",
        speed=speed,
        planned_s=planned_s,
        lateness_ms=[(e.at - e.due) * 1000 for e in events if e.kind == "phase" and e.phase > 0],
        end_error_ms=((completed.at - start) - planned_s) * 1000,
        overshoot_ms=keys.overshoot_ms,
        append_ms=append_ms,
        saved_ms=saved_ms,
        store_pragmas=pragmas,
    )
