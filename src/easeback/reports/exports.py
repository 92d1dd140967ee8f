"""The three export formats, written as a stream: a 5-year store never has to fit
in memory as Python objects (JSON and CSV read the tables in batches; FHIR reads
only the rows it needs, with each session's events summed up by the database)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy import Engine

FORMATS = ("csv", "json", "fhir")
# The events FHIR needs of a session: its endings, and its last moment.
FHIR_EVENTS = (
    "WHERE kind IN ('completed', 'pain_stop', 'quit') OR id IN "
    "(SELECT max(id) FROM events GROUP BY session_id)"
)


def write_export(
    engine: Engine, kind: str, now: datetime, out: IO[bytes], *, excel: bool = False
) -> None:
    """Write one export to ``out``: json (everything, re-importable), csv (a zip of
    tables; ``excel``: with a byte-order mark for Microsoft Excel) or fhir (an R4B
    Bundle)."""
    if kind == "json":
        write_json(engine, now, out)
    elif kind == "csv":
        from easeback.reports.tables import write_csv_zip

        write_csv_zip(engine, out, excel=excel)
    else:
        bundle = fhir_export(engine, now)
        out.write((json.dumps(bundle, ensure_ascii=False, separators=(",", ":")) + "\n").encode())


def write_json(engine: Engine, now: datetime, out: IO[bytes]) -> None:
    """The JSON export, row by row; ``json.loads`` of it equals ``dump()``."""
    from easeback.store.dump import TABLES, header, iter_rows

    encode = json.JSONEncoder(separators=(",", ":")).encode  # ASCII: the fastest path
    head = encode(header(now))[:-1]  # leave the object open
    out.write(f'{head},"tables":{{'.encode())
    with engine.connect() as connection:
        for index, name in enumerate(TABLES):
            out.write(f'{"," if index else ""}\n"{name}":['.encode())
            batch: list[str] = []
            written = 0
            for row in iter_rows(connection, name):
                batch.append(encode(row))
                if len(batch) == ROWS_PER_WRITE:
                    written += _write_rows(out, batch, written)
                    batch = []
            _write_rows(out, batch, written)
            out.write(b"\n]")
    out.write(b"\n}}\n")


def fhir_export(engine: Engine, now: datetime) -> dict[str, Any]:
    from easeback.reports.fhir import fhir_bundle
    from easeback.store.dump import header, iter_rows
    from easeback.usecases.today import export_plan

    wanted = (
        "sessions",
        "pain_ratings",
        "diary_entries",
        "psfs_activities",
        "psfs_ratings",
        "profiles",
    )
    with engine.connect() as connection:
        tables = {name: list(iter_rows(connection, name)) for name in wanted}
        tables["events"] = list(iter_rows(connection, "events", FHIR_EVENTS))
    plan = export_plan(engine)
    bundle: dict[str, Any] = fhir_bundle(
        header(now) | {"tables": tables}, plan.stretches, plan.source
    )
    return bundle


ROWS_PER_WRITE = 5000


def _write_rows(out: IO[bytes], rows: list[str], before: int) -> int:
    """Write encoded rows as JSON array items (after ``before`` items already there)."""
    if rows:
        out.write(("," if before else "").encode() + ("\n" + ",\n".join(rows)).encode())
    return len(rows)
