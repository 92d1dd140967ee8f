"""Commands about sessions: start and history."""

import os
import sys
from typing import TYPE_CHECKING, Annotated

import typer

from easeback.cli.app import app, db_option, fail, print_json, user_errors, warn_all
from easeback.wording import messages

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from easeback.store.writer import SessionWriter


def ask_flare_question(engine: "Engine") -> None:
    """During a flare-up, each morning's question comes before the session (at a
    terminal; elsewhere, the command to answer it is shown)."""
    from easeback.usecases.clock import wall_now
    from easeback.usecases.prescription import answer_flare, flare_check_due

    if not flare_check_due(engine, now=wall_now()):
        return
    if not sys.stdin.isatty():
        typer.echo(f"{messages.FLARE_QUESTION} {messages.FLARE_ANSWER_HOW}")
        return
    answer = ""
    while answer not in ("better", "same", "worse"):
        answer = typer.prompt(f"{messages.FLARE_QUESTION} (better/same/worse)").strip().lower()
    symptom = typer.confirm(messages.FLARE_SYMPTOM_QUESTION, default=False)
    view = answer_flare(engine, answer.lower(), new_symptom=symptom, now=wall_now())
    if view["needs_safety"]:
        typer.echo(messages.FLARE_SAFETY)


@app.command()
def start(
    ctx: typer.Context,
    routine: Annotated[
        str | None,
        typer.Argument(
            help="A built-in routine (default, bed, office) or a routine .toml file; "
            "leave it out for what today's plan has due now.",
            show_default=False,
        ),
    ] = None,
    speed: Annotated[
        float,
        typer.Option(
            min=1, max=500, help="Play N times faster, to rehearse; saved as a rehearsal."
        ),
    ] = 1.0,
    voice: Annotated[
        bool, typer.Option("--voice", help="Speak each cue aloud (needs espeak-ng).")
    ] = False,
    plain: Annotated[
        bool,
        typer.Option("--plain", help="One line per phase instead of a full screen."),
    ] = False,
    slot: Annotated[
        str | None,
        typer.Option(help="Without ROUTINE: play this time of day (morning, daytime, evening)."),
    ] = None,
) -> None:
    """Play a routine in the terminal, guided second by second: without ROUTINE, the
    stretches due now in today's plan (see: easeback today).

    Keys: space pause/resume, n skip, q quit, p or Escape: pain, stop now.

    Example: easeback start bed --voice
    """
    from easeback.cli.sync import sync_after_session
    from easeback.content.library import load_library, load_routine
    from easeback.core.plan import SLOT_IDS
    from easeback.core.player import Player
    from easeback.core.timeline import build_timeline
    from easeback.store import open_store
    from easeback.store.plan import changes_after_last_session
    from easeback.store.sessions import SessionLog, new_session_id
    from easeback.terminal.keys import open_keyboard
    from easeback.terminal.run import run_terminal_session
    from easeback.usecases.aftercare import catch_up_progress, save_pain
    from easeback.usecases.clock import monotonic, wall_now
    from easeback.usecases.recording import session_writer, write_waiting
    from easeback.usecases.today import person_zone

    if slot is not None and (routine is not None or slot not in SLOT_IDS):
        fail(f"--slot: {slot!r}: choose morning, daytime or evening, and leave out ROUTINE")
    from easeback.usecases.today import slot_filled, slot_routine

    db = db_option(ctx)
    with user_errors():
        named = load_routine(routine) if routine is not None else None  # bad input first
        engine = open_store(db)
        write_waiting(engine)
        ask_flare_question(engine)
        ensure_allowed(engine)
        warn_all(catch_up_progress(engine))
        slot_id = plan_date = None
        if named is None:
            found = slot_routine(db, slot)
            if found is None:
                typer.echo(messages.ALL_DONE)
                return
            chosen, slot_id, plan_date = found
        else:
            chosen = named
        changes = changes_after_last_session(engine)
        if changes:
            typer.echo(messages.SINCE_LAST_TIME)
            for reason in changes:
                typer.echo(f"  {reason[:1].upper()}{reason[1:]}.")
        keyboard = open_keyboard()
        if keyboard is None and speed < REHEARSAL_WITHOUT_KEYBOARD:
            fail(messages.NO_KEYBOARD, 1)
        asking = sys.stdin.isatty()
        before = ask_pain(messages.PAIN_BEFORE_QUESTION) if asking else None

        library = load_library()
        timeline = build_timeline(chosen, library)
        player = Player(timeline, speed=speed)
        started = wall_now()
        if slot_id is None and (filled := slot_filled(engine, timeline, started)):
            slot_id, plan_date = filled  # a routine by name counts for the slot it fills
        zone = person_zone(engine)
        session_id = new_session_id()
        writer = session_writer(engine, session_id)
    with user_errors():  # a store error during or after the session: named, not a crash
        try:
            log = SessionLog(
                engine,
                timeline,
                session_id=session_id,
                title=chosen.display_title,
                speed=speed,
                started=started,
                zone=zone,
                player="terminal",
                slot=slot_id,
                plan_date=plan_date,
                recorder=writer,
            )
            save_pain(engine, log.id, "before", before, recorder=writer)
            try:
                run_terminal_session(
                    player,
                    log,
                    library=library,
                    title=chosen.display_title,
                    clock=monotonic,
                    wall=wall_now,
                    live=sys.stdout.isatty() and keyboard is not None and not plain,
                    keyboard=keyboard,
                    voice=voice,
                    saving=lambda: writer.status,
                    keep=lambda: writer.settle(SETTLE_WAIT_S),
                )
            finally:
                if keyboard is not None and keyboard != sys.stdin.fileno():
                    os.close(keyboard)
            after_session(engine, log.id, player.outcome, before, writer, asking=asking)
        finally:
            saved = finish_saving(writer)
        if saved:
            warn_all(catch_up_progress(engine))  # rehearsals are never counted
            sync_after_session(engine)


def after_session(
    engine: "Engine",
    session_id: str,
    outcome: str | None,
    before: int | None,
    recorder: "SessionWriter",
    *,
    asking: bool,
) -> None:
    """The steps after a session: a pain stop's follow-up, the rating after, a rise in
    pain. The session and its follow-up are kept (in the store or the journal) before
    the next question, so Ctrl-C or a kill there cannot lose them."""
    from easeback.core.screening import followup_kind
    from easeback.usecases.aftercare import follow_up, save_pain

    if outcome == "pain_stop" and follow_up(engine, session_id, "pain_stop", recorder=recorder):
        typer.echo(messages.REPEATED_PAIN)
    recorder.settle(SETTLE_WAIT_S)  # the follow-up too, before the next question
    after = ask_pain(messages.PAIN_AFTER_QUESTION) if asking else None
    save_pain(engine, session_id, "after", after, recorder=recorder)
    if followup_kind(outcome, before, after) == "worsening":
        typer.echo(messages.WORSENED.format(rise=(after or 0) - (before or 0)))
        if follow_up(engine, session_id, "worsening", recorder=recorder):
            typer.echo(messages.REPEATED_PAIN)


def finish_saving(writer: "SessionWriter") -> bool:
    """Wait a little for saving to catch up, and say plainly what it could not do;
    True when everything of the session is in the store."""
    from easeback.usecases.recording import FINISH_WAIT_S

    status = writer.finish(FINISH_WAIT_S)
    while status.waiting and not status.kept:
        cause = messages.SAVING_CAUSES[status.fault or "io"]
        typer.echo(messages.NOT_KEPT.format(cause=cause), err=True)
        if not sys.stdin.isatty():
            raise typer.Exit(1)
        input()
        status = writer.finish(FINISH_WAIT_S)
    if status.waiting:
        cause = messages.SAVING_CAUSES[status.fault or "io"]
        typer.echo(
            "easeback: " + messages.SAVED_LATER.format(cause=cause, journal=status.journal),
            err=True,
        )
        return False
    return True


# How long the words after a session may wait for it to be kept on disk (milliseconds
# as a rule; longer only while the disk itself hangs).
SETTLE_WAIT_S = 2.0

# A session with no keyboard has no pain-stop key: only a fast rehearsal may run so.
REHEARSAL_WITHOUT_KEYBOARD = 5


def ensure_allowed(engine: "Engine") -> None:
    """Start only when the safety rules allow; ask what is due when someone can answer.

    Leaves with exit code 1 (and the reason and next step) otherwise.
    """
    from easeback.cli.safety import run_check
    from easeback.store.safety import current_gate
    from easeback.usecases.clock import wall_now

    state = current_gate(engine, wall_now())
    if state.allows:
        return
    if state.kind == "due" and sys.stdin.isatty():
        state = run_check(engine, None)
        if state.allows:
            return
        raise typer.Exit(1)
    reason, next_step = messages.GATE[state.reason or "first"]
    fail(f"{reason} {next_step}", 1)


def ask_pain(question: str) -> int | None:
    """Pain 0-10 at the keyboard; Enter skips."""
    from easeback.usecases.diary_input import parse_score

    while True:
        answer = typer.prompt(
            f"{question} {messages.PAIN_SKIP_HINT}", default="", show_default=False
        ).strip()
        if not answer:
            return None
        value = parse_score(answer)
        if value is not None:
            return value
        typer.echo(messages.PAIN_BAD_VALUE)


@app.command()
def history(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON only.")] = False,
    limit: Annotated[
        int | None,
        typer.Option(min=1, help="Show only the newest N sessions and N safety records."),
    ] = None,
) -> None:
    """List past sessions and safety records (consent, questions, clearances,
    pain follow-ups), newest first.

    Example: easeback history --limit 10
    """
    from easeback.cli.output import print_history
    from easeback.store import open_store
    from easeback.store.safety import safety_records
    from easeback.store.sessions import list_sessions
    from easeback.usecases.clock import wall_now

    with user_errors():
        engine = open_store(db_option(ctx))
        rows = list_sessions(engine, limit, now=wall_now())
        records = safety_records(engine)[:limit]
    if as_json:
        payload = {
            "sessions": [r.to_json() for r in rows],
            "safety": [r.to_json() for r in records],
        }
        print_json(payload)
        return
    print_history(rows, records)
