"""Commands about the diary: log pain and notes, the PSFS, and progress."""

import sys
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Annotated

import typer

from easeback.cli.app import (
    FromOption,
    ToOption,
    app,
    db_option,
    fail,
    log_app,
    print_json,
    user_errors,
)
from easeback.usecases.diary_input import (
    NAME_LIMIT,
    NOTE_LIMIT,
    PSFS_MAX,
    PSFS_MIN,
    activities_problem,
    clean_note,
    parse_score,
)
from easeback.wording import messages

if TYPE_CHECKING:
    from easeback.usecases.overview import Overview


def parse_when(
    value: str | None, zone: str, option: str = "--at", which: str | None = None
) -> datetime:
    """When something was felt: now, 'HH:MM' today, or 'YYYY-MM-DD HH:MM' in
    ``zone``; never in the future, never before 2000.

    A time the clocks skipped that night is refused; one they repeated is taken as
    ``which`` says ('earlier' or 'later'), else asked at a terminal, else refused
    with the option to add.
    """
    from zoneinfo import ZoneInfo

    from easeback.core.localtime import readings, skipped_span
    from easeback.usecases.clock import wall_now

    now = wall_now()
    local_now = now.astimezone(ZoneInfo(zone))
    if value is None:
        return local_now
    text = value.strip().replace("T", " ")
    local: datetime | None = None
    try:
        if len(text) == 5:
            local = datetime.combine(local_now.date(), datetime.strptime(text, "%H:%M").time())
        elif len(text) == 16:
            local = datetime.strptime(text, "%Y-%m-%d %H:%M")
    except ValueError:
        local = None
    if local is None:
        fail(
            f"{option}: {value!r} is not a time; write HH:MM for today, or "
            f"'YYYY-MM-DD HH:MM', e.g. '{local_now:%Y-%m-%d} 08:30'"
        )
    if local.year < 2000:
        fail(f"{option}: {value!r} is too long ago; give a time from 2000 on")
    found = readings(local, zone)
    if not found:
        jumped_from, jumped_to = skipped_span(local, zone)
        fail(
            f"{option}: {local:%Y-%m-%d %H:%M} did not happen in {zone}: the clocks went "
            f"forward from {jumped_from:%H:%M} to {jumped_to:%H:%M} that night; give a time "
            "before or after the change"
        )
    if len(found) == 1:
        moment = found[0].instant
    else:
        first, second = found
        if which is None and sys.stdin.isatty():
            typer.echo(
                f"{local:%H:%M} on {local:%Y-%m-%d} happened twice in {zone}, when the clocks "
                f"went back: first in {first.abbreviation} ({first.offset_text()}), then an "
                f"hour later in {second.abbreviation} ({second.offset_text()})."
            )
            answer = typer.prompt("Which was it, 1 (the first) or 2 (the second)?")
            which = {"1": "earlier", "2": "later"}.get(answer.strip())
            if which is None:
                fail(f"{option}: please answer 1 or 2; nothing was saved")
        if which is None:
            fail(
                f"{option}: {local:%Y-%m-%d %H:%M} happened twice in {zone}, when the clocks "
                f"went back; add --earlier for the first ({first.abbreviation}, "
                f"{first.offset_text()}) or --later for the second ({second.abbreviation}, "
                f"{second.offset_text()})"
            )
        moment = first.instant if which == "earlier" else second.instant
    if moment > now + timedelta(minutes=1):
        fail(f"{option}: {value!r} is in the future; give the time it happened")
    return moment.astimezone(ZoneInfo(zone))


EarlierOption = Annotated[
    bool,
    typer.Option(
        "--earlier", help="With --at in the hour the clocks go back: the first of the two."
    ),
]
LaterOption = Annotated[
    bool,
    typer.Option("--later", help="With --at in the hour the clocks go back: the second."),
]


def repeated_hour(earlier: bool, later: bool) -> str | None:
    if earlier and later:
        fail("--earlier and --later: give one of them, not both")
    return "earlier" if earlier else "later" if later else None


def parse_day(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        fail(f"{option}: {value!r} is not a date; write it as YYYY-MM-DD, e.g. 2026-11-01")


def check_note(note: str | None) -> str | None:
    if note is None:
        return None
    note = clean_note(note)
    try:
        note.encode("utf-8")
    except UnicodeEncodeError:
        fail("--note: the note holds bytes that are not text (check the terminal's encoding)")
    if not note:
        fail("--note: the note is empty; leave --note out, or write something")
    if len(note) > NOTE_LIMIT:
        fail(f"--note: {len(note)} characters; keep a note to {NOTE_LIMIT}")
    return note


@log_app.command("pain")
def log_pain(
    ctx: typer.Context,
    value: Annotated[
        int, typer.Argument(min=0, max=10, metavar="N", help="0 (no pain) to 10 (worst).")
    ],
    note: Annotated[str | None, typer.Option(help="A few words about it.")] = None,
    at: Annotated[
        str | None, typer.Option(help="When: HH:MM today, or 'YYYY-MM-DD HH:MM' (default now).")
    ] = None,
    earlier: EarlierOption = False,
    later: LaterOption = False,
    share: Annotated[
        bool, typer.Option("--share", help="Include the note in reports for your clinician.")
    ] = False,
) -> None:
    """Note how much your back hurts, at any time (as often as you like).

    Example: easeback log pain 4 --note "stiff after the drive" --at 08:30
    """
    from easeback.store import open_store
    from easeback.store.diary import add_entry
    from easeback.usecases.today import person_zone

    text = check_note(note)
    with user_errors():
        engine = open_store(db_option(ctx))
        zone = person_zone(engine)
        moment = parse_when(at, zone, which=repeated_hour(earlier, later))
        add_entry(engine, at=moment, zone=zone, pain=value, note=text, share=share)
    typer.echo(messages.DIARY_SAVED.format(what=f"pain {value}/10", when=f"{moment:%H:%M}"))


@log_app.command("note")
def log_note(
    ctx: typer.Context,
    text: Annotated[str, typer.Argument(help="The note, in your own words.")],
    at: Annotated[
        str | None, typer.Option(help="When: HH:MM today, or 'YYYY-MM-DD HH:MM' (default now).")
    ] = None,
    earlier: EarlierOption = False,
    later: LaterOption = False,
    share: Annotated[
        bool, typer.Option("--share", help="Include it in reports for your clinician.")
    ] = False,
) -> None:
    """Write a note in your diary (kept private unless you add --share).

    Example: easeback log note "Walked to work, back felt fine" --share
    """
    from easeback.store import open_store
    from easeback.store.diary import add_entry
    from easeback.usecases.today import person_zone

    checked = check_note(text.replace("\x00", "")) if text.strip() else None
    if checked is None:
        fail("TEXT: the note is empty; write something to keep")
    with user_errors():
        engine = open_store(db_option(ctx))
        zone = person_zone(engine)
        moment = parse_when(at, zone, which=repeated_hour(earlier, later))
        add_entry(engine, at=moment, zone=zone, pain=None, note=checked, share=share)
    typer.echo(messages.DIARY_SAVED.format(what="note", when=f"{moment:%H:%M}"))


# --- PSFS ---------------------------------------------------------------------------


def parse_activities(text: str) -> list[str]:
    names = [n.strip() for n in text.split(";") if n.strip()]
    problem = activities_problem(names)
    if problem:
        fail(
            f"--activities: {problem[1]} (separated by ';', e.g. 'Putting on socks; Lifting "
            "the shopping; Sitting for an hour')"
        )
    return names


def parse_ratings(text: str, count: int) -> list[int]:
    values = [parse_score(p) for p in text.split(",")]
    if len(values) != count or None in values:
        fail(
            f"--ratings: {text!r}: give {count} whole numbers from 0 (unable) to 10 (as "
            f"before the problem), one per activity in order, e.g. "
            f"{','.join(['5'] * count)}"
        )
    return [v for v in values if v is not None]


@app.command()
def psfs(
    ctx: typer.Context,
    activities: Annotated[
        str | None,
        typer.Option(help="3 to 5 activities you find hard, separated by ';' (replaces the list)."),
    ] = None,
    ratings: Annotated[
        str | None,
        typer.Option(help="One rating per activity, in order: 0 (unable) to 10 (as before)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON only.")] = False,
) -> None:
    """Rate the everyday activities your back makes hard (the PSFS), once a week.

    Without options at a terminal it asks: first the activities, then a rating for each.

    Example: easeback psfs --activities "Socks on; Gardening; Sitting an hour" --ratings 4,3,6
    """
    from easeback.store import open_store
    from easeback.store.diary import (
        current_activities,
        psfs_view,
        rate_activities,
        set_activities,
    )
    from easeback.usecases.clock import wall_now
    from easeback.usecases.today import person_zone

    names = parse_activities(activities) if activities is not None else None
    with user_errors():
        engine = open_store(db_option(ctx))
        if as_json and names is None and ratings is None:
            print_json(psfs_view(engine, wall_now()))
            return
        current = current_activities(engine)
        asking = names is None and ratings is None
        if asking and not sys.stdin.isatty():
            fail("nothing to do: give --activities and/or --ratings, or run it in a terminal")
        if asking and not current:
            names = _ask_activities()
        count = len(names) if names is not None else len(current)
        if count == 0:
            fail(
                "--ratings: there are no activities to rate yet; name them first with --activities"
            )
        values = parse_ratings(ratings, count) if ratings is not None else None
        now = wall_now()
        if names is not None:
            current = set_activities(engine, names, at=now)
            if not as_json:
                typer.echo(messages.PSFS_LISTED.format(count=len(current)))
        if values is None and asking:
            values = _ask_ratings([a.name for a in current])
        if values is not None:
            rate_activities(
                engine,
                {a.id: v for a, v in zip(current, values, strict=True)},
                at=now,
                zone=person_zone(engine),
            )
        view = psfs_view(engine, wall_now())
    if as_json:
        print_json(view)
        return
    if values is not None:
        typer.echo(messages.PSFS_SAVED.format(mean=f"{view['mean']:.1f}"))


def _ask_activities() -> list[str]:
    typer.echo(messages.PSFS_INTRO)
    names: list[str] = []
    while len(names) < PSFS_MAX:
        hint = "" if len(names) < PSFS_MIN else " (Enter to finish)"
        name = typer.prompt(f"Activity {len(names) + 1}{hint}", default="", show_default=False)
        name = name.strip()
        if not name:
            if len(names) >= PSFS_MIN:
                break
            typer.echo(f"Please name at least {PSFS_MIN}.")
            continue
        if len(name) > NAME_LIMIT or name.lower() in (n.lower() for n in names):
            typer.echo("Please give a different, shorter name.")
            continue
        names.append(name)
    return names


def _ask_ratings(names: list[str]) -> list[int]:
    typer.echo(messages.PSFS_RATE)
    values = []
    for name in names:
        while True:
            value = parse_score(typer.prompt(f"  {name} (0-10)"))
            if value is not None:
                values.append(value)
                break
            typer.echo("Please type a whole number from 0 to 10.")
    return values


# --- progress -----------------------------------------------------------------------


@app.command()
def progress(
    ctx: typer.Context,
    start: FromOption = None,
    end: ToOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON only.")] = False,
) -> None:
    """Is it helping? Sessions against the plan per week, pain and the PSFS over time,
    and whether each change is big enough to mean something.

    Example: easeback progress --from 2026-11-01
    """
    from easeback.cli.output import print_progress
    from easeback.usecases.overview import EmptyPeriod

    with user_errors():
        try:
            view = overview_for(db_option(ctx), start, end)
        except EmptyPeriod as exc:
            fail(f"{exc}; try a wider --from/--to, or log pain with: easeback log pain N")
    if as_json:
        print_json(view.to_json())
        return
    print_progress(view)


def overview_for(db: str | None, start: str | None, end: str | None) -> "Overview":
    """The Overview of the period the options name, in the person's zone."""
    from easeback.core.plan import local_day
    from easeback.store import open_store
    from easeback.usecases.clock import wall_now
    from easeback.usecases.overview import BadPeriod, build_overview, period
    from easeback.usecases.today import person_zone

    first_day = parse_day(start, "--from")
    last_day = parse_day(end, "--to")
    engine = open_store(db)
    zone = person_zone(engine)
    try:
        first, last = period(first_day, last_day, local_day(wall_now(), zone))
    except BadPeriod as exc:
        fail(f"--from/--to: {exc}")
    return build_overview(engine, first, last, zone=zone)
