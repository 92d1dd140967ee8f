"""Commands about the day: setup (the person's day), today (what is due and when),
calendar (reminders for any calendar app)."""

import sys
from datetime import time
from typing import TYPE_CHECKING, Annotated

import typer

from easeback.cli.app import (
    app,
    db_option,
    fail,
    print_json,
    shown,
    user_errors,
    warn_all,
    writable_target,
    write_reason,
)
from easeback.wording import messages

if TYPE_CHECKING:
    from easeback.core.plan import DaySettings


# --- what today holds ------------------------------------------------------------------


@app.command()
def today(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON only.")] = False,
) -> None:
    """Show today's stretches: when each is due, at what dose, what is done and next,
    and how many sessions this week so far.

    Example: easeback today --json
    """
    from easeback.usecases.today import person_today

    with user_errors():
        view = person_today(db_option(ctx))
    if as_json:
        print_json(view)
        return
    from easeback.cli.output import print_today

    print_today(view)


# --- the person's day ----------------------------------------------------------------


@app.command()
def setup(
    ctx: typer.Context,
    wake: Annotated[str | None, typer.Option(help="When you get up, HH:MM.")] = None,
    bed: Annotated[
        str | None,
        typer.Option(help="When you go to bed, HH:MM; after midnight is fine, e.g. 00:30."),
    ] = None,
    work: Annotated[str | None, typer.Option(help="Work hours HH:MM-HH:MM, or 'none'.")] = None,
    work_days: Annotated[
        str | None, typer.Option("--work-days", help="e.g. mon-fri, or mon,wed,fri, or none.")
    ] = None,
    zone: Annotated[str | None, typer.Option(help="Your time zone, e.g. Europe/London.")] = None,
    name: Annotated[
        str | None,
        typer.Option(
            help='Your name, for your report, routine sheet and FHIR export ("" clears it).'
        ),
    ] = None,
    birth_date: Annotated[
        str | None,
        typer.Option(
            "--birth-date", help='Your date of birth, YYYY-MM-DD, for the same ("" clears it).'
        ),
    ] = None,
    clinic_id: Annotated[
        str | None,
        typer.Option(
            "--clinic-id", help='The identifier your clinic gave you, for the same ("" clears it).'
        ),
    ] = None,
) -> None:
    """Tell easeback about your day, so the stretches fit it (re-run it any time), and
    who your report is about.

    Without options at a terminal it asks about your day; options change only what
    they name. Your name, date of birth and clinic identifier go only on the report,
    the routine sheet and the FHIR export.

    Example: easeback setup --wake 06:30 --bed 23:00 --work 08:30-17:00 --work-days mon-fri

    Example: easeback setup --name "Sam Doe" --birth-date 1974-05-02
    """
    from easeback.core.plan import DaySettings, known_zone, local_day
    from easeback.store import open_store
    from easeback.store.plan import latest_settings, save_settings
    from easeback.store.profile import latest_profile, save_profile
    from easeback.usecases.clock import local_zone, wall_now
    from easeback.usecases.profile_input import read_profile_options
    from easeback.usecases.today import person_today

    day_given = any(v is not None for v in (wake, bed, work, work_days, zone))
    profile_given = any(v is not None for v in (name, birth_date, clinic_id))
    with user_errors():
        engine = open_store(db_option(ctx))
        settings = latest_settings(engine) or DaySettings(zone=local_zone())
        asked = not day_given and not profile_given
        if asked and not sys.stdin.isatty():
            fail("nothing to set: give options such as --wake 07:00, or run it in a terminal")
        if asked:
            settings = _ask_day(settings)
        from easeback.usecases.day_input import read_day_options

        settings, problems = read_day_options(settings, wake, bed, work, work_days, zone)
        current = latest_profile(engine)
        day_zone = settings.zone if known_zone(settings.zone) else local_zone()
        profile, more = read_profile_options(
            current, name, birth_date, clinic_id, today=local_day(wall_now(), day_zone)
        )
        problems += more
        if problems:
            for option, problem in problems:
                typer.echo(f"easeback: --{option}: {problem}", err=True)
            typer.echo(f"easeback: {messages.NOTHING_CHANGED}", err=True)
            raise typer.Exit(2)
        if profile != current:
            save_profile(engine, profile, at=wall_now())
        if profile_given and not day_given:
            typer.echo(messages.PROFILE_SAVED)
            return
        save_settings(engine, settings, at=wall_now())
        from easeback.usecases.aftercare import rewrite_calendars

        warn_all(rewrite_calendars(engine))
    if profile_given:
        typer.echo(messages.PROFILE_SAVED)
    typer.echo(messages.SETUP_SAVED)
    from easeback.cli.output import print_today

    with user_errors():
        print_today(person_today(db_option(ctx)))


def _ask_day(settings: "DaySettings") -> "DaySettings":
    """Ask for each part of the day at the terminal, again until it all fits; the
    answers given so far are the defaults of the next round."""
    from easeback.core.plan import format_days
    from easeback.usecases.day_input import read_day_options

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

    from easeback.store import open_store
    from easeback.store.plan import remember_calendar
    from easeback.usecases.aftercare import calendar_bytes, write_calendar
    from easeback.usecases.clock import wall_now

    if ics == "-":
        with user_errors():
            sys.stdout.buffer.write(calendar_bytes(open_store(db_option(ctx))))
        return
    target = writable_target(ics, "--ics", example="easeback.ics")
    with user_errors():
        engine = open_store(db_option(ctx))
        now = wall_now()  # one moment: a first calendar begins the plan's history then
        try:
            write_calendar(engine, str(target), now)
        except OSError as exc:
            fail(f"--ics: cannot write {shown(target)}: {write_reason(exc, target)}")
        remember_calendar(engine, str(target.resolve()), at=now)
    typer.echo(messages.CALENDAR_WRITTEN.format(path=shown(target)))


# --- sessions for a slot, and what they change -----------------------------------------
