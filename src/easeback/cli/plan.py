"""Commands about the day: setup (the person's day), today (what is due and when),
calendar (reminders for any calendar app)."""

from __future__ import annotations

import json
import sys
from datetime import datetime, time
from typing import TYPE_CHECKING, Annotated, Any

import typer

from easeback import messages
from easeback.cli.app import app, db_option, fail, user_errors

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from easeback.content.models import Routine
    from easeback.core.plan import DaySettings
    from easeback.store.quick import PlanInputs


# --- what today holds ------------------------------------------------------------------


def read_inputs(db: str | None, plan_date: str) -> PlanInputs:
    """The plan's inputs: plain sqlite3 when possible (fast), else through the store."""
    from easeback.store.location import resolve_url, sqlite_file
    from easeback.store.quick import read_plan_inputs

    with user_errors():
        path = sqlite_file(resolve_url(db))
        if path is not None:
            quick = read_plan_inputs(path, plan_date)
            if quick is not None:
                return quick
        from easeback.store import open_store
        from easeback.store.plan import plan_inputs

        return plan_inputs(open_store(db), plan_date)


def current_doses(snapshot: dict[str, dict[str, int]] | None) -> dict[str, dict[str, int]]:
    """stretch -> {hold_s, reps, times_per_day}: the snapshot's, completed with the
    starting doses for any stretch it lacks (the library only loads in that case)."""
    from easeback.core.plan import PLANNED

    if snapshot and all(sid in snapshot for sid in PLANNED):
        return snapshot
    from easeback.content.library import load_library
    from easeback.core.progression import doses, ladders

    starting = {
        sid: {"hold_s": d.hold_s, "reps": d.reps, "times_per_day": d.times_per_day}
        for sid, d in doses({}, ladders(load_library())).items()
    }
    return {**starting, **(snapshot or {})}


def today_view(inputs: PlanInputs, now: datetime, zone: str) -> dict[str, Any]:
    """Today's slots with their times, doses and status, as plain data (the JSON)."""
    from easeback.core.plan import DaySettings, local_day, plan_day, slot_statuses

    settings = inputs.settings or DaySettings(zone=zone)
    dose = current_doses(inputs.snapshot)
    day = local_day(now, settings.zone)
    slots = plan_day(day, settings, dose["lower-back-rotation"]["times_per_day"])
    from zoneinfo import ZoneInfo

    local_now = now.astimezone(ZoneInfo(settings.zone))
    statuses = slot_statuses(slots, local_now.time(), inputs.outcomes, settings.bed)
    return {
        "date": day.isoformat(),
        "zone": settings.zone,
        "now": local_now.strftime("%H:%M"),
        "set_up": inputs.settings is not None,
        "slots": [
            {
                "id": slot.id,
                "time": slot.at.strftime("%H:%M"),
                "where": slot.where,
                "status": statuses[slot.id],
                "stretches": [
                    {"id": sid, "hold_s": dose[sid]["hold_s"], "reps": dose[sid]["reps"]}
                    for sid in slot.stretches
                ],
            }
            for slot in slots
        ],
        "next": next((s.id for s in slots if statuses[s.id] == "next"), None),
    }


def person_today(db: str | None) -> dict[str, Any]:
    """Today's view in the person's own day: their settings' zone decides the date
    (which may differ from the computer's), and that date's sessions mark the slots."""
    from easeback.clock import local_zone, wall_now
    from easeback.core.plan import local_day

    now, zone = wall_now(), local_zone()
    inputs = read_inputs(db, local_day(now, zone).isoformat())
    settings_zone = inputs.settings.zone if inputs.settings else zone
    if local_day(now, settings_zone) != local_day(now, zone):
        inputs = read_inputs(db, local_day(now, settings_zone).isoformat())
    return today_view(inputs, now, settings_zone)


@app.command()
def today(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON only.")] = False,
) -> None:
    """Show today's stretches: when each is due, at what dose, what is done and next.

    Example: easeback today --json
    """
    view = person_today(db_option(ctx))
    if as_json:
        typer.echo(json.dumps(view, indent=2))
        return
    from easeback.cli.output import print_today

    print_today(view)


# --- the person's day ----------------------------------------------------------------


def _clock(value: str, option: str, problems: list[tuple[str, str]]) -> time | None:
    """HH:MM, or None with a problem noted for ``option``."""
    try:
        parsed = time.fromisoformat(value)
    except ValueError:
        parsed = None
    if parsed is None or len(value) != 5:
        problems.append((option, f"{value!r} is not a time; write it as HH:MM, e.g. 07:00"))
        return None
    return parsed


def read_day_options(
    settings: DaySettings,
    wake: str | None,
    bed: str | None,
    work: str | None,
    work_days: str | None,
    zone: str | None,
) -> tuple[DaySettings, list[tuple[str, str]]]:
    """The settings with each given option applied, and every problem found, as
    (option, message); options not given keep their current values."""
    from dataclasses import replace

    from easeback.core.plan import parse_days

    problems: list[tuple[str, str]] = []
    if wake is not None and (value := _clock(wake, "wake", problems)):
        settings = replace(settings, wake=value)
    if bed is not None and (value := _clock(bed, "bed", problems)):
        settings = replace(settings, bed=value)
    if work is not None:
        if work.strip().lower() == "none":
            settings = replace(settings, work_start=None, work_end=None)
        else:
            first, sep, last = (part.strip() for part in work.partition("-"))
            if not sep or len(first) != 5 or len(last) != 5:
                problems.append(("work", f"{work!r} is not HH:MM-HH:MM, e.g. 09:00-17:30, or none"))
            else:
                start = _clock(first, "work", problems)
                end = _clock(last, "work", problems)
                if start and end:
                    settings = replace(settings, work_start=start, work_end=end)
    if work_days is not None:
        try:
            settings = replace(settings, work_days=parse_days(work_days))
        except ValueError as exc:
            problems.append(("work-days", str(exc)))
    if zone is not None:
        settings = replace(settings, zone=zone.strip())
    reported = {option for option, _ in problems}
    problems += [
        (option, text)
        for option, text in ((n.replace("_", "-"), t) for n, t in settings.problems())
        if option not in reported  # a value that could not be read is reported once
    ]
    return settings, problems


@app.command()
def setup(
    ctx: typer.Context,
    wake: Annotated[str | None, typer.Option(help="When you get up, HH:MM.")] = None,
    bed: Annotated[str | None, typer.Option(help="When you go to bed, HH:MM (same day).")] = None,
    work: Annotated[str | None, typer.Option(help="Work hours HH:MM-HH:MM, or 'none'.")] = None,
    work_days: Annotated[
        str | None, typer.Option("--work-days", help="e.g. mon-fri, or mon,wed,fri, or none.")
    ] = None,
    zone: Annotated[str | None, typer.Option(help="Your time zone, e.g. Europe/London.")] = None,
) -> None:
    """Tell easeback about your day, so the stretches fit it (re-run it any time).

    Without options at a terminal it asks; options change only what they name.

    Example: easeback setup --wake 06:30 --bed 23:00 --work 08:30-17:00 --work-days mon-fri
    """
    from easeback.clock import local_zone, wall_now
    from easeback.core.plan import DaySettings
    from easeback.store import open_store
    from easeback.store.plan import latest_settings, save_settings

    with user_errors():
        engine = open_store(db_option(ctx))
        settings = latest_settings(engine) or DaySettings(zone=local_zone())
        asked = all(v is None for v in (wake, bed, work, work_days, zone))
        if asked and not sys.stdin.isatty():
            fail("nothing to set: give options such as --wake 07:00, or run it in a terminal")
        if asked:
            settings = _ask_day(settings)
        settings, problems = read_day_options(settings, wake, bed, work, work_days, zone)
        if problems:
            for option, problem in problems:
                typer.echo(f"easeback: --{option}: {problem}", err=True)
            typer.echo(f"easeback: {messages.NOTHING_CHANGED}", err=True)
            raise typer.Exit(2)
        save_settings(engine, settings, at=wall_now())
        rewrite_calendars(engine)
    typer.echo(messages.SETUP_SAVED)
    from easeback.cli.output import print_today

    print_today(person_today(db_option(ctx)))


def _ask_day(settings: DaySettings) -> DaySettings:
    """Ask for each part of the day at the terminal, again until it all fits; the
    answers given so far are the defaults of the next round."""
    from easeback.core.plan import format_days

    def hhmm(value: time | None) -> str:
        return value.strftime("%H:%M") if value else "none"

    answers = (
        hhmm(settings.wake),
        hhmm(settings.bed),
        f"{hhmm(settings.work_start)}-{hhmm(settings.work_end)}"
        if settings.work_start and settings.work_end
        else "none",
        format_days(settings.work_days),
        settings.zone,
    )
    while True:
        answers = (
            typer.prompt("When do you usually get up? (HH:MM)", default=answers[0]),
            typer.prompt("And go to bed? (HH:MM)", default=answers[1]),
            typer.prompt("Work hours (HH:MM-HH:MM, or none)", default=answers[2]),
            typer.prompt("Work days (e.g. mon-fri, or none)", default=answers[3]),
            typer.prompt("Time zone (e.g. Europe/London)", default=answers[4]),
        )
        candidate, problems = read_day_options(settings, *answers)
        if not problems:
            return candidate
        for option, problem in problems:
            typer.echo(f"{SETUP_QUESTION_NAMES[option]}: {problem}")
        typer.echo(messages.SETUP_AGAIN)


SETUP_QUESTION_NAMES = {
    "wake": "Getting up",
    "bed": "Bed time",
    "work": "Work hours",
    "work-days": "Work days",
    "zone": "Time zone",
}


# --- reminders -------------------------------------------------------------------------


def rewrite_calendars(engine: Engine) -> None:
    """Rewrite every calendar file easeback has written, after the plan changed."""
    from easeback.store.plan import calendar_paths

    for path in calendar_paths(engine):
        try:
            write_calendar(engine, path)
        except OSError as exc:
            typer.echo(f"easeback: could not update {path}: {exc.strerror}", err=True)


def calendar_bytes(engine: Engine) -> bytes:
    from easeback.clock import local_zone, wall_now
    from easeback.core.plan import DaySettings
    from easeback.reports.calendar import calendar_ics
    from easeback.store.plan import latest_settings, latest_snapshot, plan_revision

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


@app.command()
def calendar(
    ctx: typer.Context,
    ics: Annotated[
        str,
        typer.Option(
            "--ics", help="The .ics file to write (any calendar app imports it); - for stdout."
        ),
    ],
) -> None:
    """Write your reminders as an iCalendar file; easeback keeps it up to date.

    One repeating event per time of day, with an alarm, in your time zone. Import
    the file, or subscribe to it, in your calendar app.

    Example: easeback calendar --ics ~/easeback.ics
    """
    from pathlib import Path

    from easeback.clock import wall_now
    from easeback.store import open_store
    from easeback.store.plan import remember_calendar

    if ics == "-":
        with user_errors():
            sys.stdout.buffer.write(calendar_bytes(open_store(db_option(ctx))))
        return
    target = Path(ics).expanduser()
    if target.is_dir():
        fail(f"--ics: {target} is a folder; give a file name such as {target / 'easeback.ics'}")
    with user_errors():
        engine = open_store(db_option(ctx))
        try:
            write_calendar(engine, str(target))
        except OSError as exc:
            fail(f"--ics: cannot write {target}: {exc.strerror}")
        remember_calendar(engine, str(target.resolve()), at=wall_now())
    typer.echo(messages.CALENDAR_WRITTEN.format(path=target))


# --- sessions for a slot, and what they change -----------------------------------------


def slot_routine(db: str | None, wanted: str | None) -> tuple[Routine, str, str] | None:
    """The routine for today's next slot (or ``wanted``), with the slot id and the
    local date it belongs to; None when nothing more is due today."""
    from easeback.content.library import load_library
    from easeback.content.models import Routine

    view = person_today(db)
    slot = next((s for s in view["slots"] if s["id"] == (wanted or view["next"])), None)
    if slot is None:
        return None
    routine = Routine.model_validate(
        {
            "name": slot["id"],
            "title": f"{messages.SLOT_TITLES[slot['id']]} ({slot['where']})",
            "stretches": [
                {"id": s["id"], "hold_s": s["hold_s"], "reps": s["reps"]} for s in slot["stretches"]
            ],
        },
        context={"library": load_library()},
    )
    return routine, slot["id"], view["date"]


def catch_up_progress(engine: Engine) -> None:
    """Fold every finished session not yet counted into progression, oldest first, and
    store the new doses with the reasons. Runs before and after each session, so a
    session cut off before its end is still counted at the next start."""
    from easeback.clock import local_zone, wall_now
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

    pending = unfolded_sessions(engine)
    if not pending:
        return
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
    if calendar_changed:
        rewrite_calendars(engine)
