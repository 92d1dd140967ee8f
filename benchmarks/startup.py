"""Start-up time of whole ``easeback`` processes against ``python -c "import typer"``.

The three commands are run in rounds, in a rotating order, so that a slow moment of
the machine falls on all of them alike; each figure is the median of its rounds.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from figures import Figure, median

HELP_TARGET = 1.5  # `easeback --help` may take at most this many times the baseline


@dataclass(frozen=True)
class StartupResult:
    samples_s: dict[str, list[float]]

    def median_ms(self, name: str) -> float:
        return median(self.samples_s[name]) * 1000

    def figures(self) -> list[Figure]:
        base = self.median_ms("baseline")
        help_ratio = self.median_ms("help") / base
        timeline_ratio = self.median_ms("timeline") / base
        rounds = len(self.samples_s["baseline"])
        group = f"start-up, median of {rounds}"
        return [
            Figure(group, 'python -c "import typer" (baseline)', base, "ms"),
            Figure(group, "easeback --help", self.median_ms("help"), "ms"),
            Figure(
                group,
                "easeback --help / baseline",
                help_ratio,
                "x",
                f"<= {HELP_TARGET:g} x",
                help_ratio <= HELP_TARGET,
            ),
            Figure(group, "easeback timeline --json", self.median_ms("timeline"), "ms"),
            Figure(group, "easeback timeline --json / baseline", timeline_ratio, "x"),
        ]


def commands() -> dict[str, list[str]]:
    """The processes to time, using this interpreter's environment (the venv)."""
    script = Path(sys.executable).parent / "easeback"
    if not script.exists():
        raise SystemExit(
            f"no easeback script next to {sys.executable}; run with the venv's python "
            "(.venv/bin/python benchmarks/run.py) after `make test` or `pip install -e .`"
        )
    return {
        "baseline": [sys.executable, "-c", "import typer"],
        "help": [str(script), "--help"],
        "timeline": [str(script), "timeline", "--json"],
    }


def time_once(argv: list[str], env: dict[str, str]) -> float:
    """Wall time of one whole process, from spawn to exit, in seconds."""
    begin = time.perf_counter()
    subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, check=True)
    return time.perf_counter() - begin


def time_rounds(
    argvs: dict[str, list[str]], env: dict[str, str], rounds: int, warmups: int
) -> dict[str, list[float]]:
    """Wall times of each command over ``rounds``, the order rotating every round so no
    command always runs first (or right after another); warm-ups fill the bytecode and
    OS file caches for every command alike."""
    names = list(argvs)
    for _ in range(warmups):
        for name in names:
            time_once(argvs[name], env)
    samples: dict[str, list[float]] = {name: [] for name in names}
    for i in range(rounds):
        shift = i % len(names)
        for name in names[shift:] + names[:shift]:
            samples[name].append(time_once(argvs[name], env))
    return samples


def measure(rounds: int = 15, warmups: int = 2) -> StartupResult:
    return StartupResult(time_rounds(commands(), dict(os.environ), rounds, warmups))
