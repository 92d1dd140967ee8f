"""The clinician's report and each export on a store holding 5 years of daily use.

The store comes from history.py's generator (about 5,500 sessions with their events,
pain ratings, follow-ups, screenings and progression), plus a diary entry most days
and a PSFS rating every week. Each command then runs as a whole process, a few
times, and is timed; its peak memory is the child's maximum resident set size.

Targets (issue #7): under 3 s for the PDF report and under 2 s for each export, each
a median, and under 300 MB of memory for any of them.

Run alone: .venv/bin/python benchmarks/reports.py [--runs N] [--keep FOLDER]
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from statistics import median
from typing import Any

from easeback.store import open_store
from easeback.store.diary import rate_activities, set_activities
from easeback.usecases.clock import local_zone, wall_now
from figures import Figure, format_table
from history import build_store

YEARS = 5
REPORT_TARGET_S = 3.0
EXPORT_TARGET_S = 2.0
MEMORY_TARGET_MB = 300.0
EASEBACK = str(Path(sys.executable).parent / "easeback")


def add_diary(db: Path, days: int, seed: int = 7) -> int:
    """A pain entry most days (a note on some, shared on a few) and weekly PSFS."""
    rng = random.Random(seed)
    engine = open_store(str(db))
    zone = local_zone()
    now = wall_now()
    start = now - timedelta(days=days)
    from sqlalchemy import insert

    from easeback.store.schema import diary_entries, to_utc

    rows = []
    for day in range(days):
        if rng.random() < 0.85:
            note = rng.choice([None, None, "stiff after the drive", "slept well", "long walk"])
            rows.append(
                {
                    "at_utc": to_utc(start + timedelta(days=day, hours=rng.randint(7, 21))),
                    "zone": zone,
                    "pain": max(0, min(10, round(6 - 3 * day / days + rng.gauss(0, 1.2)))),
                    "note": note,
                    "share": note is not None and rng.random() < 0.3,
                }
            )
    with engine.begin() as connection:
        connection.execute(insert(diary_entries), rows)
    activities = set_activities(engine, ["Socks on", "Gardening", "Sitting an hour"], at=start)
    for week in range(days // 7):
        rate_activities(
            engine,
            {a.id: rng.randint(2, 8) for a in activities},
            at=start + timedelta(weeks=week, hours=9),
            zone=zone,
        )
    engine.dispose()
    return len(rows)


# Linux keeps a process's peak memory across fork and exec, so a child forked from
# this (large) benchmark process would report our peak as its own. A tiny launcher
# starts the command instead, and reports the command's time and peak from wait4.
LAUNCHER = """
import os, sys, time
begin = time.perf_counter()
pid = os.fork()
if pid == 0:
    os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
    os.execv(sys.argv[1], sys.argv[1:])
_, status, usage = os.wait4(pid, 0)
print(time.perf_counter() - begin, usage.ru_maxrss, os.waitstatus_to_exitcode(status))
"""


def run_measured(argv: list[str]) -> tuple[float, float]:
    """(seconds, peak resident MB) of one whole process."""
    done = subprocess.run(
        [sys.executable, "-S", "-c", LAUNCHER, *argv],
        capture_output=True,
        text=True,
        check=False,
    )
    seconds, peak_kb, code = done.stdout.split()
    if int(code) != 0:
        raise RuntimeError(f"{' '.join(argv)} failed: {done.stderr}")
    return float(seconds), int(peak_kb) / 1024  # ru_maxrss is in KB on Linux


@dataclass(frozen=True)
class ReportsResult:
    counts: dict[str, int]
    seconds: dict[str, list[float]]
    memory_mb: dict[str, float]

    def figures(self) -> list[Figure]:
        group = (
            f"5 years of daily use ({self.counts['sessions']} sessions, "
            f"{self.counts['events']} events, {self.counts['diary']} diary entries)"
        )
        out = []
        for name, samples in self.seconds.items():
            target = REPORT_TARGET_S if name.startswith("report") else EXPORT_TARGET_S
            value = median(samples)
            out.append(
                Figure(
                    group,
                    f"easeback {name}: median of {len(samples)}",
                    value,
                    "s",
                    f"< {target:g} s",
                    value < target,
                )
            )
            peak = self.memory_mb[name]
            out.append(
                Figure(
                    group,
                    f"easeback {name}: peak memory",
                    peak,
                    "MB",
                    f"< {MEMORY_TARGET_MB:g} MB",
                    peak < MEMORY_TARGET_MB,
                )
            )
        return out

    def to_json(self) -> dict[str, Any]:
        return {"counts": self.counts, "seconds": self.seconds, "memory_mb": self.memory_mb}


def commands(db: Path, out: Path, first: str) -> dict[str, list[str]]:
    base = [EASEBACK, "--db", str(db)]
    return {
        "report --pdf (last 28 days)": [*base, "report", "--pdf", str(out / "r28.pdf")],
        "report --pdf (all 5 years)": [
            *base,
            "report",
            "--pdf",
            str(out / "r5y.pdf"),
            "--from",
            first,
        ],
        "export --format json": [
            *base,
            "export",
            "--format",
            "json",
            "--output",
            str(out / "e.json"),
        ],
        "export --format csv": [*base, "export", "--format", "csv", "--output", str(out / "e.zip")],
        "export --format fhir": [
            *base,
            "export",
            "--format",
            "fhir",
            "--output",
            str(out / "f.json"),
        ],
    }


def measure(runs: int = 3, keep: Path | None = None) -> ReportsResult:
    with tempfile.TemporaryDirectory() as scratch:
        folder = keep or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        store = build_store(folder, years=YEARS)
        diary = add_diary(store.path, store.days)
        first = (wall_now() - timedelta(days=store.days - 1)).date().isoformat()
        seconds: dict[str, list[float]] = {}
        memory: dict[str, float] = {}
        for name, argv in commands(store.path, folder, first).items():
            samples = [run_measured(argv) for _ in range(runs)]
            seconds[name] = [s for s, _ in samples]
            memory[name] = max(m for _, m in samples)
        counts = {**store.counts, "diary": diary}
        return ReportsResult(counts, seconds, memory)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keep", type=Path, default=None, help="keep the store in FOLDER")
    args = parser.parse_args(argv)
    result = measure(args.runs, args.keep)
    figures = result.figures()
    print(format_table(figures))
    return 0 if all(f.passed is not False for f in figures) else 1


if __name__ == "__main__":
    sys.exit(main())
