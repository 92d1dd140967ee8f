"""Commands about sessions: consent, start, history."""

from __future__ import annotations

import json
import signal
import sys
from types import FrameType
from typing import Annotated

import typer

from easeback import messages
from easeback.cli.app import app, db_option, fail, is_interactive, user_errors


@app.command()
def consent(
    ctx: typer.Context,
    yes: Annotated[
        bool, typer.Option("--yes", help="Confirm without asking (for scripts).")
    ] = False,
) -> None:
    """Confirm you have checked with a clinician before your first session.

    Example: easeback consent
    """
    from easeback.clock import local_zone, wall_now
    from easeback.store import open_store
    from easeback.store.consents import record_consent

    typer.echo(messages.CONSENT_TEXT)
    if not yes:
        if not sys.stdin.isatty():
            fail("no answer: run 'easeback consent' in a terminal, or add --yes", 2)
        if not typer.confirm(messages.CONSENT_QUESTION, default=False):
            typer.echo(messages.CONSENT_DECLINED)
            raise typer.Exit(1)
    with user_errors():
        engine = open_store(db_option(ctx))
    now = wall_now()
    record_consent(engine, wording=messages.CONSENT_WORDING_VERSION, given=now, zone=local_zone())
    typer.echo(messages.CONSENT_RECORDED.format(when=now.strftime("%d %b %Y")))


@app.command()
def start(
    ctx: typer.Context,
    routine: Annotated[
        str | None,
        typer.Argument(
            help="A built-in routine (default, bed, office) or a routine .toml file.",
            show_default=False,
        ),
    ] = None,
    speed: Annotated[
        float,
        typer.Option(
            min=0.5, max=500, help="Play N times faster, to rehearse; saved as a rehearsal."
        ),
    ] = 1.0,
    voice: Annotated[
        bool, typer.Option("--voice", help="Speak each cue aloud (needs espeak-ng).")
    ] = False,
    plain: Annotated[
        bool,
        typer.Option("--plain", help="One line per phase instead of a full screen."),
    ] = False,
) -> None:
    """Play a routine in the terminal, guided second by second.

    Keys: space pause/resume, n skip, q quit, p or Escape: pain, stop now.

    Example: easeback start bed --voice
    """
    from easeback.clock import local_zone, monotonic, wall_now
    from easeback.content.library import load_library, load_routine
    from easeback.core.player import Player
    from easeback.core.timeline import build_timeline
    from easeback.store import open_store
    from easeback.store.consents import latest_consent, record_consent
    from easeback.store.sessions import SessionLog
    from easeback.terminal.run import run_terminal_session

    with user_errors():
        chosen = load_routine(routine)
        engine = open_store(db_option(ctx))
    if latest_consent(engine) is None:
        if not is_interactive():
            fail(messages.CONSENT_MISSING, 1)
        typer.echo(messages.CONSENT_TEXT)
        if not typer.confirm(messages.CONSENT_QUESTION, default=False):
            typer.echo(messages.CONSENT_DECLINED)
            raise typer.Exit(1)
        record_consent(
            engine, wording=messages.CONSENT_WORDING_VERSION, given=wall_now(), zone=local_zone()
        )

    library = load_library()
    timeline = build_timeline(chosen, library)
    player = Player(timeline, speed=speed)
    log = SessionLog(
        engine,
        timeline,
        title=chosen.display_title,
        speed=speed,
        started=wall_now(),
        zone=local_zone(),
        player="terminal",
    )
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGHUP)}

    def _interrupt(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    for sig in previous:
        signal.signal(sig, _interrupt)
    try:
        run_terminal_session(
            player,
            log,
            library=library,
            title=chosen.display_title,
            clock=monotonic,
            wall=wall_now,
            live=is_interactive() and not plain,
            keys_from_terminal=sys.stdin.isatty(),
            voice=voice,
        )
    finally:
        log.close()
        for sig, handler in previous.items():
            signal.signal(sig, handler)


@app.command()
def history(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON only.")] = False,
    limit: Annotated[
        int | None, typer.Option(min=1, help="Show only the newest N sessions.")
    ] = None,
) -> None:
    """List past sessions, newest first, with how each one ended.

    Example: easeback history --limit 10
    """
    from easeback.cli.output import print_history
    from easeback.store import open_store
    from easeback.store.sessions import list_sessions

    with user_errors():
        engine = open_store(db_option(ctx))
    rows = list_sessions(engine, limit)
    if as_json:
        typer.echo(json.dumps([r.to_json() for r in rows], indent=2))
        return
    print_history(rows)
