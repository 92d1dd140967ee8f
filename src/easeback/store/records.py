"""What a session leaves behind, as records that can wait to be written.

A session writes four kinds of rows: the session itself, its player events, the
pain ratings before and after it, and the follow-ups of a pain stop or a rise in
pain. Each is a ``Record``: plain data that survives a trip through a journal file
(see journal.py) and is applied once, whatever the retries, by ``apply``. The
terminal player hands records to a background writer (writer.py), so the player
never waits for the disk; commands and the web app apply them at once. One place
writes these rows, so a row written late is the row written on time.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import Connection, Engine, Executable, Table, and_, insert, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from easeback.core.timeline import Timeline
from easeback.store.pain_events import read_pain_event_times
from easeback.store.schema import events, followups, pain_ratings, sessions, to_utc

Kind = Literal["session", "event", "pain", "followup"]
TABLES = {"session": sessions, "event": events, "pain": pain_ratings, "followup": followups}
# The columns holding times (naive UTC): written to a journal as ISO text.
TIMES = {"started_utc", "wall_utc", "at_utc"}


@dataclass(frozen=True)
class Record:
    """One row to write: its kind and its column values (times naive UTC).

    A follow-up whose ``step_back`` is None has it decided when it is written, from
    every pain stop stored by then: a stop written late still counts.
    """

    kind: Kind
    row: dict[str, Any]

    def to_json(self) -> str:
        row = {k: v.isoformat() if isinstance(v, datetime) else v for k, v in self.row.items()}
        return json.dumps({"kind": self.kind, "row": row}, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> Record:
        data = json.loads(text)
        if data.get("kind") not in TABLES or not isinstance(data.get("row"), dict):
            raise ValueError("not a session record")
        row = {
            k: datetime.fromisoformat(v) if k in TIMES and isinstance(v, str) else v
            for k, v in data["row"].items()
        }
        return cls(data["kind"], row)


def apply(connection: Connection, records: list[Record]) -> int:
    """Write each record not yet stored, in order, inside the caller's transaction;
    returns how many were new. A record already there (same session id, same event
    sequence number, same rating moment, same follow-up) is skipped."""
    written = 0
    for record in records:
        if _stored(connection, record):
            continue
        row = record.row
        if record.kind == "followup" and row.get("step_back") is None:
            row = {**row, "step_back": _step_back(connection, row)}
        # Checked above and refused again by the store's unique keys: two writers that
        # both checked (two tabs, a replay beside a session) still write it once.
        done = connection.execute(_insert_once(connection, TABLES[record.kind], row))
        written += done.rowcount
    return written


def _insert_once(connection: Connection, table: Table, row: dict[str, Any]) -> Executable:
    """INSERT ... ON CONFLICT DO NOTHING, in the store's own dialect."""
    if connection.dialect.name == "sqlite":
        return sqlite_insert(table).values(**row).on_conflict_do_nothing()
    if connection.dialect.name == "postgresql":
        return postgresql_insert(table).values(**row).on_conflict_do_nothing()
    return insert(table).values(**row)


def _stored(connection: Connection, record: Record) -> bool:
    row = record.row
    if record.kind == "session":
        where = sessions.c.id == row["id"]
    elif record.kind == "event":
        where = and_(events.c.session_id == row["session_id"], events.c.seq == row["seq"])
    elif record.kind == "pain":
        where = and_(
            pain_ratings.c.session_id == row["session_id"],
            pain_ratings.c.moment == row["moment"],
        )
    else:
        if row.get("session_id") is None:
            return False  # "has the pain settled?" answers belong to no session
        where = and_(followups.c.session_id == row["session_id"], followups.c.kind == row["kind"])
    table = TABLES[record.kind]
    return connection.execute(select(table).where(where).limit(1)).first() is not None


def _step_back(connection: Connection, row: dict[str, Any]) -> bool:
    """Is this the second pain stop (or rise in pain) within 7 days? Read when the
    follow-up is written, so the stop that caused it is already in the store."""
    from easeback.core.screening import repeated_pain

    at = _aware(row["at_utc"])
    # This row is what records a worsening, and it is not written yet.
    times = read_pain_event_times(connection, also=(row["kind"], row["session_id"], at))
    return repeated_pain(times, at)


def _aware(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC)


def write_now(engine: Engine, records: list[Record]) -> int:
    """Apply ``records`` in one transaction, committed before returning."""
    with engine.begin() as connection:
        return apply(connection, records)


# --- the records a session makes ---------------------------------------------------


def session_record(
    session_id: str,
    timeline: Timeline,
    *,
    title: str,
    speed: float,
    started: datetime,
    zone: str,
    player: str,
    slot: str | None,
    plan_date: str | None,
) -> Record:
    """The row that opens a session, whichever player plays it."""
    return Record(
        "session",
        {
            "id": session_id,
            "routine": timeline.routine,
            "title": title,
            "timeline": json.dumps(timeline.to_json(), separators=(",", ":")),
            "total_ms": timeline.total_ms,
            "speed": speed,
            "rehearsal": speed != 1,
            "started_utc": to_utc(started),
            "zone": zone,
            "player": player,
            "slot": slot,
            "plan_date": plan_date,
        },
    )


def event_row(
    session_id: str,
    timeline: Timeline,
    *,
    seq: int,
    kind: str,
    phase_index: int,
    position_ms: int,
    offset_ms: int,
    wall: datetime,
    zone: str,
    client_id: str | None = None,
) -> dict[str, Any]:
    """One event's row; the phase's stretch, side and repetition are copied from the
    timeline so history reads without unpacking it."""
    phase = timeline.phases[phase_index]
    return {
        "session_id": session_id,
        "seq": seq,
        "kind": kind,
        "phase_index": phase_index,
        "phase_kind": phase.kind,
        "stretch": phase.stretch,
        "side": phase.side,
        "direction": phase.direction,
        "rep": phase.rep,
        "position_ms": position_ms,
        "offset_ms": offset_ms,
        "wall_utc": to_utc(wall),
        "zone": zone,
        "client_id": client_id,
    }


def event_record(session_id: str, timeline: Timeline, **fields: Any) -> Record:
    """One player event (``fields`` as ``event_row``)."""
    return Record("event", event_row(session_id, timeline, **fields))


def pain_record(*, session_id: str, moment: str, value: int, at: datetime, zone: str) -> Record:
    """Pain 0-10 'before' or 'after' a session."""
    return Record(
        "pain",
        {
            "session_id": session_id,
            "moment": moment,
            "value": value,
            "at_utc": to_utc(at),
            "zone": zone,
        },
    )


def followup_record(
    *,
    at: datetime,
    zone: str,
    kind: str,
    session_id: str | None,
    settled: bool | None,
    step_back: bool | None = None,
) -> Record:
    """A follow-up: 'pain_stop' or 'worsening' when it happens (``step_back``, the
    second within 7 days, decided when written unless given), or 'settled' with the
    answer to "has the pain settled?" before the next session."""
    if kind not in ("pain_stop", "worsening"):
        step_back = False
    return Record(
        "followup",
        {
            "at_utc": to_utc(at),
            "zone": zone,
            "kind": kind,
            "session_id": session_id,
            "settled": settled,
            "step_back": step_back,
        },
    )
