"""What happens around a session, whichever player ran it: pain ratings, follow-ups
after a pain stop or a worsening, folding finished sessions into progression, and
rewriting the calendar files when the plan changes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from easeback.usecases.today import current_doses

if TYPE_CHECKING:
    from sqlalchemy import Engine


def save_pain(engine: Engine, session_id: str, moment: str, value: int | None) -> None:
    """Store a 0-10 rating given before or after a session (None: skipped)."""
    from easeback.store.safety import record_pain
    from easeback.usecases.clock import local_zone, wall_now

    if value is not None:
        record_pain(
            engine,
            session_id=session_id,
            moment=moment,
            value=value,
            at=wall_now(),
            zone=local_zone(),
        )


def follow_up(engine: Engine, session_id: str, kind: str) -> bool:
    """Record a pain stop or a worsening for follow-up; True when it is the second
    within 7 days (a step back for progression and a word with a clinician). Once per
    session and kind: False, and nothing stored, when it was already recorded."""
    from easeback.core.screening import repeated_pain
    from easeback.store.safety import pain_event_times, record_followup
    from easeback.usecases.clock import local_zone, wall_now

    now = wall_now()
    events = pain_event_times(engine)
    if kind == "worsening":
        events.append(now)  # not yet in the store: this row is what records it
    step_back = repeated_pain(events, now)
    recorded = record_followup(
        engine,
        at=now,
        zone=local_zone(),
        kind=kind,
        session_id=session_id,
        settled=None,
        step_back=step_back,
    )
    return step_back and recorded


def catch_up_progress(engine: Engine) -> list[str]:
    """Fold every finished session not yet counted into progression, oldest first, and
    store the new doses with the reasons. Runs before and after each session, so a
    session cut off before its end is still counted at a later start (once it can no
    longer be playing in another window). Returns a message for each calendar file
    that could not be rewritten."""
    from easeback.content.library import load_library
    from easeback.core.progression import Standing, advance, doses, ladders, session_outcome
    from easeback.core.screening import worsened
    from easeback.store.plan import (
        counted_slot_days,
        latest_snapshot,
        save_progress,
        standings,
        unfolded_sessions,
    )
    from easeback.usecases.clock import local_zone, wall_now

    pending = unfolded_sessions(engine, now=wall_now())
    if not pending:
        return []
    ladder = ladders(load_library())
    state: dict[str, Standing] = standings(latest_snapshot(engine))
    done = counted_slot_days(engine)
    calendar_changed = False
    for session in pending:
        current = doses(state, ladder)
        replay = session.slot is not None and (session.slot, session.plan_date) in done
        outcome = session_outcome(
            session.timeline,
            session.events,
            at=wall_now(),
            current=current,
            worsened=worsened(session.pain_before, session.pain_after),
            counts=not replay,
        )
        state, changes = advance(state, outcome, ladder)
        save_progress(
            engine,
            session_id=session.id,
            state=state,
            doses=doses(state, ladder),
            changes=changes,
            at=outcome.at,
            zone=local_zone(),
        )
        if outcome.completed and session.slot and session.plan_date:
            done.add((session.slot, session.plan_date))
        calendar_changed |= any(c.field == "times_per_day" for c in changes)
    return rewrite_calendars(engine) if calendar_changed else []


def rewrite_calendars(engine: Engine) -> list[str]:
    """Rewrite every calendar file easeback has written, after the plan changed; returns
    a message for each file that could not be written (the others are still done)."""
    from easeback.store.plan import calendar_paths

    failures: list[str] = []
    for path in calendar_paths(engine):
        try:
            write_calendar(engine, path)
        except OSError as exc:
            failures.append(f"could not update {path}: {exc.strerror}")
    return failures


def calendar_bytes(engine: Engine) -> bytes:
    from easeback.core.plan import DaySettings
    from easeback.reports.calendar import calendar_ics
    from easeback.store.plan import latest_settings, latest_snapshot, plan_revision
    from easeback.usecases.clock import local_zone, wall_now

    settings = latest_settings(engine) or DaySettings(zone=local_zone())
    per_day = current_doses(latest_snapshot(engine))["lower-back-rotation"]["times_per_day"]
    return calendar_ics(settings, per_day, generated=wall_now(), sequence=plan_revision(engine))


def write_calendar(engine: Engine, path: str) -> None:
    """Write the calendar whole or not at all: a subscriber never reads half a file."""
    import os
    import tempfile
    from pathlib import Path

    target = Path(path)
    fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=".easeback-", suffix=".ics")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(calendar_bytes(engine))
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
