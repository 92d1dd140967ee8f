"""The whole store as plain data and back: the JSON export and its import.

Every table is dumped row by row with every column, in primary-key order, so an
export imported into an empty store and exported again gives the same data (only
``exported_utc`` differs). Times are ISO 8601 strings in UTC, as stored.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Connection, DateTime, Engine, Integer, func, insert, select

from easeback.store.schema import metadata, new_uid

FORMAT = "easeback-export"
VERSION = 1
# Parents before children, so an import satisfies every foreign key as it goes.
TABLES = (
    "sessions",
    "events",
    "consents",
    "screenings",
    "clearances",
    "followups",
    "pain_ratings",
    "day_settings",
    "progress",
    "dose_changes",
    "calendar_files",
    "diary_entries",
    "psfs_activities",
    "psfs_ratings",
    "profiles",
    "prescriptions",
    "plan_sources",
    "trusted_clinicians",
    "flare_ups",
    "flare_checks",
)


class DumpError(ValueError):
    """An import file that is not an easeback export, or not one this version reads."""


def dump(engine: Engine, *, exported: datetime) -> dict[str, Any]:
    """Every table as a list of row objects (in memory: for import checks and tests;
    exports stream the same rows with ``iter_rows``)."""
    with engine.connect() as connection:
        tables = {name: list(iter_rows(connection, name)) for name in TABLES}
    return header(exported) | {"tables": tables}


def header(exported: datetime) -> dict[str, Any]:
    return {"format": FORMAT, "version": VERSION, "exported_utc": exported.isoformat()}


def iter_rows(
    connection: Connection, name: str, where: str = "", batch: int = 2000
) -> Iterator[dict[str, Any]]:
    """One table's rows in primary-key order, as JSON-ready dicts, read in batches.

    Reads with the driver's own cursor (no ORM row objects: a 5-year store has some
    200,000 events) and converts each column as the schema says: times to ISO 8601
    (UTC, as stored), booleans to true/false. ``where`` is a trusted SQL condition.
    """
    keys = [c.name for c in metadata.tables[name].columns]
    for values in iter_values(connection, name, where, batch):
        yield dict(zip(keys, values, strict=True))


def iter_values(
    connection: Connection, name: str, where: str = "", batch: int = 2000
) -> Iterator[list[Any]]:
    """``iter_rows`` without the keys: each row's converted values in column order."""
    table = metadata.tables[name]
    columns = list(table.columns)
    # Quoted: "end" (a prescription's last day) is a reserved word in PostgreSQL.
    quote = connection.dialect.identifier_preparer.quote
    order = ", ".join(quote(c.name) for c in table.primary_key.columns)
    names = ", ".join(quote(c.name) for c in columns)
    sql = f"SELECT {names} FROM {name} {where} ORDER BY {order}"  # noqa: S608 - our names
    fixes = [(i, fix) for i, fix in enumerate(converter(c) for c in columns) if fix]
    result = connection.execution_options(stream_results=True).exec_driver_sql(sql)
    while rows := result.fetchmany(batch):
        for row in rows:
            values = list(row)
            for index, fix in fixes:
                if values[index] is not None:
                    values[index] = fix(values[index])
            yield values


def converter(column: Any) -> Any:
    if isinstance(column.type, DateTime):
        return _time_text
    if isinstance(column.type, Boolean):
        return bool
    return None


def _time_text(value: Any) -> str:
    """ISO 8601, the same for SQLite's stored text and a driver's datetime."""
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    return moment.isoformat()


def is_empty(engine: Engine) -> bool:
    with engine.connect() as connection:
        for name in TABLES:
            count = connection.execute(
                select(func.count()).select_from(metadata.tables[name])
            ).scalar()
            if count:
                return False
    return True


def load(engine: Engine, data: Any, *, source: str) -> dict[str, int]:
    """Check an export completely, then write it in one transaction (all or nothing).

    Returns rows written per table. Raises ``DumpError`` naming what is wrong.
    """
    from sqlalchemy.exc import SQLAlchemyError

    rows = check(data, source=source)
    try:
        with engine.begin() as connection:
            for name in TABLES:
                if rows[name]:
                    connection.execute(insert(metadata.tables[name]), rows[name])
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", exc)).splitlines()[0]
        raise DumpError(f"{source}: the rows do not fit together ({reason})") from None
    try:
        _read_back(engine)
    except Exception as exc:  # whatever the readers trip on, the import is undone
        _empty(engine)
        if isinstance(exc, DumpError):
            raise DumpError(f"{source}: {exc}") from None
        raise DumpError(f"{source}: the data cannot be read back ({type(exc).__name__})") from None
    return {name: len(rows[name]) for name in TABLES}


def _read_back(engine: Engine) -> None:
    """Read the imported store as the app will, so nothing unreadable stays in it."""
    from datetime import UTC

    from easeback.store.diary import psfs_view
    from easeback.store.plan import latest_settings, latest_snapshot, unfolded_sessions
    from easeback.store.profile import latest_profile
    from easeback.store.safety import current_gate, safety_records
    from easeback.store.sessions import list_sessions

    now = datetime.now(UTC)
    latest_settings(engine)
    latest_profile(engine)
    latest_snapshot(engine)
    safety_records(engine)
    list_sessions(engine, now=now)
    unfolded_sessions(engine, now=now)
    current_gate(engine, now)
    psfs_view(engine, now)
    _check_prescriptions(engine)


def _check_prescriptions(engine: Engine) -> None:
    """Each prescription row must be what its signed file says (the plan inside the
    clinical bounds, its dates, version, clinician and person): an edited export
    cannot slip in a dose, a date or a name no clinician signed."""
    from easeback.store.schema import prescriptions

    with engine.connect() as connection:
        rows = connection.execute(select(prescriptions)).mappings().all()
    for row in rows:
        problem = prescription_problem(dict(row))
        if problem is not None:
            raise DumpError(f"prescription {row['id']} {problem}")


def prescription_problem(row: dict[str, Any]) -> str | None:
    """What is wrong with a prescription row against its own signed file (None: it is
    what the file says). Imports and sync both check each row with it."""
    import json

    from easeback.content.library import load_library
    from easeback.prescribing.bundle import full
    from easeback.prescribing.signed import open_file
    from easeback.store.schema import to_utc

    library = load_library()
    try:
        issued = open_file(row["file"].encode("utf-8"), library)
    except ValueError as exc:
        return f"cannot be opened: {exc}"
    rx = issued.prescription
    signed = {
        "id": issued.id,
        "version": rx.version,
        "fingerprint": issued.fingerprint,
        "clinician": issued.clinician.model_dump(),
        "patient": issued.patient,
        "issued_utc": to_utc(issued.issued),
        "start": rx.start.isoformat(),
        "end": rx.end.isoformat() if rx.end else None,
        "plan": full(rx, library).model_dump(mode="json"),
    }
    try:
        stored = {
            **{key: row[key] for key in signed},
            "clinician": json.loads(row["clinician"]),
            "plan": json.loads(row["plan"]),
        }
    except (KeyError, TypeError, ValueError):
        return "is not a prescription row"
    if isinstance(stored["issued_utc"], str):
        stored["issued_utc"] = datetime.fromisoformat(stored["issued_utc"])
    if stored != signed:
        wrong = ", ".join(key for key in signed if stored[key] != signed[key])
        return f"differs from its signed file ({wrong})"
    return None


def _empty(engine: Engine) -> None:
    """Remove every row (the store was empty before the import)."""
    with engine.begin() as connection:
        for name in reversed(TABLES):
            connection.execute(metadata.tables[name].delete())


def check(data: Any, *, source: str) -> dict[str, list[dict[str, Any]]]:
    """The rows of an export, typed for insertion; every problem raises DumpError."""
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise DumpError(f'{source}: not an easeback export (no "format": "{FORMAT}")')
    if data.get("version") != VERSION:
        raise DumpError(
            f"{source}: export version {data.get('version')!r}; this easeback reads "
            f"version {VERSION}"
        )
    tables = data.get("tables")
    if not isinstance(tables, dict):
        raise DumpError(f'{source}: "tables" must be an object of table name -> rows')
    unknown = sorted(set(tables) - set(TABLES))
    if unknown:
        raise DumpError(f"{source}: unknown tables: {', '.join(unknown)}")
    out: dict[str, list[dict[str, Any]]] = {}
    for name in TABLES:
        table = metadata.tables[name]
        given = tables.get(name, [])
        if not isinstance(given, list):
            raise DumpError(f"{source}: tables.{name} must be a list of rows")
        typed: list[dict[str, Any]] = []
        columns = {c.name: c for c in table.columns}
        for index, row in enumerate(given):
            where = f"{source}: tables.{name}[{index}]"
            if not isinstance(row, dict):
                raise DumpError(f"{where}: must be an object")
            extra = sorted(set(row) - set(columns))
            if extra:
                raise DumpError(f"{where}: unknown columns: {', '.join(extra)}")
            if "uid" in columns and row.get("uid") is None:
                row = {**row, "uid": new_uid()}  # exported before records had their own ids
            item = {
                key: typed_value(columns[key], row.get(key), f"{where}.{key}") for key in columns
            }
            for key, rule in RULES.get(name, {}).items():
                if item[key] is not None and not rule[0](item[key]):
                    raise DumpError(f"{where}.{key}: {item[key]!r} {rule[1]}")
            if "zone" in item and not known_zone_name(item["zone"]):
                raise DumpError(f"{where}.zone: {item['zone']!r} is not a known time zone")
            typed.append(item)
        out[name] = typed
    return out


def typed_value(column: Any, value: Any, where: str) -> Any:
    if value is None:
        if not column.nullable and not column.primary_key:
            raise DumpError(f"{where}: missing (it is required)")
        return None
    kind = column.type
    if isinstance(kind, DateTime):
        if not isinstance(value, str):
            raise DumpError(f"{where}: must be an ISO 8601 time")
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            raise DumpError(f"{where}: {value!r} is not an ISO 8601 time") from None
        if moment.tzinfo is not None:
            raise DumpError(f"{where}: {value!r} carries an offset; exports hold UTC without one")
        return moment
    if isinstance(kind, Boolean):
        if not isinstance(value, bool):
            raise DumpError(f"{where}: must be true or false")
        return value
    if isinstance(kind, Integer):
        if not isinstance(value, int) or isinstance(value, bool):
            raise DumpError(f"{where}: must be a whole number")
        if not -(2**31) <= value < 2**31:  # PostgreSQL's INTEGER, SQLite's too here
            raise DumpError(f"{where}: {value} is too large")
        return value
    if column.type.python_type is float:
        if not isinstance(value, int | float) or isinstance(value, bool):
            raise DumpError(f"{where}: must be a number")
        if not -1e9 < float(value) < 1e9:  # not infinite, not NaN, not absurd
            raise DumpError(f"{where}: {value!r} is not a usable number")
        return float(value)
    if not isinstance(value, str):
        raise DumpError(f"{where}: must be text")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise DumpError(f"{where}: holds characters that are not valid text") from None
    length = getattr(kind, "length", None)
    if length is not None and len(value) > length:
        raise DumpError(f"{where}: longer than {length} characters")
    return value


def known_zone_name(name: str) -> bool:
    from easeback.core.plan import known_zone

    return name == "UTC" or known_zone(name)


def _hhmm(value: str) -> bool:
    import re

    return re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", value) is not None


def _days(value: str) -> bool:
    from easeback.core.plan import parse_days

    try:
        parse_days(value or "none")
    except ValueError:
        return False
    return True


def _json(value: str) -> bool:
    import json

    try:
        json.loads(value)
    except ValueError:
        return False
    return True


def _speed(value: float) -> bool:
    from easeback.core.player import MAX_SPEED

    return 1 <= value <= MAX_SPEED


def _pain(value: int) -> bool:
    return 0 <= value <= 10


def _birth_date(value: str) -> bool:
    import re
    from datetime import date

    from easeback.core.profile import EARLIEST_BIRTH

    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value, re.ASCII):
        return False
    try:
        return date.fromisoformat(value) >= EARLIEST_BIRTH
    except ValueError:
        return False


def _one_line(value: str) -> bool:
    import unicodedata

    from easeback.core.profile import CONTROL

    return bool(value.strip()) and not any(unicodedata.category(c) in CONTROL for c in value)


# Values the app relies on, per table and column: (check, what is wrong otherwise).
RULES: dict[str, dict[str, tuple[Any, str]]] = {
    "pain_ratings": {"value": (_pain, "is not a score from 0 to 10")},
    "diary_entries": {"pain": (_pain, "is not a score from 0 to 10")},
    "psfs_ratings": {"value": (_pain, "is not a rating from 0 to 10")},
    "psfs_activities": {"name": (lambda v: bool(v.strip()), "is not an activity name")},
    "day_settings": {
        "wake": (_hhmm, "is not a time HH:MM"),
        "bed": (_hhmm, "is not a time HH:MM"),
        "work_start": (_hhmm, "is not a time HH:MM"),
        "work_end": (_hhmm, "is not a time HH:MM"),
        "work_days": (_days, "is not a list of days such as mon,tue"),
    },
    "progress": {"state": (_json, "is not JSON")},
    "screenings": {"answers": (_json, "is not JSON")},
    "sessions": {
        "timeline": (_json, "is not JSON"),
        "speed": (_speed, "is not a playing speed (1 to 500)"),
    },
    "profiles": {
        "name": (_one_line, "is not a name on one line"),
        "birth_date": (_birth_date, "is not a date of birth YYYY-MM-DD from 1900"),
        "clinic_id": (_one_line, "is not an identifier on one line"),
    },
}
