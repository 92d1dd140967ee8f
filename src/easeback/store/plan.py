"""Storing the plan's inputs: day settings, progression snapshots with their dose
changes, and the calendar files to rewrite when the plan changes. Append-only."""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import Engine, insert, select, text

from easeback.core.plan import DaySettings
from easeback.core.progression import Change, Dose, Standing
from easeback.store.quick import (
    OUTCOMES_SQL,
    SETTINGS_SQL,
    SNAPSHOT_SQL,
    PlanInputs,
    outcomes_from_rows,
    settings_from_row,
    settings_to_row,
)
from easeback.store.schema import calendar_files, day_settings, dose_changes, progress, sessions
from easeback.store.sessions import to_utc


def save_settings(engine: Engine, settings: DaySettings, *, at: datetime) -> None:
    with engine.begin() as connection:
        connection.execute(
            insert(day_settings).values(at_utc=to_utc(at), **settings_to_row(settings))
        )


def plan_inputs(engine: Engine, plan_date: str) -> PlanInputs:
    """The same reads as store/quick.py, through SQLAlchemy (any database)."""
    with engine.connect() as connection:
        row = connection.execute(text(SETTINGS_SQL)).mappings().first()
        state = connection.execute(text(SNAPSHOT_SQL)).scalar()
        rows = [
            (r[0], r[1])
            for r in connection.execute(text(OUTCOMES_SQL.replace("?", ":d")), {"d": plan_date})
        ]
    return PlanInputs(
        settings=settings_from_row(dict(row)) if row is not None else None,
        snapshot=json.loads(state) if state is not None else None,
        outcomes=outcomes_from_rows(rows),
    )


def snapshot_json(state: dict[str, Standing], doses: dict[str, Dose]) -> str:
    """A progression state with the doses it stands for, so readers need no ladders."""
    return json.dumps(
        {
            sid: {
                "level": state[sid].level,
                "streak": state[sid].streak,
                "hold_s": dose.hold_s,
                "reps": dose.reps,
                "times_per_day": dose.times_per_day,
            }
            for sid, dose in doses.items()
        },
        sort_keys=True,
    )


def latest_snapshot(engine: Engine) -> dict[str, dict[str, int]] | None:
    with engine.connect() as connection:
        state = connection.execute(text(SNAPSHOT_SQL)).scalar()
    return json.loads(state) if state is not None else None


def standings(snapshot: dict[str, dict[str, int]] | None) -> dict[str, Standing]:
    if not snapshot:
        return {}
    return {sid: Standing(v["level"], v["streak"]) for sid, v in snapshot.items()}


def save_progress(
    engine: Engine,
    *,
    session_id: str | None,
    state: dict[str, Standing],
    doses: dict[str, Dose],
    changes: list[Change],
    at: datetime,
    zone: str,
) -> None:
    """The new snapshot and its changes, in one transaction."""
    with engine.begin() as connection:
        connection.execute(
            insert(progress).values(
                at_utc=to_utc(at), session_id=session_id, state=snapshot_json(state, doses)
            )
        )
        for change in changes:
            connection.execute(
                insert(dose_changes).values(
                    at_utc=to_utc(change.at),
                    zone=zone,
                    session_id=session_id,
                    stretch=change.stretch,
                    field=change.field,
                    old=change.old,
                    new=change.new,
                    direction=change.direction,
                    reason=change.reason,
                )
            )


def changes_after_last_session(engine: Engine) -> list[str]:
    """The reasons for dose changes that the most recent session brought."""
    last = select(sessions.c.id).order_by(sessions.c.started_utc.desc()).limit(1).scalar_subquery()
    query = (
        select(dose_changes.c.reason)
        .where(dose_changes.c.session_id == last)
        .order_by(dose_changes.c.id)
    )
    with engine.connect() as connection:
        return list(connection.execute(query).scalars())


def remember_calendar(engine: Engine, path: str, *, at: datetime) -> None:
    with engine.begin() as connection:
        known = connection.execute(
            select(calendar_files.c.id).where(calendar_files.c.path == path)
        ).first()
        if known is None:
            connection.execute(insert(calendar_files).values(path=path, at_utc=to_utc(at)))


def calendar_paths(engine: Engine) -> list[str]:
    with engine.connect() as connection:
        return list(connection.execute(select(calendar_files.c.path)).scalars())
