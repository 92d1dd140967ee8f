"""Storing the plan's inputs: day settings, progression snapshots with their dose
changes, and the calendar files to rewrite when the plan changes. Append-only."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, func, insert, select, text

from easeback.core.outcome import ENDINGS
from easeback.core.plan import DaySettings
from easeback.core.progression import Change, Dose, Standing
from easeback.core.timeline import Timeline
from easeback.store.prescription_rows import SCREENED_SQL, Followed, stored_time
from easeback.store.prescriptions import followed, followed_since, latest_flare
from easeback.store.quick import (
    FINISHED_SQL,
    OUTCOMES_SQL,
    SETTINGS_SQL,
    SNAPSHOT_SQL,
    UNSLOTTED_SQL,
    PlanInputs,
    finished_from_rows,
    outcomes_from_rows,
    settings_from_row,
    settings_to_row,
    stretches_of,
    unslotted_from_rows,
    unslotted_range,
    week_range,
)
from easeback.store.schema import (
    calendar_files,
    day_settings,
    dose_changes,
    events,
    pain_ratings,
    progress,
    sessions,
    to_utc,
)
from easeback.store.sessions import read_outcome


def save_settings(engine: Engine, settings: DaySettings, *, at: datetime) -> None:
    with engine.begin() as connection:
        connection.execute(
            insert(day_settings).values(at_utc=to_utc(at), **settings_to_row(settings))
        )


def plan_inputs(engine: Engine, plan_date: str) -> PlanInputs:
    """The same reads as store/quick.py, through SQLAlchemy (any database)."""
    with engine.connect() as connection:
        row = connection.execute(text(SETTINGS_SQL)).mappings().first()
        state = connection.execute(text(SNAPSHOT), {"basis": ""}).scalar()
        rx = followed(connection)
        rx_state = connection.execute(text(SNAPSHOT), {"basis": rx.id}).scalar() if rx else None
        flare = latest_flare(connection)
        screened = connection.execute(text(SCREENED_SQL)).scalar()
        rows = [
            (r[0], r[1])
            for r in connection.execute(text(OUTCOMES_SQL.replace("?", ":d")), {"d": plan_date})
        ]
        first, last = unslotted_range(plan_date)
        unslotted = UNSLOTTED_SQL.replace(">= ?", ">= :first").replace("< ?", "< :last")
        loose = [
            (r[0], r[1], r[2])
            for r in connection.execute(text(unslotted), {"first": first, "last": last})
        ]
        start, end = week_range(plan_date)
        week = FINISHED_SQL.replace(">= ?", ">= :first").replace("< ?", "< :last")
        finished = [r[0] for r in connection.execute(text(week), {"first": start, "last": end})]
    return PlanInputs(
        settings=settings_from_row(dict(row)) if row is not None else None,
        snapshot=json.loads(state) if state is not None else None,
        outcomes=outcomes_from_rows(rows),
        unslotted=unslotted_from_rows(loose),
        followed=rx,
        rx_snapshot=json.loads(rx_state) if rx_state is not None else None,
        flare=flare,
        screened_at=stored_time(screened) if screened is not None else None,
        finished=finished_from_rows(finished),
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


def latest_settings(engine: Engine) -> DaySettings | None:
    with engine.connect() as connection:
        row = connection.execute(text(SETTINGS_SQL)).mappings().first()
    return settings_from_row(dict(row)) if row is not None else None


SNAPSHOT = SNAPSHOT_SQL.replace("?", ":basis")


def latest_snapshot(engine: Engine, basis: str | None = None) -> dict[str, dict[str, int]] | None:
    """The latest progression state under the article's plan, or under the
    prescription ``basis``."""
    with engine.connect() as connection:
        state = connection.execute(text(SNAPSHOT), {"basis": basis or ""}).scalar()
    return json.loads(state) if state is not None else None


def standings(snapshot: dict[str, dict[str, int]] | None) -> dict[str, Standing]:
    if not snapshot:
        return {}
    return {sid: Standing(v["level"], v["streak"]) for sid, v in snapshot.items()}


@dataclass(frozen=True)
class Counted:
    """One session counted into progression: the state after it (under the article's
    plan, or the prescription ``basis``), the doses that stand for, and its changes."""

    session_id: str | None
    state: dict[str, Standing]
    doses: dict[str, Dose]
    changes: list[Change]
    at: datetime
    basis: str | None = None


def progress_stamp(engine: Engine) -> tuple[int, int]:
    """How many progression rows there are and the newest one's id: it changes when
    anything is counted or forgotten (after a sync), so a count can tell whether the
    state it started from still stands when it stores."""
    with engine.connect() as connection:
        row = connection.execute(select(func.count(), func.max(progress.c.id))).one()
    return int(row[0]), int(row[1] or 0)


def save_progress(
    engine: Engine, counted: list[Counted], *, zone: str, expect: tuple[int, int] | None = None
) -> bool:
    """The new snapshots with their changes, oldest first, in one transaction; False,
    storing nothing, when ``expect`` (a ``progress_stamp``) no longer holds: another
    count or a sync changed progression meanwhile, and the count must start again."""
    if not counted:
        return True
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("LOCK TABLE progress IN EXCLUSIVE MODE"))
        else:  # SQLite: take the write lock before reading the stamp
            connection.execute(progress.delete().where(progress.c.id < 0))
        if expect is not None:
            row = connection.execute(select(func.count(), func.max(progress.c.id))).one()
            if (int(row[0]), int(row[1] or 0)) != expect:
                return False
        for one in counted:
            connection.execute(
                insert(progress).values(
                    at_utc=to_utc(one.at),
                    session_id=one.session_id,
                    state=snapshot_json(one.state, one.doses),
                    basis=one.basis,
                )
            )
            for change in one.changes:
                connection.execute(
                    insert(dose_changes).values(
                        at_utc=to_utc(change.at),
                        zone=zone,
                        session_id=one.session_id,
                        stretch=change.stretch,
                        field=change.field,
                        old=change.old,
                        new=change.new,
                        direction=change.direction,
                        reason=change.reason,
                    )
                )
    return True


def changes_after_last_session(engine: Engine) -> list[str]:
    """The reasons for the dose changes the last counted session brought (rehearsals are
    never counted, so one played in between does not hide them)."""
    last = select(progress.c.session_id).order_by(progress.c.id.desc()).limit(1).scalar_subquery()
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


@dataclass(frozen=True)
class Unfolded:
    """A finished session that progression has not counted yet."""

    id: str
    timeline: Timeline
    started: datetime  # aware, UTC
    slot: str | None
    plan_date: str | None
    events: list[dict[str, Any]]
    pain_before: int | None
    pain_after: int | None


def unfolded_sessions(engine: Engine, *, now: datetime) -> list[Unfolded]:
    """Finished sessions at normal speed with no progress row yet, oldest first: every
    one is counted exactly once, even when the process that played it was killed. A
    session still playing at ``now`` (in another tab or window) waits for its end."""
    folded = select(progress.c.session_id).where(progress.c.session_id.is_not(None))
    waiting = sessions.c.rehearsal.is_(False) & sessions.c.id.not_in(folded)
    query = select(sessions).where(waiting).order_by(sessions.c.started_utc, sessions.c.id)
    # Their events and ratings in one query each: after a sync, a year of sessions
    # may be waiting, and a query per session would cost a second.
    events_of: dict[str, list[dict[str, Any]]] = {}
    ratings_of: dict[str, dict[str, int]] = {}
    out = []
    with engine.connect() as connection:
        rows = list(connection.execute(query).mappings())
        if not rows:
            return []
        ids = select(sessions.c.id).where(waiting)
        for e in connection.execute(
            select(events).where(events.c.session_id.in_(ids)).order_by(events.c.seq)
        ).mappings():
            events_of.setdefault(e["session_id"], []).append(dict(e))
        for r in connection.execute(
            select(pain_ratings.c.session_id, pain_ratings.c.moment, pain_ratings.c.value).where(
                pain_ratings.c.session_id.in_(ids)
            )
        ):
            ratings_of.setdefault(r[0], {})[r[1]] = r[2]
    for row in rows:
        stored = events_of.get(row["id"], [])
        ending = next((e["kind"] for e in reversed(stored) if e["kind"] in ENDINGS), None)
        facts = {
            **row,
            "ending": ending,
            "last_wall": max((e["wall_utc"] for e in stored), default=None),
            "position": max((e["position_ms"] for e in stored), default=0),
        }
        if read_outcome(facts, now=now) == "playing":
            continue
        ratings = ratings_of.get(row["id"], {})
        out.append(
            Unfolded(
                id=row["id"],
                timeline=Timeline.from_json(json.loads(row["timeline"])),
                started=row["started_utc"].replace(tzinfo=UTC),
                slot=row["slot"],
                plan_date=row["plan_date"],
                events=stored,
                pain_before=ratings.get("before"),
                pain_after=ratings.get("after"),
            )
        )
    return out


# Which slot (and plan date) a session stored without one fills, from its start
# (aware) and its stretches: core/slotting.py's rule, set up by the use case.
SlotFit = Callable[[datetime, frozenset[str]], tuple[str, str] | None]


def counted_slot_days(
    engine: Engine, fit: SlotFit, *, since: datetime | None = None
) -> set[tuple[str, str]]:
    """(slot, date) of slots completed by a counted session: the slot stored with it,
    else the one ``fit`` finds for a session stored without (played by name).
    ``since`` (aware): only sessions started then or later."""
    counted = (
        select(sessions.c.slot, sessions.c.plan_date, sessions.c.started_utc, sessions.c.timeline)
        .join(progress, progress.c.session_id == sessions.c.id)
        .join(events, events.c.session_id == sessions.c.id)
        .where(events.c.kind == "completed")
    )
    if since is not None:
        counted = counted.where(sessions.c.started_utc >= to_utc(since))
    slotted = counted.with_only_columns(sessions.c.slot, sessions.c.plan_date).where(
        sessions.c.slot.is_not(None)
    )
    loose = counted.with_only_columns(sessions.c.started_utc, sessions.c.timeline).where(
        sessions.c.slot.is_(None)
    )
    with engine.connect() as connection:
        done = {(r[0], r[1]) for r in connection.execute(slotted).all()}
        known: dict[str, frozenset[str]] = {}
        for started, timeline in connection.execute(loose):
            if timeline not in known:
                known[timeline] = stretches_of(timeline)
            found = fit(started.replace(tzinfo=UTC), known[timeline])
            if found is not None:
                done.add(found)
    return done


@dataclass(frozen=True)
class PlanHistory:
    """Everything that shaped the plan's times, oldest first; times are naive UTC."""

    began: datetime | None  # the first day settings or calendar file saved, if any
    settings: list[tuple[datetime, DaySettings]]
    rotations: list[tuple[datetime, int, int]]  # the rotation's times a day: (at, old, new)
    # each prescription imported, or removed (None): what the plan follows from then on
    sources: list[tuple[datetime, Followed | None]]


def plan_history(engine: Engine) -> PlanHistory:
    """Every day settings saved, every change to how often the rotation is done (the
    only dose that moves a slot) and every prescription imported or removed, for the
    calendar to replay."""
    from sqlalchemy import func

    with engine.connect() as connection:
        saved = connection.execute(
            select(day_settings).order_by(day_settings.c.at_utc, day_settings.c.id)
        ).mappings()
        settings = [(row["at_utc"], settings_from_row(dict(row))) for row in saved]
        rotations = [
            (row.at_utc, row.old, row.new)
            for row in connection.execute(
                select(dose_changes.c.at_utc, dose_changes.c.old, dose_changes.c.new)
                .where(
                    dose_changes.c.stretch == "lower-back-rotation",
                    dose_changes.c.field == "times_per_day",
                )
                .order_by(dose_changes.c.id)
            )
        ]
        sources = followed_since(connection)
        first_file = connection.execute(select(func.min(calendar_files.c.at_utc))).scalar()
    if isinstance(first_file, str):  # SQLite returns the stored text from an aggregate
        first_file = datetime.fromisoformat(first_file)
    first_settings = settings[0][0] if settings else None
    began = min((at for at in (first_file, first_settings) if at is not None), default=None)
    return PlanHistory(began=began, settings=settings, rotations=rotations, sources=sources)
