"""``easeback today --json`` as a whole process on a store holding 3 years of history.

``build_store`` writes a realistic store in a temporary folder: opened with
``open_store`` (so Alembic migrates the schema for real), then filled in one
transaction with SQLAlchemy Core executemany: about 3 sessions a day (morning,
daytime and evening slots of ``plan_day``, with their routines built from the
progression state at that moment), each with its events as the player emits them,
a few pauses, quits and pain stops (with their follow-ups), pain ratings on some
sessions, the day settings, a consent, screenings every 30 days and after each pain
stop, and one progression snapshot (folded with ``advance``) after every session.

``measure`` then times ``today --json`` and ``history --json --limit 10`` against
``python -c "import typer"``, in rounds of rotating order, like startup.py.

Run alone: .venv/bin/python benchmarks/history.py [--rounds N] [--keep FOLDER]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import insert

from easeback.content.library import load_library, load_routine
from easeback.content.models import Library, Routine
from easeback.core.plan import DaySettings, Slot, local_day, plan_day
from easeback.core.progression import (
    Dose,
    Ladder,
    Outcome,
    Standing,
    advance,
    doses,
    ladders,
    stretch_at,
    stretches_done,
)
from easeback.core.screening import QUESTION_IDS, RESCREEN_AFTER, assess
from easeback.core.timeline import Timeline, build_timeline
from easeback.store import open_store
from easeback.store.consents import record_consent
from easeback.store.plan import snapshot_json
from easeback.store.quick import settings_to_row
from easeback.store.safety import record_screening
from easeback.store.schema import (
    day_settings,
    dose_changes,
    events,
    followups,
    pain_ratings,
    progress,
    sessions,
    to_utc,
)
from easeback.usecases.clock import local_zone, wall_now
from easeback.wording import messages
from figures import Figure, median
from startup import time_rounds

TODAY_TARGET = 3.0  # `easeback today --json` may take at most this many times the baseline
YEARS = 3
SEED = 20261124

# How a day goes, per slot: chance the slot is skipped, and the start's spread (minutes).
SKIP = {"morning": 0.01, "daytime": 0.03, "evening": 0.02}
LATE_MIN = (-10, 35)
EXTRA_SESSION = 0.05  # chance of an unplanned built-in "bed" routine on a day
PAIN_STOP = 0.004
QUIT = 0.006
PAUSE = 0.03
PAIN_RATED = 0.3


@dataclass
class HistoryStore:
    """A generated store and what it holds."""

    path: Path
    days: int
    counts: dict[str, int]
    size_mb: float  # the database with its -wal and -shm files, if any
    build_s: float

    def to_json(self) -> dict[str, Any]:
        return {
            "days": self.days,
            "counts": self.counts,
            "size_mb": self.size_mb,
            "build_s": self.build_s,
        }


@dataclass
class _Plan:
    """What one slot is played with: its routine, timeline and the rows it repeats."""

    routine: Routine
    timeline: Timeline
    timeline_json: str
    phases: list[tuple[int, str, str | None, str | None, str | None, int | None, int, int]]


@dataclass
class _Builder:
    """Folds a history day by day into rows for one bulk insert."""

    library: Library
    ladder: dict[str, Ladder]
    settings: DaySettings
    zone: str
    now: datetime
    rng: random.Random
    state: dict[str, Standing] = field(default_factory=dict)
    plans: dict[tuple[Any, ...], _Plan] = field(default_factory=dict)
    rows: dict[str, list[dict[str, Any]]] = field(
        default_factory=lambda: {
            name: [] for name in ("sessions", "events", "pain", "followups", "progress", "changes")
        }
    )
    screenings: list[tuple[datetime, str]] = field(default_factory=list)
    pain_pending: bool = False

    # --- routines ---------------------------------------------------------------------

    def slot_plan(self, slot: Slot, dose: dict[str, Dose]) -> _Plan:
        key = (
            slot.id,
            slot.where,
            *((sid, dose[sid].hold_s, dose[sid].reps) for sid in slot.stretches),
        )
        plan = self.plans.get(key)
        if plan is None:
            routine = Routine.model_validate(
                {
                    "name": slot.id,
                    "title": f"{messages.SLOT_TITLES[slot.id]} ({slot.where})",
                    "stretches": [
                        {"id": sid, "hold_s": dose[sid].hold_s, "reps": dose[sid].reps}
                        for sid in slot.stretches
                    ],
                },
                context={"library": self.library},
            )
            plan = self.plans[key] = self._plan(routine)
        return plan

    def builtin_plan(self, name: str) -> _Plan:
        key = ("builtin", name)
        if key not in self.plans:
            self.plans[key] = self._plan(load_routine(name))
        return self.plans[key]

    def _plan(self, routine: Routine) -> _Plan:
        timeline = build_timeline(routine, self.library)
        return _Plan(
            routine,
            timeline,
            json.dumps(timeline.to_json(), separators=(",", ":")),
            [
                (i, p.kind, p.stretch, p.side, p.direction, p.rep, p.start_ms, p.duration_ms)
                for i, p in enumerate(timeline.phases)
            ],
        )

    # --- one session ------------------------------------------------------------------

    def session(
        self, plan: _Plan, start: datetime, *, slot: str | None, plan_date: str | None
    ) -> None:
        rng = self.rng
        if start >= self.now - timedelta(milliseconds=plan.timeline.total_ms + 60_000):
            return  # not over yet: history ends now
        if not self.screenings:
            self.screenings.append((start - timedelta(minutes=2), "first-use"))
        elif self.pain_pending or start - self.screenings[-1][0] >= RESCREEN_AFTER:
            reason = "pain" if self.pain_pending else "30-days"
            self.screenings.append((start - timedelta(minutes=2), reason))
        if self.pain_pending:
            self._followup(start - timedelta(minutes=1), "settled", None, settled=True)
            self.pain_pending = False

        sid = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        started_utc = to_utc(start)
        self.rows["sessions"].append(
            {
                "id": sid,
                "routine": plan.timeline.routine,
                "title": plan.routine.display_title,
                "timeline": plan.timeline_json,
                "total_ms": plan.timeline.total_ms,
                "speed": 1.0,
                "rehearsal": False,
                "started_utc": started_utc,
                "zone": self.zone,
                "player": "terminal",
                "slot": slot,
                "plan_date": plan_date,
            }
        )
        draw = rng.random()
        holds = [p[0] for p in plan.phases if p[1] == "hold"]
        ending = "completed"
        stop_at = len(plan.phases)
        if draw < PAIN_STOP + QUIT:
            ending = "pain_stop" if draw < PAIN_STOP else "quit"
            stop_at = rng.choice(holds)
        pause_at = rng.choice(holds) if rng.random() < PAUSE else None

        out = self.rows["events"]
        late = 0.0  # ms behind the timeline: lateness, plus any pause
        seq = 0

        def event(kind: str, phase: tuple[Any, ...], position: int) -> None:
            nonlocal seq
            offset = round(position + late)
            out.append(
                {
                    "session_id": sid,
                    "seq": seq,
                    "kind": kind,
                    "phase_index": phase[0],
                    "phase_kind": phase[1],
                    "stretch": phase[2],
                    "side": phase[3],
                    "direction": phase[4],
                    "rep": phase[5],
                    "position_ms": position,
                    "offset_ms": offset,
                    "wall_utc": started_utc + timedelta(milliseconds=offset),
                    "zone": self.zone,
                }
            )
            seq += 1

        event("started", plan.phases[0], 0)
        reached: set[int] = set()
        for phase in plan.phases:
            late += rng.random() * 2
            event("phase", phase, phase[6])
            reached.add(phase[0])
            if phase[0] == stop_at:
                event(ending, phase, phase[6] + rng.randrange(max(1, phase[7])))
                break
            if phase[0] == pause_at:
                where = phase[6] + rng.randrange(max(1, phase[7]))
                event("paused", phase, where)
                late += rng.uniform(5_000, 90_000)
                event("resumed", phase, where)
        if ending == "completed":
            event("completed", plan.phases[-1], plan.timeline.total_ms)

        at = start + timedelta(milliseconds=out[-1]["offset_ms"])
        if ending == "pain_stop":
            self._followup(at, "pain_stop", sid, settled=None)
            self.pain_pending = True
        elif rng.random() < PAIN_RATED:
            before = rng.choice((0, 1, 1, 2, 2, 3, 4))
            after = max(0, before - rng.choice((0, 0, 1, 1, 2)))
            for moment, value, when in (("before", before, start), ("after", after, at)):
                self.rows["pain"].append(
                    {
                        "session_id": sid,
                        "moment": moment,
                        "value": value,
                        "at_utc": to_utc(when),
                        "zone": self.zone,
                    }
                )

        outcome = Outcome(
            at=at,
            stretches=stretches_done(plan.timeline, reached, set()),
            completed=ending == "completed",
            pain_stretch=stretch_at(plan.timeline, stop_at) if ending == "pain_stop" else None,
        )
        self.state, changes = advance(self.state, outcome, self.ladder)
        self.rows["progress"].append(
            {
                "at_utc": to_utc(at),
                "session_id": sid,
                "state": snapshot_json(self.state, doses(self.state, self.ladder)),
            }
        )
        self.rows["changes"] += [
            {
                "at_utc": to_utc(c.at),
                "zone": self.zone,
                "session_id": sid,
                "stretch": c.stretch,
                "field": c.field,
                "old": c.old,
                "new": c.new,
                "direction": c.direction,
                "reason": c.reason,
            }
            for c in changes
        ]

    def _followup(self, at: datetime, kind: str, sid: str | None, *, settled: bool | None) -> None:
        self.rows["followups"].append(
            {
                "at_utc": to_utc(at),
                "zone": self.zone,
                "kind": kind,
                "session_id": sid,
                "settled": settled,
                "step_back": False,
            }
        )

    # --- one day ----------------------------------------------------------------------

    def day(self, day: date) -> None:
        rng = self.rng
        dose = doses(self.state, self.ladder)
        slots = plan_day(day, self.settings, dose["lower-back-rotation"].times_per_day)
        planned: list[tuple[datetime, Slot | None]] = []
        for slot in slots:
            if rng.random() < SKIP[slot.id]:
                continue
            start = _at(slot, self.zone) + timedelta(
                minutes=rng.uniform(*LATE_MIN), seconds=rng.uniform(0, 60)
            )
            planned.append((start, slot))
        if rng.random() < EXTRA_SESSION:
            start = _at(slots[-1], self.zone) - timedelta(minutes=rng.uniform(60, 180))
            planned.append((start, None))
        for start, chosen in sorted(planned, key=lambda p: p[0]):
            if chosen is None:
                self.session(self.builtin_plan("bed"), start, slot=None, plan_date=None)
            else:
                # Doses as they stand at this session: earlier ones today may have moved them.
                plan = self.slot_plan(chosen, doses(self.state, self.ladder))
                self.session(plan, start, slot=chosen.id, plan_date=day.isoformat())


def build_store(folder: Path, *, years: int = YEARS, seed: int = SEED) -> HistoryStore:
    """A store in ``folder`` holding ``years`` of daily use that ends now."""
    begin = time.perf_counter()
    zone = local_zone()
    now = wall_now()
    today = local_day(now, zone)
    first = today - timedelta(days=365 * years)
    settings = DaySettings(zone=zone)
    library = load_library()
    builder = _Builder(library, ladders(library), settings, zone, now, random.Random(seed))
    day = first
    while day <= today:
        builder.day(day)
        day += timedelta(days=1)

    path = folder / "history.db"
    for old in folder.glob(path.name + "*"):  # a kept folder: start afresh
        old.unlink()
    engine = open_store(str(path))
    try:
        consent_at = datetime.combine(first, settings.wake, tzinfo=ZoneInfo(zone)) - timedelta(
            hours=1
        )
        record_consent(
            engine, wording=messages.CONSENT_WORDING_VERSION, given=consent_at, zone=zone
        )
        rows = builder.rows
        with engine.begin() as connection:
            connection.execute(
                insert(day_settings),
                [{"at_utc": to_utc(consent_at), **settings_to_row(settings)}],
            )
            connection.execute(insert(sessions), rows["sessions"])
            connection.execute(insert(events), rows["events"])
            for table, name in (
                (pain_ratings, "pain"),
                (followups, "followups"),
                (progress, "progress"),
                (dose_changes, "changes"),
            ):
                if rows[name]:
                    connection.execute(insert(table), rows[name])
        # Screenings go through the store's own function, one commit each, oldest first.
        answers = dict.fromkeys(QUESTION_IDS, False)
        result = assess(answers)
        for at, reason in builder.screenings:
            record_screening(
                engine, answers=answers, result=result, reason=reason, at=at, zone=zone
            )
    finally:
        engine.dispose()
    counts = {
        "sessions": len(rows["sessions"]),
        "events": len(rows["events"]),
        "pain_stops": sum(1 for e in rows["events"] if e["kind"] == "pain_stop"),
        "pain_ratings": len(rows["pain"]),
        "followups": len(rows["followups"]),
        "screenings": len(builder.screenings),
        "progress": len(rows["progress"]),
        "dose_changes": len(rows["changes"]),
    }
    days = (today - first).days + 1
    size = sum(p.stat().st_size for p in folder.glob(path.name + "*")) / (1024 * 1024)
    return HistoryStore(path, days, counts, size, time.perf_counter() - begin)


# --- timing the commands ---------------------------------------------------------------


@dataclass(frozen=True)
class HistoryResult:
    store: HistoryStore
    samples_s: dict[str, list[float]]
    slots: list[str]
    loads_sqlalchemy: bool

    def median_ms(self, name: str) -> float:
        return median(self.samples_s[name]) * 1000

    def figures(self) -> list[Figure]:
        base = self.median_ms("baseline")
        ratio = self.median_ms("today") / base
        counts = self.store.counts
        built = f"3 years of history ({self.store.days} days), generated"
        group = f"on that history, median of {len(self.samples_s['baseline'])}"
        return [
            Figure(built, "sessions", counts["sessions"], ""),
            Figure(built, "events", counts["events"], ""),
            Figure(built, "file size", self.store.size_mb, "MB"),
            Figure(built, "generation time", self.store.build_s, "s"),
            Figure(group, 'python -c "import typer" (baseline)', base, "ms"),
            Figure(group, "easeback today --json", self.median_ms("today"), "ms"),
            Figure(
                group,
                "easeback today --json / baseline",
                ratio,
                "x",
                f"<= {TODAY_TARGET:g} x",
                ratio <= TODAY_TARGET,
            ),
            Figure(group, "easeback history --json --limit 10", self.median_ms("history"), "ms"),
            Figure(
                group,
                "easeback history --json --limit 10 / baseline",
                self.median_ms("history") / base,
                "x",
            ),
        ]

    def to_json(self) -> dict[str, Any]:
        return {
            "store": self.store.to_json(),
            "samples_s": self.samples_s,
            "today_slots": self.slots,
            "today_loads_sqlalchemy": self.loads_sqlalchemy,
        }


def commands(db: Path) -> dict[str, list[str]]:
    script = Path(sys.executable).parent / "easeback"
    if not script.exists():
        raise SystemExit(f"no easeback script next to {sys.executable}; run with the venv's python")
    return {
        "baseline": [sys.executable, "-c", "import typer"],
        "today": [str(script), "--db", str(db), "today", "--json"],
        "history": [str(script), "--db", str(db), "history", "--json", "--limit", "10"],
    }


def check_today(argv: list[str], env: dict[str, str]) -> tuple[list[str], bool]:
    """Run ``today --json`` once: its output must be JSON listing 3 slots. Also tells
    whether the process imported SQLAlchemy (the fast path should not)."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", *argv],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"today --json failed ({done.returncode}): {done.stderr[-2000:]}")
    try:
        view = json.loads(done.stdout)
    except json.JSONDecodeError as exc:
        raise SystemExit(f"today --json printed no JSON ({exc}): {done.stdout[:500]!r}") from exc
    slots = [s["id"] for s in view.get("slots", [])]
    if len(slots) != 3:
        raise SystemExit(f"today --json lists {len(slots)} slots, not 3: {slots}")
    loads = any(line.rstrip().endswith(" sqlalchemy") for line in done.stderr.splitlines())
    return [f"{s['id']}:{s['status']}" for s in view["slots"]], loads


def _at(slot: Slot, zone: str) -> datetime:
    """The instant of a slot of a day's plan, in the person's zone."""
    return slot.at.replace(tzinfo=ZoneInfo(zone))


@contextmanager
def _folder(keep: Path | None) -> Iterator[Path]:
    if keep is not None:
        keep.mkdir(parents=True, exist_ok=True)
        yield keep
        return
    with tempfile.TemporaryDirectory(prefix="easeback-history-") as name:
        yield Path(name)


def measure(rounds: int = 15, warmups: int = 2, keep: Path | None = None) -> HistoryResult:
    """Build the store, check ``today --json`` once, then time the commands in rounds."""
    with _folder(keep) as folder:
        store = build_store(folder)
        argvs = commands(store.path)
        env = {k: v for k, v in os.environ.items() if k != "EASEBACK_DB"}
        slots, loads = check_today(argvs["today"], env)
        samples = time_rounds(argvs, env, rounds, warmups)
        return HistoryResult(store, samples, slots, loads)


def main(argv: list[str] | None = None) -> int:
    from figures import format_table

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--keep", type=Path, help="build the store in this folder and keep it")
    args = parser.parse_args(argv)
    result = measure(rounds=args.rounds, keep=args.keep)
    print(json.dumps(result.store.to_json(), indent=2))
    print(f"today: {', '.join(result.slots)}; loads SQLAlchemy: {result.loads_sqlalchemy}")
    print(format_table(result.figures()))
    return 1 if any(f.passed is False for f in result.figures()) else 0


if __name__ == "__main__":
    sys.exit(main())
