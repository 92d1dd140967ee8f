"""Event uploads on a clinic's server: 50 phones at once, against ``easeback server
run`` with 1, 2 and 4 worker processes, on a throwaway PostgreSQL (tests/postgres.py).

50 patients are generated straight into PostgreSQL (one argon2 hash shared by all:
each costs a few tenths of a second), each logged in (a login row, as /login makes
it) with a session opened through the API after passing the safety check through its
form. Each phone then does what the player's outbox does when the network comes back
with a queue of events: it sends its batches in order, one at a time, each as soon as
the answer to the last one came (``POST /api/sessions/{id}/events`` on a keep-alive
connection of its own, with its login and CSRF cookies). A batch holds the events of
one tick of the player: one phase change, and every eighth batch three (the page
catching up after the screen was locked). The same phones and sessions go on from
one server to the next: logins and everything else live in PostgreSQL.

Figures per worker count: requests per second answered (all 2xx), and the latency
of an upload at the 50th and 99th percentiles, after a second of warm-up. Afterwards
every patient's schema must hold exactly the events that were answered 2xx.

Targets. A clinic of 1,000 patients, every one of them playing at the same moment
(far beyond any real clinic's peak: patients play at home, spread over the morning
and the evening), sends about 1,000 / 6 s = 170 batches a second (a phase lasts about
6 s on average). One worker should carry that alone: >= 170 requests/s with 1
worker, which needs at most 1000 / 170 = 5.9 ms of the server's CPU per upload
(PostgreSQL's own work not counted); the CPU figure hardly moves with other work on
the machine, the rate does. Uploads happen in the background, one at a time per
phone: a phone back online with a whole session's batches (about 40) is in step
within 40 s if each takes at most a second, so p99 <= 1000 ms while 50 phones empty
their queues at once, for every worker count. More workers than cores cannot add
throughput; 2 and 4 workers show what this machine's cores give (the load average
is printed and saved: other work on the machine lowers every rate).

Run alone: .venv/bin/python benchmarks/uploads.py [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import secrets
import sys
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from figures import Figure, format_table, percentile

TESTS = Path(__file__).resolve().parent.parent / "tests"
PHONES = 50
WORKERS = (1, 2, 4)
RUN_S = 10.0
QUICK_RUN_S = 4.0
WARM_S = 1.0
RPS_TARGET = 170.0
P99_TARGET_MS = 1000.0
CPU_TARGET_MS = 1000 / RPS_TARGET  # one core's worth for RPS_TARGET uploads a second
CATCH_UP_EVERY = 8  # every eighth batch carries three events
SECRET = secrets.token_urlsafe(48)
PASSWORD = "a benchmark password"  # noqa: S105 - the generated patients'
CSRF = secrets.token_urlsafe(32)
NOT_MEASURED = math.nan


@dataclass
class Phone:
    """One patient's phone: its login, its session and the next event number."""

    login: str
    session: str = ""
    phases: int = 0
    seq: int = 0
    sent_ok: int = 0  # events in batches answered 2xx

    def cookie(self) -> str:
        return f"easeback_login={self.login}; easeback_csrf={CSRF}"

    def next_batch(self) -> bytes:
        size = 3 if self.seq % CATCH_UP_EVERY == CATCH_UP_EVERY - 1 else 1
        events = []
        for _ in range(size):
            events.append(
                {
                    "id": str(uuid.uuid4()),
                    "seq": self.seq,
                    "kind": "phase",
                    "phase": self.seq % (self.phases - 1),  # never the "done" phase
                    "position_ms": 0,
                    "offset_ms": 0,
                    "at": "2026-11-25T07:00:00Z",
                }
            )
            self.seq += 1
        return json.dumps({"events": events}).encode()


@dataclass
class Run:
    workers: int
    seconds: float = 0.0
    latencies_s: list[float] = field(default_factory=list)
    failed: Counter[str] = field(default_factory=Counter)
    client_cpu_s: float = 0.0
    server_cpu_s: float = NOT_MEASURED  # all of the server's processes, while measured
    load_before: float = 0.0
    load_after: float = 0.0

    @property
    def rps(self) -> float:
        return len(self.latencies_s) / self.seconds if self.seconds else NOT_MEASURED

    def ms(self, p: float) -> float:
        return percentile(self.latencies_s, p) * 1000 if self.latencies_s else NOT_MEASURED

    @property
    def cpu_ms(self) -> float:
        """The server's CPU time per answered upload (PostgreSQL's not included)."""
        answered = len(self.latencies_s) + sum(self.failed.values())
        return self.server_cpu_s / answered * 1000 if answered else NOT_MEASURED

    def to_json(self) -> dict[str, Any]:
        return {
            "workers": self.workers,
            "seconds": round(self.seconds, 3),
            "answered_2xx": len(self.latencies_s),
            "requests_per_s": round(self.rps, 1),
            "p50_ms": round(self.ms(50), 2),
            "p99_ms": round(self.ms(99), 2),
            "failed": dict(self.failed),
            "client_cpu_s": round(self.client_cpu_s, 2),
            "server_cpu_ms_per_upload": round(self.cpu_ms, 2),
            "load_average_before": self.load_before,
            "load_average_after": self.load_after,
        }


@dataclass
class UploadResult:
    runs: list[Run] = field(default_factory=list)
    events_ok: int = 0
    events_stored: int = 0
    missing: str = ""  # why nothing was measured

    def figures(self) -> list[Figure]:
        group = f"event uploads, {PHONES} phones at once on loopback (easeback server run)"
        if self.missing:
            name = f"requests/s ({self.missing})"
            return [Figure(group, name, NOT_MEASURED, "req/s", f">= {RPS_TARGET:g}", False)]
        figures: list[Figure] = []
        for run in self.runs:
            label = f"{run.workers} worker{'s' * (run.workers != 1)}"
            ok = not run.failed
            if run.workers == 1:
                rps_target = f">= {RPS_TARGET:g}"
                figures.append(
                    Figure(
                        group,
                        f"{label}: requests/s",
                        run.rps,
                        "req/s",
                        rps_target,
                        ok and (run.rps >= RPS_TARGET),
                    )
                )
            else:
                figures.append(Figure(group, f"{label}: requests/s", run.rps, "req/s"))
            figures.append(Figure(group, f"{label}: upload p50", run.ms(50), "ms"))
            figures.append(
                Figure(
                    group,
                    f"{label}: upload p99",
                    run.ms(99),
                    "ms",
                    f"<= {P99_TARGET_MS:g} ms",
                    ok and run.ms(99) <= P99_TARGET_MS,
                )
            )
            figures.append(
                Figure(
                    group,
                    f"{label}: server CPU per upload",
                    run.cpu_ms,
                    "ms",
                    f"<= {CPU_TARGET_MS:.1f} ms",
                    run.cpu_ms <= CPU_TARGET_MS,
                )
            )
            if run.failed:
                shown = ", ".join(f"{n} x {s}" for s, n in sorted(run.failed.items()))
                figures.append(
                    Figure(
                        group,
                        f"{label}: answers not 2xx ({shown})",
                        sum(run.failed.values()),
                        "",
                        "= 0",
                        False,
                    )
                )
        figures.append(
            Figure(
                group,
                "events stored (each once)",
                self.events_stored,
                "",
                f"= {self.events_ok} answered 2xx",
                self.events_stored == self.events_ok,
            )
        )
        return figures

    def to_json(self) -> dict[str, Any]:
        return {
            "phones": PHONES,
            "runs": [run.to_json() for run in self.runs],
            "events_answered_2xx": self.events_ok,
            "events_stored": self.events_stored,
            "missing": self.missing or None,
        }


# --- the clinic -------------------------------------------------------------------------


def make_patients(url: str, count: int) -> tuple[Any, list[Phone]]:
    """``count`` patients of one clinician, each logged in; the clinic's engine too."""
    from sqlalchemy import insert

    from easeback.server.accounts import account, start_login
    from easeback.server.passwords import hash_password
    from easeback.server.schema import accounts
    from easeback.server.tenancy import create_patient_store, open_clinic
    from easeback.store.schema import to_utc
    from easeback.usecases.clock import wall_now

    engine = open_clinic(url, pool_size=2)
    now = wall_now()
    shared_hash = hash_password(PASSWORD)
    doctor = uuid.uuid4().hex
    phones: list[Phone] = []
    with engine.begin() as connection:
        connection.execute(
            insert(accounts).values(
                id=doctor, role="clinician", email="dr@bench.example", name="Dr Bench",
                password_hash=shared_hash, created_utc=to_utc(now),
            )
        )  # fmt: skip
    for i in range(count):
        patient = uuid.uuid4().hex
        with engine.begin() as connection:
            connection.execute(
                insert(accounts).values(
                    id=patient, role="patient", email=f"p{i}@bench.example", name=f"Patient {i}",
                    password_hash=shared_hash, clinician_id=doctor, created_utc=to_utc(now),
                )
            )  # fmt: skip
            create_patient_store(connection, patient)
            who = account(connection, patient)
            assert who is not None
            token, _ = start_login(connection, SECRET, who, now)
        phones.append(Phone(login=token))
    return engine, phones


def open_sessions(port: int, phones: list[Phone]) -> None:
    """The safety check through its form, then a session through the API, per phone."""
    import httpx2

    from easeback.core.screening import QUESTIONS

    answers = {q.id: "no" for q in QUESTIONS}
    with httpx2.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as client:
        for phone in phones:
            headers = {"Host": f"127.0.0.1:{port}", "Cookie": phone.cookie()}
            form = {"csrf": CSRF, "clinician_checked": "yes", **answers}
            checked = client.post("/check", data=form, headers=headers)
            if checked.status_code != 200:
                raise SystemExit(f"POST /check gave {checked.status_code}: {checked.text[:300]}")
            started = client.post(
                "/api/sessions",
                json={"routine": "default", "speed": 1.0},
                headers={**headers, "X-CSRF-Token": CSRF},
            )
            if started.status_code != 201:
                raise SystemExit(f"POST /api/sessions gave {started.status_code}: {started.text}")
            reply = started.json()
            phone.session, phone.phases = reply["id"], len(reply["timeline"]["phases"])


def stored_events(engine: Any, count: int) -> int:
    from sqlalchemy import text

    from easeback.server.tenancy import patient_schemas

    total = 0
    with engine.connect() as connection:
        for schema in patient_schemas(connection)[:count]:
            query = text(f"SELECT count(*) FROM {schema}.events")  # noqa: S608 - our names
            total += int(connection.execute(query).scalar())
    return total


# --- the phones -------------------------------------------------------------------------


async def upload(phone: Phone, port: int, until: float, measure_from: float, run: Run) -> None:
    """One phone emptying its queue: a batch, its answer, the next batch, until ``until``."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    loop = asyncio.get_running_loop()
    head = (
        f"POST /api/sessions/{phone.session}/events HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        f"Content-Type: application/json\r\nX-CSRF-Token: {CSRF}\r\n"
        f"Cookie: {phone.cookie()}\r\n"
    )
    try:
        while loop.time() < until:
            body = phone.next_batch()
            events = body.count(b'"seq"')
            begin = time.perf_counter()
            writer.write(f"{head}Content-Length: {len(body)}\r\n\r\n".encode() + body)
            await writer.drain()
            status = int((await reader.readline()).split()[1])
            length = 0
            while (line := await reader.readline()) not in (b"\r\n", b""):
                name, _, value = line.decode("latin-1").partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value)
            await reader.readexactly(length)
            took = time.perf_counter() - begin
            if 200 <= status < 300:
                phone.sent_ok += events
                if loop.time() >= measure_from:
                    run.latencies_s.append(took)
            else:
                run.failed[str(status)] += 1
    finally:
        writer.close()


def tree_cpu_s(pid: int) -> float:
    """CPU time (user + system) so far of process ``pid`` and all its descendants."""
    total, pending = 0.0, [pid]
    while pending:
        current = pending.pop()
        try:
            stat = Path(f"/proc/{current}/stat").read_text(encoding="ascii")
            children = Path(f"/proc/{current}/task/{current}/children").read_text("ascii")
        except OSError:
            continue  # gone meanwhile
        fields = stat.rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        pending += [int(child) for child in children.split()]
    return total


async def all_phones(
    phones: list[Phone], port: int, server_pid: int, seconds: float, run: Run
) -> None:
    loop = asyncio.get_running_loop()
    start = loop.time()
    measure_from = start + WARM_S

    async def server_cpu_from_warm() -> float:
        await asyncio.sleep(max(0.0, measure_from - loop.time()))
        return tree_cpu_s(server_pid)

    cpu_task = asyncio.create_task(server_cpu_from_warm())
    await asyncio.gather(
        *(upload(p, port, measure_from + seconds, measure_from, run) for p in phones)
    )
    run.server_cpu_s = tree_cpu_s(server_pid) - await cpu_task
    run.seconds = loop.time() - measure_from


def measure(quick: bool = False) -> UploadResult:
    sys.path.insert(0, str(TESTS))
    import postgres  # type: ignore[import-not-found]
    from server_processes import running, server_env  # type: ignore[import-not-found]

    result = UploadResult()
    if postgres.binaries() is None:
        result.missing = f"no PostgreSQL 15 or later: {postgres.INSTALL}"
        return result
    seconds = QUICK_RUN_S if quick else RUN_S
    with postgres.cluster() as url:
        engine, phones = make_patients(url, PHONES)
        env = server_env(EASEBACK_SERVER_DB=url, EASEBACK_SECRET=SECRET)
        for workers in WORKERS:
            run = Run(workers, load_before=os.getloadavg()[0])
            with running(env, workers=workers) as server:
                if not phones[0].session:
                    open_sessions(server.port, phones)
                cpu = time.process_time()
                asyncio.run(all_phones(phones, server.port, server.process.pid, seconds, run))
                run.client_cpu_s = time.process_time() - cpu
            run.load_after = os.getloadavg()[0]
            result.runs.append(run)
            print(
                f"  {workers} worker(s): {run.rps:.0f} requests/s, p50 {run.ms(50):.0f} ms, "
                f"p99 {run.ms(99):.0f} ms, server CPU {run.cpu_ms:.1f} ms per upload "
                f"(load average {run.load_before:.1f})",
                flush=True,
            )
        result.events_ok = sum(p.sent_ok for p in phones)
        result.events_stored = stored_events(engine, PHONES)
        engine.dispose()
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_RUN_S:g} s per run")
    args = parser.parse_args()
    found = measure(quick=args.quick)
    figures = found.figures()
    print(format_table(figures))
    return 1 if any(f.passed is False for f in figures) else 0


if __name__ == "__main__":
    sys.exit(main())
