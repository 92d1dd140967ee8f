"""Recording sessions as they happen, and reading them back.

``SessionLog`` commits each event the moment it is appended: a session cut short by
a crash or a kill keeps every event it had acknowledged.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, case, func, insert, select

from easeback.core.player import PlayerEvent
from easeback.core.timeline import Timeline
from easeback.store.schema import events, pain_ratings, sessions

ENDINGS = ("completed", "pain_stop", "quit")


class SessionLog:
    """An open session: one row in ``sessions``, then events appended and committed."""

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
    ) -> None:
        self.id = session_id or str(uuid.uuid4())
        self.timeline = timeline
        self.zone = zone
        self._seq = 0
        self._connection: Connection = engine.connect()
        self._connection.execute(
            insert(sessions).values(
                id=self.id,
                routine=timeline.routine,
                title=title,
                timeline=json.dumps(timeline.to_json(), separators=(",", ":")),
                total_ms=timeline.total_ms,
                speed=speed,
                rehearsal=speed != 1,
                started_utc=to_utc(started),
                zone=zone,
                player=player,
                slot=slot,
                plan_date=plan_date,
            )
        )
        self._connection.commit()

    def append(self, event: PlayerEvent, *, wall: datetime, offset_ms: int) -> None:
        """Store one player event and commit it before returning."""
        phase = self.timeline.phases[event.phase]
        self._connection.execute(
            insert(events).values(
                session_id=self.id,
                seq=self._seq,
                kind=event.kind,
                phase_index=event.phase,
                phase_kind=phase.kind,
                stretch=phase.stretch,
                side=phase.side,
                direction=phase.direction,
                rep=phase.rep,
                position_ms=event.position_ms,
                offset_ms=offset_ms,
                wall_utc=to_utc(wall),
                zone=self.zone,
            )
        )
        self._connection.commit()
        self._seq += 1

    def close(self) -> None:
        self._connection.close()


def to_utc(moment: datetime) -> datetime:
    """A naive UTC datetime for storage; refuses naive input (its zone is unknown)."""
    offset = moment.utcoffset()
    if offset is None:
        raise ValueError("wall times must be timezone-aware")
    return (moment - offset).replace(tzinfo=None)


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
    outcome: str
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


def list_sessions(engine: Engine, limit: int | None = None) -> list[SessionSummary]:
    """Sessions, newest first, each with its outcome read from its last ending event.

    A session with no ending event was cut off (the process was killed or the machine
    stopped): its outcome is 'interrupted'.
    """
    ending = (
        select(events.c.kind)
        .where(events.c.session_id == sessions.c.id, events.c.kind.in_(ENDINGS))
        .order_by(events.c.seq.desc())
        .limit(1)
        .scalar_subquery()
    )
    newest = select(sessions.c.id).order_by(sessions.c.started_utc.desc(), sessions.c.id)
    stats = (
        select(
            events.c.session_id,
            func.max(events.c.offset_ms).label("elapsed"),
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
    after = pain_ratings.alias("after")
    query = (
        select(
            sessions,
            func.coalesce(ending, "interrupted").label("outcome"),
            func.coalesce(stats.c.elapsed, 0).label("elapsed"),
            func.coalesce(stats.c.holds, 0).label("holds"),
            before.c.value.label("pain_before"),
            after.c.value.label("pain_after"),
        )
        .outerjoin(stats, stats.c.session_id == sessions.c.id)
        .outerjoin(before, (before.c.session_id == sessions.c.id) & (before.c.moment == "before"))
        .outerjoin(after, (after.c.session_id == sessions.c.id) & (after.c.moment == "after"))
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
            outcome=str(row["outcome"]),
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
