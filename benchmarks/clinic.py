"""The clinician's pages on a clinic of 1,000 patients in PostgreSQL (issue 13).

A throwaway PostgreSQL server (tests/postgres.py) holds one clinician with 1,000
patients, each with an account, their own store schema and their summary row. The
histories are generated with history.py's builder (daily use as the player records
it: about 3 sessions a day with their events, pain ratings, follow-ups, progression)
plus a diary entry most days, and copied into the patients' schemas inside the
server (``INSERT ... SELECT`` from a template schema built by the store's own
migrations): a month of daily use for every patient, and a year for a sample of
them. A year for all 1,000 would be 35 million events, far beyond this benchmark's
three minutes; the list reads only the summary rows, and a patient's page reads only
that patient's schema, so the sample shows what a year costs.

Measured, in process through the server's whole app (guard, login, audit):
``/clinic`` (the list of 1,000) and ``/clinic/patients/{id}`` for patients with a
month and with a year of history, p50 and p99; and ``refresh`` (what a patient's
write costs to keep their row) at both sizes. Targets: p99 under 100 ms for the list
and under 200 ms for a patient's page, at both sizes.

Run alone: .venv/bin/python benchmarks/clinic.py [--patients N] [--rounds N]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, insert, text

TESTS = Path(__file__).resolve().parent.parent / "tests"
sys.path.insert(0, str(TESTS))

from easeback.clinician.status import keep, refresh, summarise  # noqa: E402
from easeback.content.library import load_library  # noqa: E402
from easeback.core.plan import DaySettings, local_day  # noqa: E402
from easeback.core.progression import ladders  # noqa: E402
from easeback.server.accounts import create_account  # noqa: E402
from easeback.server.app import create_server_app  # noqa: E402
from easeback.server.passwords import hash_password  # noqa: E402
from easeback.server.schema import accounts  # noqa: E402
from easeback.server.tenancy import create_patient_store, scoped  # noqa: E402
from easeback.store.schema import diary_entries, metadata, to_utc  # noqa: E402
from easeback.usecases.clock import wall_now  # noqa: E402
from figures import Figure, format_table, median, percentile  # noqa: E402
from history import _Builder  # noqa: E402
from postgres import cluster  # type: ignore[import-not-found]  # noqa: E402
from server_helpers import (  # type: ignore[import-not-found]  # noqa: E402
    PASSWORD,
    config_for,
    log_in,
)

PATIENTS = 1000
YEAR_SAMPLE = 20
LIST_TARGET_MS = 100.0
PAGE_TARGET_MS = 200.0
SIZES = {"month": 30, "year": 365}


@dataclass
class ClinicResult:
    patients: int
    counts: dict[str, dict[str, int]]
    generate_s: dict[str, float]
    samples_ms: dict[str, list[float]] = field(default_factory=dict)

    def figures(self) -> list[Figure]:
        month, year = self.counts["month"], self.counts["year"]
        group = (
            f"clinic of {self.patients} patients in PostgreSQL (each: a month, "
            f"{month['sessions']} sessions, {month['events']} events; {YEAR_SAMPLE} of them "
            f"a year, {year['sessions']} sessions, {year['events']} events)"
        )
        out = [
            Figure(group, f"generating: {what}", seconds, "s")
            for what, seconds in self.generate_s.items()
        ]
        for name, samples in self.samples_ms.items():
            target = None
            if name.startswith("list"):
                target = LIST_TARGET_MS
            elif name.startswith("patient page"):
                target = PAGE_TARGET_MS
            out.append(Figure(group, f"{name}: p50", median(samples), "ms"))
            p99 = percentile(samples, 99)
            out.append(
                Figure(
                    group,
                    f"{name}: p99 of {len(samples)}",
                    p99,
                    "ms",
                    f"< {target:g} ms" if target else "",
                    p99 < target if target else None,
                )
            )
        return out

    def to_json(self) -> dict[str, Any]:
        return {
            "patients": self.patients,
            "counts": self.counts,
            "generate_s": self.generate_s,
            "samples_ms": self.samples_ms,
        }


def history_rows(
    days: int, now: datetime, seed: int
) -> tuple[dict[str, list[dict[str, Any]]], int]:
    """One patient's daily use for ``days`` up to ``now`` (history.py's builder), with a
    diary entry most days; and how many screenings it holds."""
    zone = "UTC"
    library = load_library()
    rng = random.Random(seed)
    builder = _Builder(library, ladders(library), DaySettings(zone=zone), zone, now, rng)
    today = local_day(now, zone)
    day = today - timedelta(days=days - 1)
    while day <= today:
        builder.day(day)
        day += timedelta(days=1)
    rows = dict(builder.rows)
    start = now - timedelta(days=days)
    rows["diary"] = [
        {
            "at_utc": to_utc(start + timedelta(days=d, hours=rng.randint(7, 21))),
            "zone": zone,
            "pain": max(0, min(10, round(6 - 3 * d / days + rng.gauss(0, 1.2)))),
            "note": None,
            "share": False,
        }
        for d in range(days)
        if rng.random() < 0.85
    ]
    return rows, len(builder.screenings)


def fill_template(clinic: Engine, schema: str, rows: dict[str, list[dict[str, Any]]]) -> None:
    """Write ``rows`` into the template schema (a real patient store, empty)."""
    from easeback.store.schema import (
        dose_changes,
        events,
        followups,
        pain_ratings,
        progress,
        sessions,
    )

    tables = [
        (sessions, "sessions"),
        (events, "events"),
        (pain_ratings, "pain"),
        (followups, "followups"),
        (progress, "progress"),
        (dose_changes, "changes"),
        (diary_entries, "diary"),
    ]
    with clinic.begin() as connection:
        connection.execute(text("SELECT set_config('search_path', :s, true)"), {"s": schema})
        for table, name in tables:
            if rows[name]:
                connection.execute(insert(table), rows[name])


TABLES = [t.name for t in metadata.sorted_tables]


def clone_sql(template: str, schema: str, *, create: bool) -> str:
    """One round trip: (make ``schema`` with the template's tables, indexes included,
    and) copy the template's rows into it. Names are the benchmark's own uuid hex."""
    parts = []
    if create:
        parts.append(f"CREATE SCHEMA {schema}")
        for table in [*TABLES, "alembic_version"]:
            parts.append(f"CREATE TABLE {schema}.{table} (LIKE {template}.{table} INCLUDING ALL)")
        parts.append(
            f"INSERT INTO {schema}.alembic_version SELECT * FROM {template}.alembic_version"  # noqa: S608
        )
    for table in TABLES:
        parts.append(f"INSERT INTO {schema}.{table} SELECT * FROM {template}.{table}")  # noqa: S608
    return ";\n".join(parts)


def build(url: str, patients: int, now: datetime) -> tuple[dict[str, Any], ClinicResult]:
    app = create_server_app(config_for(url), pool_size=4)
    clinic: Engine = app.state.clinic
    generate: dict[str, float] = {}
    begin = time.perf_counter()
    with clinic.begin() as connection:
        doctor = create_account(
            connection,
            role="clinician",
            email="dr@clinic.test",
            name="Dr Okafor",
            password=PASSWORD,
            now=now,
        )
    rng = random.Random(13)
    first_names = ["Sam", "Ann", "Bea", "Cy", "Di", "Ed", "Flo", "Gus", "Hal", "Ivy", "Jo", "Kit"]
    ids = [uuid.uuid4().hex for _ in range(patients)]
    hashed = hash_password(PASSWORD)
    with clinic.begin() as connection:
        connection.execute(
            insert(accounts),
            [
                {
                    "id": pid,
                    "role": "patient",
                    "email": f"p{n}@clinic.test",
                    "name": f"{rng.choice(first_names)} Patient {n:04d}",
                    "password_hash": hashed,
                    "clinician_id": doctor.id,
                    "created_utc": to_utc(now - timedelta(days=400)),
                }
                for n, pid in enumerate(ids)
            ],
        )
    generate["1,000 accounts" if patients == PATIENTS else f"{patients} accounts"] = (
        time.perf_counter() - begin
    )

    counts: dict[str, dict[str, int]] = {}
    templates: dict[str, str] = {}
    summaries = {}
    for size, days in SIZES.items():
        begin = time.perf_counter()
        rows, screenings = history_rows(days, now, seed=days)
        template = uuid.uuid4().hex
        with clinic.begin() as connection:
            create_patient_store(connection, template)
        fill_template(clinic, f"p_{template}", rows)
        templates[size] = f"p_{template}"
        summaries[size] = summarise(scoped(clinic, template), now)
        counts[size] = {
            "sessions": len(rows["sessions"]),
            "events": len(rows["events"]),
            "pain_ratings": len(rows["pain"]),
            "diary": len(rows["diary"]),
            "screenings": screenings,
        }
        generate[f"a {size}'s history, generated once"] = time.perf_counter() - begin

    year_ids = ids[: min(YEAR_SAMPLE, patients)]
    begin = time.perf_counter()

    def clone(chunk: list[str]) -> None:
        raw = clinic.raw_connection()
        try:
            cursor = raw.cursor()
            for pid in chunk:  # a commit each: one transaction would lock 20,000 tables
                cursor.execute(clone_sql(templates["month"], f"p_{pid}", create=True))
                raw.commit()
                if pid in year_ids:
                    cursor.execute(
                        "; ".join(f"DELETE FROM p_{pid}.{t}" for t in reversed(TABLES))  # noqa: S608
                        + ";\n"
                        + clone_sql(templates["year"], f"p_{pid}", create=False)
                    )
                    raw.commit()
            if chunk is chunks[0]:
                # Fresh statistics for the clinic's tables and the schemas measured (all
                # at once would lock every table of the database in one transaction).
                for schema in ["clinic"] + [f"p_{pid}" for pid in ids[: 2 * YEAR_SAMPLE]]:
                    names = TABLES if schema != "clinic" else ["accounts", "audit", "logins"]
                    for table in names:
                        cursor.execute(f"ANALYZE {schema}.{table}")
                    raw.commit()
        finally:
            raw.close()

    # Two connections at once: the server's two cores both work.
    chunks = [ids[: 2 * YEAR_SAMPLE] + ids[2 * YEAR_SAMPLE :][::2], ids[2 * YEAR_SAMPLE :][1::2]]
    with ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(clone, chunks))
    generate[f"{patients} store schemas, histories copied in"] = time.perf_counter() - begin
    begin = time.perf_counter()
    for pid in ids:
        keep(clinic, pid, summaries["year" if pid in year_ids else "month"], now)
    generate[f"{patients} summary rows"] = time.perf_counter() - begin
    ids_by_size = {"month": ids[YEAR_SAMPLE : 2 * YEAR_SAMPLE], "year": year_ids}
    return {"app": app, "ids": ids_by_size, "clinic": clinic}, ClinicResult(
        patients, counts, generate
    )


def timed(client: Any, path: str) -> float:
    begin = time.perf_counter()
    response = client.get(path)
    elapsed = (time.perf_counter() - begin) * 1000
    if response.status_code != 200:
        raise RuntimeError(f"{path}: {response.status_code} {response.text[:300]}")
    return elapsed


def measure(patients: int = PATIENTS, rounds: int = 200) -> ClinicResult:
    from fastapi.testclient import TestClient

    with cluster() as server:
        admin = create_engine(server, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text("CREATE DATABASE bench_clinic"))
        admin.dispose()
        url = server.rsplit("/", 1)[0] + "/bench_clinic"
        now = wall_now()
        made, result = build(url, patients, now)
        app, ids, clinic = made["app"], made["ids"], made["clinic"]
        try:
            client = TestClient(app, base_url="https://clinic.test")
            log_in(client, "dr@clinic.test")
            for _ in range(5):  # warm-up: templates compiled, pool filled
                timed(client, "/clinic")
                timed(client, f"/clinic/patients/{ids['month'][0]}")
                timed(client, f"/clinic/patients/{ids['year'][0]}")
            result.samples_ms["list of all patients (/clinic)"] = [
                timed(client, "/clinic") for _ in range(rounds)
            ]
            result.samples_ms["list, searched and sorted by pain"] = [
                timed(client, "/clinic?sort=-pain&q=patient%2000") for _ in range(rounds // 2)
            ]
            for size in SIZES:
                chosen = ids[size]
                result.samples_ms[f"patient page, a {size} of history"] = [
                    timed(client, f"/clinic/patients/{chosen[i % len(chosen)]}")
                    for i in range(rounds // 2)
                ]
            for size in SIZES:
                samples = []
                for pid in ids[size][:10]:
                    begin = time.perf_counter()
                    refresh(clinic, pid, now)
                    samples.append((time.perf_counter() - begin) * 1000)
                result.samples_ms[f"refresh of a summary row, a {size} of history"] = samples
        finally:
            clinic.dispose()
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=PATIENTS)
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args(argv)
    begin = time.perf_counter()
    result = measure(args.patients, args.rounds)
    figures = result.figures()
    print(format_table(figures))
    print(f"\nwhole run: {time.perf_counter() - begin:.1f} s")
    return 1 if any(f.passed is False for f in figures) else 0


if __name__ == "__main__":
    sys.exit(main())
