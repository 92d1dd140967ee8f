"""Recording sessions as they happen, and reading them back.

``SessionLog`` hands the session's row and each event to a recorder: written at once
for commands and tests, or through the background writer for the terminal player
(writer.py), which never makes the player wait for the disk.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from sqlalchemy import Engine, ScalarSelect, case, func, insert, select, true

from easeback.core.outcome import ENDINGS, Shown, outcome_of
from easeback.core.player import PlayerEvent
from easeback.core.timeline import Timeline
from easeback.store.records import (
    Record,
    event_record,
    event_row,
    session_record,
    write_now,
)
from easeback.store.schema import events, pain_ratings, sessions, to_utc


def new_session_id() -> str:
    """An id made where the session happens: unique across devices, so records from
    several places can be merged without asking anyone for a number."""
    return str(uuid.uuid4())


class Recorder(Protocol):
    """Where a session's records go: at once (``WriteNow``) or through the background
    writer that never makes the player wait (writer.py)."""

    def record(self, record: Record) -> None: ...


class WriteNow:
    """Records written and committed before ``record`` returns (commands, tests)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def record(self, record: Record) -> None:
        write_now(self.engine, [record])


class SessionLog:
    """An open session: its row first, then each event as it happens, handed to a
    recorder (by default written at once)."""

    def __init__(
        self,
        engine: Engine,
        timeline: Timeline,
        *,
        title: str,
        speed: float,
        started: datetime,
        zone: str,
        player: str,
        session_id: str | None = None,
        slot: str | None = None,
        plan_date: str | None = None,
        recorder: Recorder | None = None,
    ) -> None:
        self.id = session_id or new_session_id()
        self.timeline = timeline
        self.zone = zone
        self.recorder = recorder or WriteNow(engine)
        self._seq = 0
        self.recorder.record(
            session_record(
                self.id,
                timeline,
                title=title,
                speed=speed,
                started=started,
                zone=zone,
                player=player,
                slot=slot,
                plan_date=plan_date,
            )
        )

    def append(self, event: PlayerEvent, *, wall: datetime, offset_ms: int) -> None:
        """Hand one player event to the recorder."""
        self.recorder.record(
            event_record(
                self.id,
                self.timeline,
                seq=self._seq,
                kind=event.kind,
                phase_index=event.phase,
                position_ms=event.position_ms,
                offset_ms=offset_ms,
                wall=wall,
                zone=self.zone,
            )
        )
        self._seq += 1


@dataclass(frozen=True)
class SessionSummary:
    """One line of history."""

    id: str
    routine: str
    title: str
    started_utc: datetime
    zone: str
    rehearsal: bool
    speed: float
    player: str
    planned_ms: int
    elapsed_ms: int
    holds: int
    outcome: Shown
    pain_before: int | None = None
    pain_after: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "routine": self.routine,
            "title": self.title,
            "started_utc": self.started_utc.isoformat() + "Z",
            "zone": self.zone,
            "rehearsal": self.rehearsal,
            "speed": self.speed,
            "player": self.player,
            "planned_ms": self.planned_ms,
            "elapsed_ms": self.elapsed_ms,
            "holds_started": self.holds,
            "outcome": self.outcome,
            "pain_before": self.pain_before,
            "pain_after": self.pain_after,
        }


def _ending() -> ScalarSelect[Any]:
    """A session's outcome: the kind of its last ending event (correlated to the
    ``sessions`` row of the enclosing query; NULL while none has come)."""
    return (
        select(events.c.kind)
        .where(events.c.session_id == sessions.c.id, events.c.kind.in_(ENDINGS))
        .order_by(events.c.seq.desc())
        .limit(1)
        .scalar_subquery()
    )


def read_outcome(row: Any, *, now: datetime) -> Shown:
    """The outcome of a session row carrying ``ending``, ``started_utc``, ``last_wall``,
    ``position``, ``total_ms`` and ``speed``, as of ``now``: see core/outcome.py (a
    session without an ending is playing, perhaps in another tab, until it cannot be)."""
    last = row["last_wall"]
    return outcome_of(
        row["ending"],
        started=row["started_utc"].replace(tzinfo=UTC),
        last_event=last.replace(tzinfo=UTC) if last is not None else None,
        position_ms=int(row["position"] or 0),
        total_ms=int(row["total_ms"]),
        speed=float(row["speed"]),
        now=now,
    )


def list_sessions(
    engine: Engine, limit: int | None = None, *, now: datetime, since: datetime | None = None
) -> list[SessionSummary]:
    """Sessions, newest first, each with its outcome as of ``now``: the kind of its
    last ending event; without one, 'playing' while it could still be running (in
    another tab or window), else 'interrupted' (the process was killed, the machine
    stopped or the window was closed). ``since`` (aware): only sessions started then or
    later, so that a period's figures do not read years of history.
    """
    ending = _ending()
    after = sessions.c.started_utc >= to_utc(since) if since is not None else true()
    newest = (
        select(sessions.c.id).where(after).order_by(sessions.c.started_utc.desc(), sessions.c.id)
    )
    stats = (
        select(
            events.c.session_id,
            func.max(events.c.offset_ms).label("elapsed"),
            func.max(events.c.wall_utc).label("last_wall"),
            func.max(events.c.position_ms).label("position"),
            func.sum(
                case((events.c.kind.in_(("phase",)) & (events.c.phase_kind == "hold"), 1), else_=0)
            ).label("holds"),
        )
        # only the sessions shown: a long history is not summed to list ten
        .where(events.c.session_id.in_(newest.limit(limit).scalar_subquery()))
        .group_by(events.c.session_id)
        .subquery()
    )
    before = pain_ratings.alias("before")
    rated_after = pain_ratings.alias("after")
    query = (
        select(
            sessions,
            ending.label("ending"),
            stats.c.last_wall,
            stats.c.position,
            func.coalesce(stats.c.elapsed, 0).label("elapsed"),
            func.coalesce(stats.c.holds, 0).label("holds"),
            before.c.value.label("pain_before"),
            rated_after.c.value.label("pain_after"),
        )
        .outerjoin(stats, stats.c.session_id == sessions.c.id)
        .outerjoin(before, (before.c.session_id == sessions.c.id) & (before.c.moment == "before"))
        .outerjoin(
            rated_after,
            (rated_after.c.session_id == sessions.c.id) & (rated_after.c.moment == "after"),
        )
        .where(after)
        .order_by(sessions.c.started_utc.desc(), sessions.c.id)
        .limit(limit)
    )
    with engine.connect() as connection:
        rows = connection.execute(query).mappings().all()
    return [
        SessionSummary(
            id=row["id"],
            routine=row["routine"],
            title=row["title"],
            started_utc=row["started_utc"],
            zone=row["zone"],
            rehearsal=bool(row["rehearsal"]),
            speed=float(row["speed"]),
            player=row["player"],
            planned_ms=int(row["total_ms"]),
            elapsed_ms=int(row["elapsed"]),
            holds=int(row["holds"]),
            outcome=read_outcome(row, now=now),
            pain_before=row["pain_before"],
            pain_after=row["pain_after"],
        )
        for row in rows
    ]


def session_events(engine: Engine, session_id: str) -> list[dict[str, Any]]:
    """Every stored event of one session, in order."""
    query = select(events).where(events.c.session_id == session_id).order_by(events.c.seq)
    with engine.connect() as connection:
        return [dict(row) for row in connection.execute(query).mappings()]


# --- sessions played elsewhere (the browser), event by event ---------------------------


class EventConflict(ValueError):
    """An event that contradicts one already stored (same place, another id)."""


@dataclass(frozen=True)
class NewEvent:
    """An event as a browser player sends it: its own id and sequence number."""

    client_id: str
    seq: int
    kind: str
    phase_index: int
    position_ms: int
    offset_ms: int
    wall: datetime


@dataclass(frozen=True)
class StoredSession:
    """What the server needs to know of a session to accept its events."""

    id: str
    timeline: Timeline
    zone: str
    speed: float
    slot: str | None
    outcome: Shown


def open_session(
    engine: Engine, timeline: Timeline, *, session_id: str | None = None, **fields: Any
) -> str:
    """Create a session row (committed) and return its id: ``session_id`` when the
    player made one (a page that may be offline), else a new one; ``fields`` as
    ``session_record``."""
    session_id = session_id or new_session_id()
    write_now(engine, [session_record(session_id, timeline, **fields)])
    return session_id


@dataclass(frozen=True)
class Opening:
    """How a stored session was opened: what a second request to open it under the
    same id must repeat to be the same request (a retry) rather than another one."""

    timeline: Timeline
    speed: float
    started_utc: datetime
    zone: str
    pain_before: int | None


def session_opening(engine: Engine, session_id: str) -> Opening | None:
    """The opening of a stored session by id; None when there is none."""
    query = select(
        sessions.c.timeline,
        sessions.c.speed,
        sessions.c.started_utc,
        sessions.c.zone,
        select(pain_ratings.c.value)
        .where(pain_ratings.c.session_id == session_id, pain_ratings.c.moment == "before")
        .limit(1)
        .scalar_subquery()
        .label("pain_before"),
    ).where(sessions.c.id == session_id)
    with engine.connect() as connection:
        row = connection.execute(query).mappings().first()
    if row is None:
        return None
    return Opening(
        timeline=Timeline.from_json(json.loads(row["timeline"])),
        speed=float(row["speed"]),
        started_utc=row["started_utc"],
        zone=row["zone"],
        pain_before=row["pain_before"],
    )


def find_session(engine: Engine, session_id: str, *, now: datetime) -> StoredSession | None:
    """A session by id, with its outcome as of ``now`` (see ``list_sessions``)."""
    mine = events.c.session_id == session_id
    query = select(
        sessions.c.timeline,
        sessions.c.zone,
        sessions.c.speed,
        sessions.c.slot,
        sessions.c.started_utc,
        sessions.c.total_ms,
        _ending().label("ending"),
        select(func.max(events.c.wall_utc)).where(mine).scalar_subquery().label("last_wall"),
        select(func.max(events.c.position_ms)).where(mine).scalar_subquery().label("position"),
    ).where(sessions.c.id == session_id)
    with engine.connect() as connection:
        row = connection.execute(query).mappings().first()
    if row is None:
        return None
    return StoredSession(
        id=session_id,
        timeline=Timeline.from_json(json.loads(row["timeline"])),
        zone=row["zone"],
        speed=float(row["speed"]),
        slot=row["slot"],
        outcome=read_outcome(row, now=now),
    )


def add_events(engine: Engine, session: StoredSession, batch: list[NewEvent]) -> list[str]:
    """Store each event once, whatever the retries; returns the kinds newly stored.

    An event whose id is already stored is skipped. One that would take a sequence
    number already held by another event raises ``EventConflict`` and nothing of the
    batch is stored. All of a batch is committed together before returning.
    """
    from sqlalchemy.exc import IntegrityError

    for attempt in (1, 2):
        try:
            return _add_events(engine, session, batch)
        except IntegrityError:
            # Another request stored some of these between our read and write (a retry
            # racing its original): read again and skip what is now there.
            if attempt == 2:
                raise
    return []  # pragma: no cover - the loop returns or raises


def _add_events(engine: Engine, session: StoredSession, batch: list[NewEvent]) -> list[str]:
    ids = [e.client_id for e in batch]
    with engine.begin() as connection:
        known = {
            row.client_id: (row.session_id, row.seq)
            for row in connection.execute(
                select(events.c.client_id, events.c.session_id, events.c.seq).where(
                    events.c.client_id.in_(ids)
                )
            )
        }
        taken = {
            row.seq: row.client_id
            for row in connection.execute(
                select(events.c.seq, events.c.client_id).where(
                    events.c.session_id == session.id,
                    events.c.seq.in_([e.seq for e in batch]),
                )
            )
        }
        rows: list[dict[str, Any]] = []
        for event in batch:
            if event.client_id in known:
                if known[event.client_id] != (session.id, event.seq):
                    raise EventConflict(
                        f"event id {event.client_id} is already stored for another place"
                    )
                continue
            if event.seq in taken and taken[event.seq] != event.client_id:
                raise EventConflict(f"seq {event.seq} already holds another event")
            taken[event.seq] = event.client_id
            known[event.client_id] = (session.id, event.seq)
            rows.append(
                event_row(
                    session.id,
                    session.timeline,
                    seq=event.seq,
                    kind=event.kind,
                    phase_index=event.phase_index,
                    position_ms=event.position_ms,
                    offset_ms=event.offset_ms,
                    wall=event.wall,
                    zone=session.zone,
                    client_id=event.client_id,
                )
            )
        if rows:
            connection.execute(insert(events), rows)
    return [row["kind"] for row in rows]
