"""Fast reads of the plan's inputs with plain sqlite3, for ``easeback today``.

``today`` runs many times a day (and from scripts and status bars), so it must start
in a blink: it reads three small things (the day settings, the latest progression
snapshot, today's sessions) without loading SQLAlchemy or Alembic. It only does so
on a SQLite file already at ``SCHEMA_REVISION``; anything else takes the full path
through ``open_store``, which migrates. The row parsers here serve both paths.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from easeback.core.encouragement import week_start
from easeback.core.plan import DaySettings, format_days, parse_days
from easeback.store.prescription_rows import (
    FLARE_CHECKS_SQL,
    FLARE_SQL,
    SCREENED_SQL,
    SOURCE_SQL,
    Flare,
    Followed,
    flare_from_rows,
    followed_from_row,
    stored_time,
)

SCHEMA_REVISION = "0010"  # the newest file in store/migrations/versions (a test checks)


@dataclass(frozen=True)
class PlanInputs:
    """What the plan for one day needs from the store."""

    settings: DaySettings | None
    snapshot: dict[str, dict[str, int]] | None
    outcomes: dict[str, str]
    # Sessions stored without a slot around that date: the use case decides which slot
    # each one fills (core/slotting.py), with the settings and doses read here.
    unslotted: tuple[Unslotted, ...] = ()
    # The prescription the plan follows (None: the article's), the progression state
    # under it, and the latest flare-up (store/prescriptions.py).
    followed: Followed | None = None
    rx_snapshot: dict[str, dict[str, int]] | None = None
    flare: Flare | None = None
    screened_at: datetime | None = None  # aware: when the safety questions were answered
    # When each session finished this week started (aware, UTC), around the plan's
    # week: the use case keeps those of the person's own week (core/encouragement.py).
    finished: tuple[datetime, ...] = ()


@dataclass(frozen=True)
class Unslotted:
    """A session at normal speed stored without a slot, with how it ended."""

    started: datetime  # aware, UTC
    stretches: frozenset[str]
    ending: str


def settings_from_row(row: Mapping[str, Any]) -> DaySettings:
    def clock(text: str | None) -> time | None:
        return time.fromisoformat(text) if text else None

    return DaySettings(
        wake=time.fromisoformat(row["wake"]),
        bed=time.fromisoformat(row["bed"]),
        work_start=clock(row["work_start"]),
        work_end=clock(row["work_end"]),
        work_days=parse_days(row["work_days"]),
        zone=row["zone"],
    )


def settings_to_row(settings: DaySettings) -> dict[str, Any]:
    def clock(value: time | None) -> str | None:
        return value.strftime("%H:%M") if value else None

    return {
        "wake": settings.wake.strftime("%H:%M"),
        "bed": settings.bed.strftime("%H:%M"),
        "work_start": clock(settings.work_start),
        "work_end": clock(settings.work_end),
        "work_days": format_days(settings.work_days),
        "zone": settings.zone,
    }


SETTINGS_SQL = "SELECT * FROM day_settings ORDER BY at_utc DESC, id DESC LIMIT 1"
# The latest progression state under one plan: '' for the article's, else the id of
# the prescription it climbs.
SNAPSHOT_SQL = "SELECT state FROM progress WHERE COALESCE(basis, '') = ? ORDER BY id DESC LIMIT 1"
# The last ending of each session started for a slot on the given date.
OUTCOMES_SQL = """
SELECT s.slot, e.kind
FROM sessions s JOIN events e ON e.session_id = s.id
WHERE s.plan_date = ? AND s.slot IS NOT NULL AND NOT s.rehearsal
  AND e.kind IN ('completed', 'pain_stop', 'quit')
ORDER BY s.started_utc, e.seq
"""


# The endings of sessions stored without a slot, started between two UTC times: a
# slot's window can reach past midnight and zones are up to 14 hours from UTC. CROSS
# JOIN keeps SQLite finding the few sessions first (by their start's index), then
# their events by index, instead of scanning every event.
UNSLOTTED_SQL = """
SELECT s.started_utc, s.timeline, e.kind
FROM sessions s CROSS JOIN events e
WHERE e.session_id = s.id
  AND s.slot IS NULL AND NOT s.rehearsal AND s.started_utc >= ? AND s.started_utc < ?
  AND e.kind IN ('completed', 'pain_stop', 'quit')
ORDER BY s.started_utc, e.seq
"""


# Sessions played to the end (not rehearsals) started between two UTC times: the
# start of each, for the week so far on Today.
FINISHED_SQL = """
SELECT s.started_utc
FROM sessions s
WHERE NOT s.rehearsal AND s.started_utc >= ? AND s.started_utc < ?
  AND EXISTS (SELECT 1 FROM events e WHERE e.session_id = s.id AND e.kind = 'completed')
ORDER BY s.started_utc
"""


def week_range(plan_date: str) -> tuple[str, str]:
    """The UTC times (as stored) that can hold a session of ``plan_date``'s week up to
    that day, in any zone (up to 14 hours from UTC)."""
    day = date.fromisoformat(plan_date)
    first, last = week_start(day) - timedelta(days=1), day + timedelta(days=2)
    return f"{first.isoformat()} 00:00:00", f"{last.isoformat()} 00:00:00"


def finished_from_rows(rows: list[Any]) -> tuple[datetime, ...]:
    """Rows of FINISHED_SQL as aware UTC moments."""
    return tuple(
        (r if isinstance(r, datetime) else datetime.fromisoformat(r)).replace(tzinfo=UTC)
        for r in rows
    )


def unslotted_range(plan_date: str) -> tuple[str, str]:
    """The UTC times (as stored) that can hold a session filling a slot of ``plan_date``."""
    day = date.fromisoformat(plan_date)
    first, last = day - timedelta(days=1), day + timedelta(days=3)
    return f"{first.isoformat()} 00:00:00", f"{last.isoformat()} 00:00:00"


def stretches_of(timeline: str) -> frozenset[str]:
    """The stretches a stored timeline (JSON text) holds."""
    phases = json.loads(timeline).get("phases", [])
    return frozenset(p["stretch"] for p in phases if p.get("stretch"))


def unslotted_from_rows(rows: list[tuple[Any, str, str]]) -> tuple[Unslotted, ...]:
    """Rows of UNSLOTTED_SQL as values (a timeline is read once however many rows)."""
    seen: dict[str, frozenset[str]] = {}
    out = []
    for started, timeline, kind in rows:
        if timeline not in seen:
            seen[timeline] = stretches_of(timeline)
        moment = started if isinstance(started, datetime) else datetime.fromisoformat(started)
        out.append(Unslotted(moment.replace(tzinfo=UTC), seen[timeline], kind))
    return tuple(out)


def outcomes_from_rows(rows: list[tuple[str, str]]) -> dict[str, str]:
    """slot -> how it went today: a completion wins, then a pain stop, then a quit."""
    rank = {"completed": 3, "pain_stop": 2, "quit": 1}
    out: dict[str, str] = {}
    for slot, kind in rows:
        if rank[kind] > rank.get(out.get(slot, ""), 0):
            out[slot] = kind
    return out


def read_plan_inputs(path: Path, plan_date: str) -> PlanInputs | None:
    """The plan's inputs straight from a SQLite file, or None when this fast path does
    not apply (no such file yet, or a schema that needs migrating)."""
    if not path.is_file():
        return None
    try:
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
    except sqlite3.Error:
        return None
    try:
        connection.row_factory = sqlite3.Row
        revision = connection.execute("SELECT version_num FROM alembic_version").fetchone()
        if revision is None or revision[0] != SCHEMA_REVISION:
            return None
        row = connection.execute(SETTINGS_SQL).fetchone()
        state = connection.execute(SNAPSHOT_SQL, ("",)).fetchone()
        followed = followed_from_row(connection.execute(SOURCE_SQL).fetchone())
        rx_state = connection.execute(SNAPSHOT_SQL, (followed.id,)).fetchone() if followed else None
        flare_row = connection.execute(FLARE_SQL).fetchone()
        answers = (
            connection.execute(FLARE_CHECKS_SQL, (flare_row[0],)).fetchall() if flare_row else []
        )
        screened = connection.execute(SCREENED_SQL).fetchone()[0]
        rows = [(r[0], r[1]) for r in connection.execute(OUTCOMES_SQL, (plan_date,))]
        loose = [
            (r[0], r[1], r[2])
            for r in connection.execute(UNSLOTTED_SQL, unslotted_range(plan_date))
        ]
        finished = [r[0] for r in connection.execute(FINISHED_SQL, week_range(plan_date))]
    except sqlite3.Error:
        return None
    finally:
        connection.close()
    return PlanInputs(
        settings=settings_from_row(row) if row is not None else None,
        snapshot=json.loads(state[0]) if state is not None else None,
        outcomes=outcomes_from_rows(rows),
        unslotted=unslotted_from_rows(loose),
        followed=followed,
        rx_snapshot=json.loads(rx_state[0]) if rx_state is not None else None,
        flare=flare_from_rows(flare_row, answers),
        screened_at=stored_time(screened) if screened is not None else None,
        finished=finished_from_rows(finished),
    )
