"""Records on the wire: what one side sends the other, and how it is stored there.

Both ends of a sync use this module: a device reads what it made and the server
stores it (push); the server reads what a device lacks and the device stores it
(pull). One reading, one checking and one storing of records, so the union is the
same whichever way a record travels.

A record is known everywhere by its identity (``Synced.identity``), never by a
local integer id: re-sending a record changes nothing, and one sent with the same
identity but other content is refused as changed (``ExchangeError("changed")``),
except for the one thing a record may gain later: a psfs activity's retirement
(the earliest one holds). Which records to send is a range of the ledger
(store/schema.py ``sync_ledger``) that database triggers keep.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Table, func, insert, or_, select, text, update

from easeback.core.timeline import Timeline
from easeback.store.dump import (
    RULES,
    DumpError,
    converter,
    known_zone_name,
    prescription_problem,
    typed_value,
)
from easeback.store.schema import metadata, sessions, sync_ledger, sync_marks, to_utc


@dataclass(frozen=True)
class Synced:
    """One synced table: its name, the columns naming a record on every side, and the
    column of its primary key here (what the ledger holds)."""

    name: str
    identity: tuple[str, ...]
    key: str = "id"

    @property
    def table(self) -> Table:
        return metadata.tables[self.name]

    @property
    def local_id(self) -> bool:
        """Is the primary key a number made by this database (never sent)?"""
        return self.key == "id" and self.identity != ("id",)


# How far a record's time may be ahead of the receiver's clock.
# How far a record's time may be ahead of the receiver's clock: clocks a few minutes
# apart, or one that was set wrong for a while, must not stop a sync; a record from
# years ahead would win every "newest" for good.
FUTURE_LIMIT = timedelta(days=1)
# Parents before children: a batch stored in this order satisfies every reference.
SYNCED = {
    s.name: s
    for s in (
        Synced("sessions", ("id",)),
        Synced("events", ("session_id", "seq")),
        Synced("consents", ("uid",)),
        Synced("screenings", ("uid",)),
        Synced("clearances", ("uid",)),
        Synced("followups", ("uid",)),
        Synced("pain_ratings", ("session_id", "moment")),
        Synced("day_settings", ("uid",)),
        Synced("diary_entries", ("uid",)),
        Synced("psfs_activities", ("uid",)),
        Synced("psfs_ratings", ("uid",)),
        Synced("profiles", ("uid",)),
        Synced("prescriptions", ("id",)),
        Synced("plan_sources", ("uid",)),
        Synced("trusted_clinicians", ("fingerprint",), key="fingerprint"),
        Synced("flare_ups", ("id",)),
        Synced("flare_checks", ("id",)),
    )
}
# Sent in place of a psfs rating's local activity number: the activity's own id.
ACTIVITY_UID = "activity_uid"
# What a record may gain after it was first stored (merged, not refused as changed).
# The earliest value holds: an activity retired once stays retired; a prescription
# imported on two sides (the clinic published it, the person also imported the file)
# was imported first when it first was.
MERGED = {"psfs_activities": ("retired_utc",), "prescriptions": ("imported_utc",)}
# When a record happened, for redoing progression from the earliest one that arrived.
MOMENTS = {
    "sessions": "started_utc",
    "followups": "at_utc",
    "day_settings": "at_utc",
    "plan_sources": "at_utc",
    "flare_ups": "started_utc",
    "flare_checks": "at_utc",
}


class ExchangeError(ValueError):
    """A batch that cannot be stored: ``problem`` is "input" (malformed) or "changed"
    (a record already stored with other content). Nothing of the batch is stored."""

    def __init__(self, problem: str, message: str) -> None:
        super().__init__(message)
        self.problem = problem
        self.message = message


@dataclass(frozen=True)
class Outgoing:
    """One batch to send: the records as wire tables, the ledger position it reaches,
    and whether more lines wait after it."""

    tables: list[dict[str, Any]]
    next: int
    more: bool

    @property
    def count(self) -> int:
        return sum(len(t["rows"]) for t in self.tables)


@dataclass(frozen=True)
class Stored:
    """What storing a batch did: records new here, records already here, and the
    earliest moment among the new ones that progression depends on (None: none)."""

    stored: int
    already: int
    earliest: datetime | None


def wire_columns(spec: Synced) -> list[str]:
    columns = [c.name for c in spec.table.columns if not (spec.local_id and c.name == "id")]
    if spec.name == "psfs_ratings":
        columns = [ACTIVITY_UID if c == "activity_id" else c for c in columns]
    return columns


def wait_for_writers(connection: Connection, mode: str) -> None:
    """On PostgreSQL, take the ledger's lock: SHARE to read (every line numbered so far
    is committed, none is skipped), EXCLUSIVE to store (lines made meanwhile are ours).
    SQLite has one writer at a time anyway."""
    if connection.dialect.name == "postgresql":
        connection.execute(text(f"LOCK TABLE sync_ledger IN {mode} MODE"))


def outgoing(
    connection: Connection,
    *,
    after: int,
    limit: int,
    skip_source: str | None = None,
    everything: bool = False,
) -> Outgoing:
    """Records whose ledger lines come after ``after``, at most ``limit`` lines: made
    here (``skip_source`` None: a device's push), or from anywhere but the device
    ``skip_source`` (a server answering that device's pull), or from anywhere at all
    (``everything``: a device restored from an older copy asks again)."""
    wait_for_writers(connection, "SHARE")
    ledger = sync_ledger.c
    mine: Any
    if everything:
        mine = ledger.n.is_not(None)
    elif skip_source is None:
        mine = ledger.source.is_(None)
    else:
        mine = or_(ledger.source.is_(None), ledger.source != skip_source)
    lines = connection.execute(
        select(ledger.n, ledger.tbl, ledger.row_key)
        .where(ledger.n > after, mine)
        .order_by(ledger.n)
        .limit(limit)
    ).all()
    if len(lines) == limit:
        reached, more = lines[-1][0], True
    else:
        top = connection.execute(select(func.max(ledger.n)).where(ledger.n > after)).scalar()
        reached, more = (top if top is not None else after), False
    keys: dict[str, dict[str, None]] = {}  # each key once, in the ledger's order
    for _n, name, key in lines:
        if name in SYNCED:
            keys.setdefault(name, {})[key] = None
    tables = []
    for name, spec in SYNCED.items():
        if keys.get(name):
            rows = read_rows(connection, spec, list(keys[name]))
            if rows:
                tables.append({"name": name, "columns": wire_columns(spec), "rows": rows})
    return Outgoing(tables=tables, next=reached, more=more)


def read_rows(connection: Connection, spec: Synced, keys: Sequence[str]) -> list[list[Any]]:
    """The rows with these primary keys, as wire values in ``wire_columns`` order (a
    key whose row is gone, after an import undone, is left out)."""
    table = spec.table
    pk = table.c[spec.key]
    wanted: list[Any] = [int(k) for k in keys] if spec.local_id else list(keys)
    columns = [c for c in table.columns if not (spec.local_id and c.name == "id")]
    selected: list[Any] = list(columns)
    source: Any = table
    if spec.name == "psfs_ratings":
        activities = metadata.tables["psfs_activities"]
        selected = [activities.c.uid if c.name == "activity_id" else c for c in columns]
        source = table.join(activities, activities.c.id == table.c.activity_id)
    fixes = [converter(c) for c in columns]
    out = []
    for start in range(0, len(wanted), 500):
        query = select(*selected).select_from(source).where(pk.in_(wanted[start : start + 500]))
        for row in connection.execute(query.order_by(pk)):
            out.append(
                [fix(v) if fix and v is not None else v for fix, v in zip(fixes, row, strict=True)]
            )
    return out


def store(connection: Connection, tables: Any, *, source: str, now: datetime) -> Stored:
    """Check a batch completely, then store each record not yet here, in the caller's
    transaction; every ledger line this makes is marked as come from ``source``.

    Raises ``ExchangeError`` (and stores nothing, once the caller rolls back) for a
    malformed batch or a record that differs from the one stored under its identity.
    """
    given = parse(tables, now=now)
    wait_for_writers(connection, "EXCLUSIVE")
    if connection.dialect.name == "sqlite":
        # Take SQLite's write lock first: the ledger's last line, read next, is then
        # the last one before this batch.
        connection.execute(text("UPDATE sync_marks SET value = value WHERE name = ''"))
    before = connection.execute(select(func.coalesce(func.max(sync_ledger.c.n), 0))).scalar()
    stored = already = 0
    earliest: datetime | None = None
    for name, spec in SYNCED.items():
        rows = given.get(name)
        if not rows:
            continue
        if spec.name == "psfs_ratings":
            rows = _local_activities(connection, rows)
        new, same = _sort_out(connection, spec, rows)
        already += same
        if new:
            insert_rows(connection, spec, new)
            stored += len(new)
            moment = _earliest(connection, spec, new)
            if moment is not None and (earliest is None or moment < earliest):
                earliest = moment
    connection.execute(update(sync_ledger).where(sync_ledger.c.n > before).values(source=source))
    return Stored(stored=stored, already=already, earliest=earliest)


def insert_rows(connection: Connection, spec: Synced, rows: list[dict[str, Any]]) -> None:
    """Insert new records: on PostgreSQL by COPY (an executemany sends a statement per
    row, and a year's events took most of a first sync), elsewhere by executemany.
    Every row of a batch gives the same columns (the wire's)."""
    table = spec.table
    if connection.dialect.name != "postgresql":
        connection.execute(insert(table), rows)
        return
    from psycopg import DataError
    from psycopg import IntegrityError as Refused

    names = list(rows[0])
    quote = connection.dialect.identifier_preparer.quote  # "end" is a reserved word
    columns = ", ".join(quote(name) for name in names)
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        with cursor.copy(f"COPY {table.name} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([row[name] for name in names])
    except Refused as exc:
        raise ExchangeError(
            "input",
            f"{table.name}: the records do not fit together (one refers to a record never "
            "sent, or repeats one under another id)",
        ) from exc
    except DataError as exc:  # a value ``parse`` let through that PostgreSQL refuses
        words = exc.diag.message_primary or "a value the server cannot store"
        raise ExchangeError("input", f"{table.name}: {words}") from exc
    finally:
        cursor.close()


def parse(tables: Any, *, now: datetime) -> dict[str, list[dict[str, Any]]]:
    """Wire tables as typed rows per table name; every problem raises ExchangeError
    ("input") naming the table, row and column. A time later than ``now`` (give or
    take the clocks' slack) is refused: it would win every "newest" for good."""
    if not isinstance(tables, list):
        raise ExchangeError("input", '"tables" must be a list of tables')
    out: dict[str, list[dict[str, Any]]] = {}
    for index, item in enumerate(tables):
        where = f"tables[{index}]"
        if not isinstance(item, dict) or set(item) != {"name", "columns", "rows"}:
            raise ExchangeError("input", f'{where}: must hold "name", "columns" and "rows"')
        name = item["name"]
        if name not in SYNCED or name in out:
            raise ExchangeError("input", f"{where}: {name!r} is not a table that syncs (or twice)")
        spec = SYNCED[name]
        expected = wire_columns(spec)
        if item["columns"] != expected:
            raise ExchangeError(
                "input", f"{where} ({name}): the columns must be {', '.join(expected)}"
            )
        if not isinstance(item["rows"], list):
            raise ExchangeError("input", f"{where} ({name}): rows must be a list")
        latest = to_utc(now + FUTURE_LIMIT)
        columns = [
            metadata.tables["psfs_activities"].c.uid if c == ACTIVITY_UID else spec.table.c[c]
            for c in expected
        ]
        out[name] = [
            _typed_row(spec, expected, columns, row, f"{name}[{i}]", latest)
            for i, row in enumerate(item["rows"])
        ]
    return out


def _typed_row(
    spec: Synced, names: list[str], columns: list[Any], row: Any, where: str, latest: datetime
) -> dict[str, Any]:
    if not isinstance(row, list) or len(row) != len(names):
        raise ExchangeError("input", f"{where}: must be a list of {len(names)} values")
    try:
        # The place of a value is spelled out only when it is refused: a year's first
        # sync checks half a million values.
        out = {
            name: typed_value(column, value, "")
            for name, column, value in zip(names, columns, row, strict=True)
        }
    except DumpError:
        try:
            for name, column, value in zip(names, columns, row, strict=True):
                typed_value(column, value, f"{where}.{name}")
        except DumpError as exc:
            raise ExchangeError("input", str(exc)) from None
        raise
    for key in spec.identity:
        if out.get(key) is None:
            raise ExchangeError("input", f"{where}.{key}: missing (it names the record)")
    for key, (check, wrong) in RULES.get(spec.name, {}).items():
        if out.get(key) is not None and not check(out[key]):
            raise ExchangeError("input", f"{where}.{key}: {out[key]!r} {wrong}")
    if "zone" in out and not known_zone_name(out["zone"]):
        raise ExchangeError("input", f"{where}.zone: {out['zone']!r} is not a known time zone")
    for key, value in out.items():
        if isinstance(value, str) and "\x00" in value:  # PostgreSQL's text has none
            raise ExchangeError("input", f"{where}.{key}: holds a NUL character")
        if isinstance(value, datetime) and value > latest:
            raise ExchangeError(
                "future",
                f"{where}.{key}: {value.isoformat()} is more than a day ahead of the "
                "receiving clock (the clock that stamped it was wrong); it can be sent once "
                "that time has passed",
            )
    problem = _meaning_problem(spec.name, out)
    if problem is not None:
        raise ExchangeError("input", f"{where}: {problem}")
    return out


def _meaning_problem(name: str, row: dict[str, Any]) -> str | None:
    """What the app could not use in a well-typed row: a timeline that is not one, a
    prescription that is not what its signed file says (no dose beyond the clinical
    bounds arrives by sync either)."""
    if name == "sessions":
        try:
            Timeline.from_json(json.loads(row["timeline"]))
        except (KeyError, TypeError, ValueError):
            return "timeline is not a session's timeline"
    if name == "prescriptions":
        return prescription_problem(row)
    return None


def _local_activities(connection: Connection, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A psfs rating names its activity by the activity's own id; here it is a number."""
    activities = metadata.tables["psfs_activities"]
    uids = sorted({r[ACTIVITY_UID] for r in rows})
    found = dict(
        connection.execute(
            select(activities.c.uid, activities.c.id).where(activities.c.uid.in_(uids))
        ).all()
    )
    out = []
    for row in rows:
        number = found.get(row[ACTIVITY_UID])
        if number is None:
            raise ExchangeError(
                "input", f"psfs_ratings: the activity {row[ACTIVITY_UID]} was never sent"
            )
        out.append({k: v for k, v in row.items() if k != ACTIVITY_UID} | {"activity_id": number})
    return out


def _identity(spec: Synced, row: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(row[k] for k in spec.identity)


def _sort_out(
    connection: Connection, spec: Synced, rows: list[dict[str, Any]]
) -> tuple[list[dict[str, Any]], int]:
    """The rows not stored yet (each once), and how many were already here. A record
    already here with other content is refused; one that may gain a value later (a
    retirement) gets the merged value."""
    table = spec.table
    unique: dict[tuple[Any, ...], dict[str, Any]] = {}
    for row in rows:
        first = unique.setdefault(_identity(spec, row), row)
        if first != row:
            shown = "/".join(str(v) for v in _identity(spec, row))
            raise ExchangeError(
                "input", f"{spec.name} {shown}: sent twice in one batch with other content"
            )
    here = _stored_rows(connection, spec, list(unique))
    new: list[dict[str, Any]] = []
    same = 0
    natural = (
        _natural_followups(connection, list(unique.values())) if spec.name == "followups" else set()
    )
    for identity, row in unique.items():
        old = here.get(identity)
        if old is None:
            if spec.name == "followups" and (row["session_id"], row["kind"]) in natural:
                same += 1  # the same follow-up, made on each side before they met
                continue
            new.append(row)
            continue
        same += 1
        if spec.name == "trusted_clinicians":
            continue  # trusting a key twice is trusting it: the first stands
        merged = MERGED.get(spec.name, ())
        differs = [
            k for k in row if k not in merged and _wire(table, k, row[k]) != _wire(table, k, old[k])
        ]
        if differs:
            shown = "/".join(str(v) for v in identity)
            raise ExchangeError(
                "changed",
                f"{spec.name} {shown}: this record was stored before with other content "
                f"({', '.join(differs)}); records are never changed once stored",
            )
        for key in merged:
            values = [v for v in (row[key], old[key]) if v is not None]
            if values and min(values) != old[key]:
                connection.execute(
                    update(table)
                    .where(*(table.c[k] == row[k] for k in spec.identity))
                    .values({key: min(values)})
                )
    return new, same


def _wire(table: Table, key: str, value: Any) -> Any:
    """A value as it travels, so a stored row and a received one compare alike."""
    if value is None:
        return None
    fix = converter(table.c[key])
    return fix(value) if fix else value


def _stored_rows(
    connection: Connection, spec: Synced, identities: list[tuple[Any, ...]]
) -> dict[tuple[Any, ...], dict[str, Any]]:
    table = spec.table
    out: dict[tuple[Any, ...], dict[str, Any]] = {}
    # By the identity's first column (indexed) and the rest compared here: PostgreSQL
    # plans a list of (session_id, seq) pairs as a scan of the whole table.
    wanted = set(identities)
    firsts = sorted({i[0] for i in identities})
    for start in range(0, len(firsts), 500):
        where = table.c[spec.identity[0]].in_(firsts[start : start + 500])
        for row in connection.execute(select(table).where(where)).mappings():
            identity = tuple(row[k] for k in spec.identity)
            if identity in wanted:
                out[identity] = dict(row)
    return out


def _natural_followups(connection: Connection, rows: list[dict[str, Any]]) -> set[tuple[str, str]]:
    """Follow-ups of a session already stored under another id (one per session and
    kind: each side may have made it before they met)."""
    followups = metadata.tables["followups"]
    pairs = [(r["session_id"], r["kind"]) for r in rows if r["session_id"] is not None]
    if not pairs:
        return set()
    found = connection.execute(
        select(followups.c.session_id, followups.c.kind).where(
            followups.c.session_id.in_(sorted({p[0] for p in pairs}))
        )
    ).all()
    return {(r[0], r[1]) for r in found}


def _earliest(connection: Connection, spec: Synced, rows: list[dict[str, Any]]) -> datetime | None:
    """The earliest moment progression depends on among new rows: their own time, or
    the start of the session they belong to."""
    column = MOMENTS.get(spec.name)
    moments = [r[column] for r in rows if column and r.get(column) is not None]
    session_ids = sorted({r["session_id"] for r in rows if r.get("session_id")})
    if spec.name in {"events", "pain_ratings", "followups"} and session_ids:
        first = connection.execute(
            select(func.min(sessions.c.started_utc)).where(sessions.c.id.in_(session_ids))
        ).scalar()
        if first is not None:
            moments.append(first if isinstance(first, datetime) else datetime.fromisoformat(first))
    return min(moments) if moments else None


def mark(connection: Connection, name: str) -> int:
    return (
        connection.execute(select(sync_marks.c.value).where(sync_marks.c.name == name)).scalar()
        or 0
    )


def set_mark(connection: Connection, name: str, value: int) -> None:
    done = connection.execute(
        update(sync_marks).where(sync_marks.c.name == name).values(value=value)
    )
    if not done.rowcount:
        connection.execute(insert(sync_marks).values(name=name, value=value))


def waiting(connection: Connection, *, after: int) -> int:
    """How many records made here have not been sent (lines after ``after``)."""
    ledger = sync_ledger.c
    return (
        connection.execute(
            select(func.count()).where(ledger.n > after, ledger.source.is_(None))
        ).scalar()
        or 0
    )


def forget_progress_from(connection: Connection, moment: datetime) -> int:
    """Drop the progression worked out for sessions started at or after ``moment``:
    records from elsewhere arrived that it did not know of; ``catch_up_progress``
    works it out again from the merged log, with the same rules on every side.
    Returns how many sessions will be counted again."""
    progress = metadata.tables["progress"]
    dose_changes = metadata.tables["dose_changes"]
    if connection.dialect.name == "postgresql":
        # Counting (usecases/aftercare.py) takes the same lock before it stores.
        connection.execute(text("LOCK TABLE progress IN EXCLUSIVE MODE"))
    later = select(sessions.c.id).where(sessions.c.started_utc >= moment)
    connection.execute(dose_changes.delete().where(dose_changes.c.session_id.in_(later)))
    gone = connection.execute(progress.delete().where(progress.c.session_id.in_(later)))
    return gone.rowcount or 0
