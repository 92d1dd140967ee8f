"""Sync (issue 14): a year of one person's daily use sent to an empty account on a
clinic's server, then a sync with nothing new, then a second device pulling it all.

The device is history.py's generated store (a year: about 3 sessions a day with
their events, pain ratings, follow-ups, screenings, day settings and a consent). The
server is a real ``easeback server run`` process on loopback (plain http: the
client allows it on this machine only) on a throwaway PostgreSQL (tests/postgres.py),
with one patient account made in its database. The device links with the patient's
email and password (``POST /api/devices``) and syncs with the client the CLI uses
(``usecases.syncing.sync_now`` over ``http_transport``), so the figures hold
everything: the JSON, gzip, HTTP, the server's checks and inserts, the ledger
triggers, and progression counted again on the side that received records.

Figures: the first sync's time (target under 2 s) and its bytes each way; a sync
with nothing new (target under 100 ms and under 2 KB on the wire, the median of
``ROUNDS``); a fresh second device linked to the same account pulling the year
(reported, no target: it also counts the year's progression again).

Run alone: .venv/bin/python benchmarks/sync.py [--keep FOLDER]
"""

from __future__ import annotations

import argparse
import math
import os
import secrets
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from figures import Figure, format_table, median
from uploads import tree_cpu_s

TESTS = Path(__file__).resolve().parent.parent / "tests"
FIRST_TARGET_S = 2.0
AGAIN_TARGET_MS = 100.0
AGAIN_TARGET_BYTES = 2048
ROUNDS = 15
SECRET = secrets.token_urlsafe(48)
EMAIL = "sam@bench.example"
PASSWORD = "a benchmark password"  # noqa: S105 - the generated patient's
NOT_MEASURED = math.nan
# What is compared on both sides afterwards: every record sent is on the server.
COUNTED = ("sessions", "events", "pain_ratings", "followups", "screenings", "day_settings")


@dataclass(frozen=True)
class Synced:
    """One sync as the device reported it."""

    seconds: float
    sent: int
    received: int
    bytes_sent: int
    bytes_received: int
    requests: int = 0
    server_s: float = 0.0  # waiting for the server's answers
    device_cpu_s: float = 0.0  # this process's CPU: reading, packing, storing, counting
    server_cpu_s: float = NOT_MEASURED  # easeback server run's processes
    postgres_cpu_s: float = NOT_MEASURED
    slowest: tuple[str, float] = ("", 0.0)  # the request that took longest

    def to_json(self) -> dict[str, Any]:
        return {
            "seconds": round(self.seconds, 4),
            "sent": self.sent,
            "received": self.received,
            "bytes_sent": self.bytes_sent,
            "bytes_received": self.bytes_received,
            "requests": self.requests,
            "waiting_on_server_s": round(self.server_s, 4),
            "device_cpu_s": round(self.device_cpu_s, 4),
            "server_cpu_s": round(self.server_cpu_s, 4),
            "postgres_cpu_s": round(self.postgres_cpu_s, 4),
            "slowest_request": [self.slowest[0], round(self.slowest[1], 4)],
        }


@dataclass
class SyncResult:
    counts: dict[str, int] = field(default_factory=dict)
    generate_s: float = NOT_MEASURED
    first: Synced | None = None
    again: list[Synced] = field(default_factory=list)
    second_device: Synced | None = None
    server_counts: dict[str, int] = field(default_factory=dict)
    second_counts: dict[str, int] = field(default_factory=dict)
    missing: str = ""
    load_average: float = NOT_MEASURED  # other work on the machine slows every figure

    @property
    def whole(self) -> bool:
        """Every record of the year reached the server and the second device."""
        wanted = {k: self.counts.get(k, -1) for k in COUNTED}
        return wanted == self.server_counts == self.second_counts

    def figures(self) -> list[Figure]:
        group = (
            f"sync over loopback to easeback server run (a year: "
            f"{self.counts.get('sessions', 0)} sessions, {self.counts.get('events', 0)} events; "
            f"load average {self.load_average:.1f})"
        )
        if self.missing or self.first is None or self.second_device is None:
            return [Figure(group, f"not measured: {self.missing}", NOT_MEASURED, "s", "", False)]
        again_ms = median([s.seconds for s in self.again]) * 1000
        again_bytes = median([s.bytes_sent + s.bytes_received for s in self.again])
        return [
            Figure(
                group,
                "first sync of the year, from empty",
                self.first.seconds,
                "s",
                f"< {FIRST_TARGET_S:g} s",
                self.first.seconds < FIRST_TARGET_S,
            ),
            Figure(
                group,
                "first sync: CPU of device + server + PostgreSQL (its time on an idle machine)",
                self.first.device_cpu_s + self.first.server_cpu_s + self.first.postgres_cpu_s,
                "s",
            ),
            Figure(group, "first sync: sent", self.first.bytes_sent / 1024, "KB"),
            Figure(group, "first sync: received", self.first.bytes_received / 1024, "KB"),
            Figure(
                group,
                f"sync with nothing new, median of {len(self.again)}",
                again_ms,
                "ms",
                f"< {AGAIN_TARGET_MS:g} ms",
                again_ms < AGAIN_TARGET_MS,
            ),
            Figure(
                group,
                "sync with nothing new: bytes both ways",
                again_bytes,
                "B",
                f"< {AGAIN_TARGET_BYTES} B",
                again_bytes < AGAIN_TARGET_BYTES,
            ),
            Figure(group, "a second device pulling the year", self.second_device.seconds, "s"),
            Figure(
                group,
                "second device: received",
                self.second_device.bytes_received / 1024,
                "KB",
            ),
            Figure(
                group,
                "every record on the server and on the second device",
                1.0 if self.whole else 0.0,
                "",
                "1",
                self.whole,
            ),
        ]

    def to_json(self) -> dict[str, Any]:
        return {
            "counts": self.counts,
            "generate_s": round(self.generate_s, 2),
            "first": self.first.to_json() if self.first else None,
            "again": [s.to_json() for s in self.again],
            "second_device": self.second_device.to_json() if self.second_device else None,
            "server_counts": self.server_counts,
            "second_counts": self.second_counts,
            "missing": self.missing or None,
            "load_average": self.load_average,
        }


def make_patient(url: str) -> Any:
    """The clinic's database (migrated) with one patient who links with a password."""
    from easeback.server.accounts import create_account
    from easeback.server.tenancy import open_clinic
    from easeback.usecases.clock import wall_now

    engine = open_clinic(url, pool_size=1)
    with engine.begin() as connection:
        made = create_account(
            connection,
            role="patient",
            email=EMAIL,
            name="Sam Bench",
            password=PASSWORD,
            now=wall_now(),
        )
    return engine, made.id


def counted(engine: Any) -> dict[str, int]:
    from sqlalchemy import func, select

    from easeback.store.schema import metadata

    with engine.connect() as connection:
        return {
            name: int(
                connection.execute(select(func.count()).select_from(metadata.tables[name])).scalar()
                or 0
            )
            for name in COUNTED
        }


def postgres_cpu_s(clinic: Any) -> float:
    """CPU time so far of the PostgreSQL server the clinic's engine talks to: its
    processes now, and those that have ended (counted to the postmaster, which waited
    for them)."""
    from sqlalchemy import text

    with clinic.connect() as connection:
        backend = connection.execute(text("SELECT pg_backend_pid()")).scalar_one()
    parent = int(Path(f"/proc/{backend}/stat").read_text("ascii").rsplit(")", 1)[1].split()[1])
    fields = Path(f"/proc/{parent}/stat").read_text("ascii").rsplit(")", 1)[1].split()
    ended = (int(fields[13]) + int(fields[14])) / os.sysconf("SC_CLK_TCK")
    return tree_cpu_s(parent) + ended


def one_sync(engine: Any, server: str, cpu: Callable[[], tuple[float, float]]) -> Synced:
    """A sync through the real HTTP client, each request timed: the time waiting on
    the server (its answer on the wire included) and the device's own; ``cpu`` gives
    the server's and PostgreSQL's CPU time so far."""
    from easeback.sync.wire import Reply, http_transport
    from easeback.usecases.syncing import sync_now

    send = http_transport(server)
    waits: list[tuple[str, float]] = []

    def timed(method: str, path: str, headers: dict[str, str], body: bytes | None) -> Reply:
        begin = time.perf_counter()
        try:
            return send(method, path, headers, body)
        finally:
            waits.append((path.split("?")[0], time.perf_counter() - begin))

    mine, (server_cpu, postgres) = time.process_time(), cpu()
    report = sync_now(engine, transport=timed)
    server_after, postgres_after = cpu()
    return Synced(
        report.seconds,
        report.sent,
        report.received,
        report.bytes_sent,
        report.bytes_received,
        requests=len(waits),
        server_s=sum(w for _, w in waits),
        device_cpu_s=time.process_time() - mine,
        server_cpu_s=server_after - server_cpu,
        postgres_cpu_s=postgres_after - postgres,
        slowest=max(waits, key=lambda w: w[1]) if waits else ("", 0.0),
    )


def measure(keep: Path | None = None) -> SyncResult:
    sys.path.insert(0, str(TESTS))
    from sqlalchemy import create_engine, text

    import postgres  # type: ignore[import-not-found]
    from easeback.server.tenancy import scoped
    from easeback.store import open_store
    from easeback.sync.link import LINK_SUFFIX
    from easeback.sync.wire import SyncFailure
    from easeback.usecases.syncing import link_device
    from history import build_store
    from server_processes import running, server_env  # type: ignore[import-not-found]

    result = SyncResult()
    if postgres.binaries() is None:
        result.missing = f"no PostgreSQL 15 or later: {postgres.INSTALL}"
        return result
    with tempfile.TemporaryDirectory(prefix="easeback-sync-") as scratch:
        root = keep or Path(scratch)
        laptop, desk = root / "laptop", root / "desk"
        for folder in (laptop, desk):
            folder.mkdir(parents=True, exist_ok=True)
            for old in folder.glob(f"*{LINK_SUFFIX}"):  # a kept folder's earlier links
                old.unlink()
        made = build_store(laptop, years=1)
        result.counts = dict(made.counts)
        result.generate_s = made.build_s
        device = open_store(str(made.path))
        result.counts.update({k: v for k, v in counted(device).items() if k not in made.counts})
        with postgres.cluster() as server:
            url = server.rsplit("/", 1)[0] + "/bench_sync"
            admin = create_engine(server, isolation_level="AUTOCOMMIT")
            with admin.connect() as connection:
                connection.execute(text("CREATE DATABASE bench_sync"))
            admin.dispose()
            clinic, patient = make_patient(url)
            env = server_env(EASEBACK_SERVER_DB=url, EASEBACK_SECRET=SECRET)
            second = open_store(str(desk / "easeback.db"))
            try:
                with running(env) as running_server:
                    try:
                        link = link_device(
                            device,
                            running_server.url,
                            email=EMAIL,
                            password=PASSWORD,
                            code=None,
                            device_name="laptop",
                        )
                    except SyncFailure as failure:
                        result.missing = f"the device could not link ({failure.message})"
                        return result
                    if link.account != patient:
                        raise RuntimeError("the device linked to another account")

                    def cpu() -> tuple[float, float]:
                        return tree_cpu_s(running_server.process.pid), postgres_cpu_s(clinic)

                    result.load_average = os.getloadavg()[0]
                    result.first = one_sync(device, running_server.url, cpu)
                    print(f"  first sync: {result.first.to_json()}", flush=True)
                    # Warm: the server's first answers of this kind.
                    one_sync(device, running_server.url, cpu)
                    result.again = [
                        one_sync(device, running_server.url, cpu) for _ in range(ROUNDS)
                    ]
                    link_device(
                        second,
                        running_server.url,
                        email=EMAIL,
                        password=PASSWORD,
                        code=None,
                        device_name="desk",
                    )
                    result.second_device = one_sync(second, running_server.url, cpu)
                    print(f"  second device: {result.second_device.to_json()}", flush=True)
                result.server_counts = counted(scoped(clinic, patient))
                result.second_counts = counted(second)
            finally:
                second.dispose()
                device.dispose()
                clinic.dispose()
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", type=Path, help="build the stores in FOLDER and keep them")
    args = parser.parse_args(argv)
    begin = time.perf_counter()
    result = measure(args.keep)
    figures = result.figures()
    print(format_table(figures))
    print(f"\nwhole run: {time.perf_counter() - begin:.1f} s")
    return 1 if any(f.passed is False for f in figures) else 0


if __name__ == "__main__":
    sys.exit(main())
