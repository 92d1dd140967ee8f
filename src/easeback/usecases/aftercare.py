"""What happens around a session, whichever player ran it: pain ratings, follow-ups
after a pain stop or a worsening, folding finished sessions into progression, and
rewriting the calendar files when the plan changes."""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING, Any

from easeback.store.sessions import WriteNow
from easeback.usecases.today import current_doses

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from easeback.core.plan import DaySettings
    from easeback.reports.calendar import PlanVersion
    from easeback.store.plan import Counted, PlanHistory
    from easeback.store.sessions import Recorder


def save_pain(
    engine: Engine,
    session_id: str,
    moment: str,
    value: int | None,
    *,
    recorder: Recorder | None = None,
) -> None:
    """Keep a 0-10 rating given before or after a session (None: skipped), through
    ``recorder`` (by default written at once)."""
    from easeback.store.records import pain_record
    from easeback.usecases.clock import wall_now
    from easeback.usecases.today import person_zone

    if value is not None:
        (recorder or WriteNow(engine)).record(
            pain_record(
                session_id=session_id,
                moment=moment,
                value=value,
                at=wall_now(),
                zone=person_zone(engine),
            )
        )


def follow_up(
    engine: Engine, session_id: str, kind: str, *, recorder: Recorder | None = None
) -> bool:
    """Keep the follow-up of a pain stop or a worsening; True when it is the second
    within 7 days (a step back for progression and a word with a clinician).

    The follow-up goes through ``recorder`` (by default written at once); whether it
    is the second is decided again when it is written, from everything stored by then,
    so a session saved late still counts. Once per session and kind: False, and
    nothing kept, when it was already recorded (a retry of a try cut short).
    """
    from sqlalchemy.exc import SQLAlchemyError

    from easeback.core.screening import repeated_pain
    from easeback.store.records import followup_record
    from easeback.store.safety import followed_up, pain_event_times
    from easeback.usecases.clock import local_zone, wall_now
    from easeback.usecases.today import person_zone

    now = wall_now()
    try:
        if followed_up(engine, session_id, kind):
            return False
        zone = person_zone(engine)
    except SQLAlchemyError:  # it cannot be read now: keep it anyway (it is stored once)
        zone = local_zone()
    (recorder or WriteNow(engine)).record(
        followup_record(at=now, zone=zone, kind=kind, session_id=session_id, settled=None)
    )
    try:
        times = pain_event_times(engine, also=(kind, session_id, now))
    except SQLAlchemyError:  # the next start asks the questions again anyway
        return False
    return repeated_pain(times, now)


def catch_up_progress(engine: Engine) -> list[str]:
    """Fold every finished session not yet counted into progression, oldest first, and
    store the new doses with the reasons. Runs before and after each session, so a
    session cut off before its end is still counted at a later start (once it can no
    longer be playing in another window); a pain stop whose follow-up was never kept
    (the session was killed) gets it here first. Returns a message for each calendar
    file that could not be rewritten."""
    from easeback.store.plan import progress_stamp, save_progress
    from easeback.store.records import write_now
    from easeback.store.safety import unfollowed_pain_stops

    missing = unfollowed_pain_stops(engine)
    if missing:
        write_now(engine, missing)
    # Counted from what is stored, then stored only if nothing changed progression
    # meanwhile (another window's count, a sync's records): else counted again.
    for _attempt in range(5):
        stamp = progress_stamp(engine)
        count = _count(engine)
        if count is None:
            return []
        counted, zone, calendar_changed = count
        if save_progress(engine, counted, zone=zone, expect=stamp):
            return rewrite_calendars(engine) if calendar_changed else []
    return []


def _count(engine: Engine) -> tuple[list[Counted], str, bool] | None:
    """Each session waiting to be counted, oldest first, from the stored progression:
    the snapshots to store, the person's zone, and whether the calendar changes."""
    from dataclasses import replace

    from easeback.content.library import load_library
    from easeback.core.plan import person_day
    from easeback.core.progression import Standing, advance, doses, ladders, session_outcome
    from easeback.core.screening import worsened
    from easeback.store.plan import (
        Counted,
        counted_slot_days,
        latest_settings,
        latest_snapshot,
        snapshot_json,
        standings,
        unfolded_sessions,
    )
    from easeback.store.prescriptions import plan_facts
    from easeback.usecases.clock import wall_now
    from easeback.usecases.following import counting_basis
    from easeback.usecases.today import held_stretches, person_zone, store_fitter

    pending = unfolded_sessions(engine, now=wall_now())
    if not pending:
        return None
    zone = person_zone(engine)
    library = load_library()
    settings = latest_settings(engine)
    fit = store_fitter(engine)
    done = counted_slot_days(engine, fit)
    calendar_changed = False
    with engine.connect() as connection:
        facts = plan_facts(connection)  # what the plan of each past moment depends on
    # Each plan's latest state as counting goes on, and what to store: all of it in one
    # transaction at the end (a year of sessions counted again after a sync would
    # otherwise wait for the disk a thousand times).
    snapshots: dict[str | None, dict[str, dict[str, int]] | None] = {}
    counted: list[Counted] = []
    for session in pending:
        day = person_day(session.started, settings) if settings else session.started.date()
        basis = counting_basis(facts, day, session.started, zone)
        if basis.followed is not None:
            from easeback.core.prescribed import ladders_of

            names = {s.id: s.name for s in library.stretches}
            ladder = ladders_of(basis.followed.plan, names)
        else:
            ladder = ladders(library)
        if basis.basis not in snapshots:
            snapshots[basis.basis] = latest_snapshot(engine, basis.basis)
        state: dict[str, Standing] = standings(snapshots[basis.basis])
        current = doses(state, ladder)
        filled = (
            (session.slot, session.plan_date)
            if session.slot and session.plan_date
            else fit(session.started, held_stretches(session.timeline))
        )
        replay = filled is not None and filled in done
        outcome = session_outcome(
            session.timeline,
            session.events,
            at=wall_now(),
            current=current,
            worsened=worsened(session.pain_before, session.pain_after),
            counts=not replay,
        )
        if basis.flaring:
            # Progression waits while the back has flared up: no step up and no run of
            # easy sessions towards one (a pain stop still takes a step back).
            state, changes = advance(state, replace(outcome, follow_up_open=True), ladder)
            state = {sid: replace(standing, streak=0) for sid, standing in state.items()}
        else:
            state, changes = advance(state, outcome, ladder)
        counted.append(
            Counted(
                session_id=session.id,
                state=state,
                doses=doses(state, ladder),
                changes=changes,
                at=outcome.at,
                basis=basis.basis,
            )
        )
        snapshots[basis.basis] = json.loads(snapshot_json(state, doses(state, ladder)))
        if outcome.completed and filled is not None:
            done.add(filled)
        calendar_changed |= any(c.field == "times_per_day" for c in changes)
    return counted, zone, calendar_changed


def rewrite_calendars(engine: Engine) -> list[str]:
    """Rewrite every calendar file easeback has written, after the plan changed: day
    settings saved, the rotation's times a day changed, a prescription imported or
    removed (call it once the import or removal is stored). Returns a message for each
    file that could not be written (the others are still done)."""
    from easeback.store.plan import calendar_paths

    failures: list[str] = []
    for path in calendar_paths(engine):
        try:
            write_calendar(engine, path)
        except OSError as exc:
            failures.append(f"could not update {path}: {exc.strerror}")
    return failures


def calendar_bytes(engine: Engine, now: datetime | None = None) -> bytes:
    """The calendar of the plan's whole history, generated ``now`` (default: the clock)."""
    from easeback.reports.calendar import calendar_ics
    from easeback.usecases.clock import wall_now

    now = now or wall_now()
    return calendar_ics(plan_versions(engine, now), generated=now)


def plan_versions(engine: Engine, now: datetime) -> list[PlanVersion]:
    """The plan's versions, oldest first, from when the day was first set or the first
    calendar written (the first version is easeback's default day until then); with
    neither stored yet, the history begins ``now``. A change stored before that
    beginning shapes the first version. See ``fold_versions`` for what makes a
    version and how versions are numbered."""
    from datetime import UTC

    from easeback.core.plan import DaySettings
    from easeback.store.plan import latest_snapshot, plan_history
    from easeback.usecases.clock import local_zone

    history = plan_history(engine)
    if history.rotations:
        rotation = history.rotations[0][1]
    else:
        rotation = current_doses(latest_snapshot(engine))["lower-back-rotation"]["times_per_day"]
    began = history.began.replace(tzinfo=UTC) if history.began else now
    return fold_versions(
        history, began=began, settings=DaySettings(zone=local_zone()), rotation=rotation, now=now
    )


def fold_versions(
    history: PlanHistory, *, began: datetime, settings: DaySettings, rotation: int, now: datetime
) -> list[PlanVersion]:
    """The plan's versions from ``began`` to ``now`` (aware), from easeback's default
    ``settings`` and the article's course with the rotation ``rotation`` times a day.

    A new version begins with each day settings saved, each change to how often the
    rotation is done, each prescription imported or removed, and, while one is
    followed, the moment the person's day of its start and the day after its end
    begin (also when still to come, so a calendar written today ends its events on
    time): its course is the prescription's while it is in force on the person's day,
    else the article's, as the plan everywhere else (usecases/following).
    Each version's revision counts these changes up to it. A calendar written before
    any prescription counted the same changes (the others all come later), so no
    event's SEQUENCE ever goes down."""
    from datetime import UTC, timedelta

    from easeback.core.plan import Course, day_begins, person_day
    from easeback.core.prescribed import course_of, in_force
    from easeback.reports.calendar import PlanVersion
    from easeback.store.prescription_rows import Followed

    def aware(at: datetime) -> datetime:
        return at.replace(tzinfo=UTC) if at.tzinfo is None else at

    followed: Followed | None = None

    def course_at(moment: datetime) -> Course:
        if followed is not None:
            day = person_day(moment, settings)
            if in_force(followed.start, followed.end, day) == "active":
                return course_of(followed.plan)
        return Course.article(rotation)

    versions = [PlanVersion(began, settings, course_at(began), 0)]

    def add(at: datetime) -> None:
        begins = max(at, began)
        version = PlanVersion(begins, settings, course_at(begins), versions[-1].revision + 1)
        if version.begins <= versions[-1].begins:
            versions[-1] = version
        else:
            versions.append(version)

    def boundaries(after: datetime | None, until: datetime) -> list[datetime]:
        """When the person's day of the followed prescription's start, and the day
        after its end, begin: those after ``after`` and by ``until``."""
        if followed is None or after is None:
            return []
        days = [followed.start]
        if followed.end is not None:
            days.append(followed.end + timedelta(days=1))
        moments = (day_begins(day, settings) for day in days)
        return sorted(m for m in moments if after < m <= until)

    # (when, what changed, its new value), in the order they came; at the same moment,
    # settings before the rotation before what the plan follows
    changes: list[tuple[datetime, str, Any]] = sorted(
        [
            *((aware(at), "settings", new) for at, new in history.settings),
            *((aware(at), "rotation", new) for at, _old, new in history.rotations),
            *((aware(at), "followed", rx) for at, rx in history.sources),
        ],
        key=lambda change: change[0],
    )
    last: datetime | None = None
    for at, what, value in changes:
        for moment in boundaries(last, min(at, now)):
            add(moment)
        if what == "settings":
            settings = value
        elif what == "rotation":
            rotation = value
        else:
            followed = value
        add(at)
        last = at
    # The followed prescription's start and end are known ahead: the calendar written
    # now already ends its events with it, and a rewrite later finds the same versions.
    for moment in boundaries(last, datetime.max.replace(tzinfo=UTC)):
        add(moment)
    return versions


def write_calendar(engine: Engine, path: str, now: datetime | None = None) -> None:
    """Write the calendar whole or not at all: a subscriber never reads half a file."""
    import os
    import tempfile
    from pathlib import Path

    target = Path(path)
    fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=".easeback-", suffix=".ics")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(calendar_bytes(engine, now))
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
