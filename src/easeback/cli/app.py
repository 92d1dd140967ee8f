"""The Typer application, its global options, and the one way errors reach a person.

Imports here stay light: ``easeback --help`` must not load the database or web
libraries, so commands import what they need when they run.
"""

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from easeback import __version__
from easeback.wording import messages

HELP = f"""Guide a gentle daily lower-back stretching routine and keep its diary.

{messages.NOT_ADVICE} Check with a clinician before your first session, and
stop at once if anything hurts (p or Escape during a session).

Examples:

  easeback today                # what is due today, and when

  easeback start                # play what is due now in the terminal

  easeback start bed --voice    # the lying-down routine, with spoken cues
"""

app = typer.Typer(
    help=HELP,
    rich_markup_mode=None,
    invoke_without_command=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
routine_app = typer.Typer(
    help="Check and describe routine files.\n\n"
    "Example:\n\n  easeback routine check my-routine.toml",
    rich_markup_mode=None,
    no_args_is_help=True,
)
app.add_typer(routine_app, name="routine")
log_app = typer.Typer(
    help="Write in your diary: pain 0-10 at any time, and notes.\n\n"
    "Example:\n\n  easeback log pain 4 --note 'stiff after the drive'",
    rich_markup_mode=None,
    no_args_is_help=True,
)
app.add_typer(log_app, name="log")
clinician_app = typer.Typer(
    help="For clinicians: make your signing key and the card you share with patients.\n\n"
    "Example:\n\n  easeback clinician init --name 'Ada Okafor' --role Physiotherapist "
    "--organisation 'Riverside Physio' --contact ada@riverside.example",
    rich_markup_mode=None,
    no_args_is_help=True,
)
app.add_typer(clinician_app, name="clinician")
prescription_app = typer.Typer(
    help="Follow a prescription from your clinician: import the signed file, see it, see "
    "every version, or go back to the article's plan.\n\n"
    "Example:\n\n  easeback prescription import rx.json",
    rich_markup_mode=None,
    no_args_is_help=True,
)
app.add_typer(prescription_app, name="prescription")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"easeback {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    ctx: typer.Context,
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            envvar="EASEBACK_DB",
            metavar="PATH|URL",
            help="Database file or SQLAlchemy URL (default: easeback.db in your data folder).",
            show_default=False,
        ),
    ] = None,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version."),
    ] = False,
) -> None:
    ctx.obj = {"db": db}
    _invoked["db"] = db
    if ctx.invoked_subcommand is None:
        typer.echo(ctx.get_help())
        raise typer.Exit(0)


# The --db of the command being run, for naming the store in an error message.
_invoked: dict[str, str | None] = {"db": None}


def db_option(ctx: typer.Context) -> str | None:
    obj = ctx.find_root().obj
    return obj.get("db") if isinstance(obj, dict) else None


def cannot_listen(host: str, port: int) -> str | None:
    """Why nothing can listen on ``host``:``port`` (in use, not ours...), or None when
    it is free: asked before a server starts, so the person reads one line instead of
    the server's traceback. A probe socket, set up as uvicorn sets its own."""
    import errno
    import socket

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    probe = socket.socket(family, socket.SOCK_STREAM)
    probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        probe.bind((host, port))
    except OSError as exc:
        return "it is already in use" if exc.errno == errno.EADDRINUSE else exc.strerror
    finally:
        probe.close()
    return None


def fail(message: str, code: int = 2) -> NoReturn:
    """Print one clear message to stderr and leave with ``code`` (2 bad input, 1 refusal).

    Control characters (from a file name, say) are written as escapes, so what a
    person typed can never move the cursor or recolour the terminal.
    """
    from easeback.content.files import shown

    text = "\n".join(shown(line) for line in message.split("\n"))
    typer.echo(f"easeback: {text}", err=True)
    raise typer.Exit(code)


def shown(value: object) -> str:
    """A path fit to print: control characters written as escapes (content/files.py,
    imported only when something is printed)."""
    from easeback.content.files import shown as escaped

    return escaped(value)


def write_reason(exc: Exception, target: Path) -> str:
    """Why a file could not be written, in words: a full disk or a read-only folder by
    name, else what the system said."""
    from easeback.content.files import reason_for
    from easeback.store.faults import Fault, diagnose

    fault = diagnose(exc, target)
    if fault is Fault.FULL:
        return "the disk is full; free some space or choose a file on another disk"
    if fault is Fault.READ_ONLY:
        return "the folder is read-only; choose a file in a folder you can write"
    return reason_for(exc) if isinstance(exc, OSError) else str(exc)


def writable_target(value: str, option: str, example: str = "") -> Path:
    """A file path we can write: not a folder or a device, in a folder that exists."""
    from easeback.content.files import reason_for, shown

    target = Path(value).expanduser()
    try:
        if target.is_dir():
            inside = f" such as {shown(target / example)}" if example else " inside it"
            fail(f"{option}: {shown(target)} is a folder; give a file name{inside}")
        if target.exists() and not target.is_file():
            fail(
                f"{option}: {shown(target)} is not a regular file (a device, a pipe or a "
                "socket); give the name of a file to write"
            )
        if not target.parent.is_dir():
            fail(f"{option}: the folder {shown(target.parent)} does not exist")
    except OSError as exc:
        fail(f"{option}: {shown(target)}: {reason_for(exc)}")
    return target


# The period options shared by progress and report.
FromOption = Annotated[
    str | None, typer.Option("--from", help="First day, YYYY-MM-DD (default 27 days ago).")
]
ToOption = Annotated[str | None, typer.Option("--to", help="Last day, YYYY-MM-DD (default today).")]


def print_json(data: object) -> None:
    """Print a read command's --json output (json is imported only when asked for:
    every command's start-up pays for what is imported at the top)."""
    import json

    typer.echo(json.dumps(data, indent=2))


def warn_all(problems: list[str]) -> None:
    """Print warnings that do not stop the command (e.g. a calendar file not updated)."""
    for problem in problems:
        typer.echo(f"easeback: {problem}", err=True)


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn the errors a person can cause into messages and exit codes, never tracebacks.

    Database errors are recognised without importing SQLAlchemy, so commands that
    never touch the store stay quick to start.
    """
    from easeback.core.errors import RoutineError, StoreError

    try:
        yield
    except RoutineError as exc:
        for problem in exc.problems:
            typer.echo(f"easeback: {problem}", err=True)
        raise typer.Exit(2) from None
    except StoreError as exc:
        fail(str(exc))
    except Exception as exc:
        sa_exc = sys.modules.get("sqlalchemy.exc")
        if sa_exc is not None and isinstance(exc, sa_exc.SQLAlchemyError):
            fail(_store_problem(exc))
        raise


def _store_problem(exc: Exception) -> str:
    """What went wrong with the store, by its real cause (see store/faults.py)."""
    from easeback.store.faults import explain
    from easeback.store.location import store_path

    problem = explain(exc, store_path(_invoked["db"]))
    if problem is not None:
        return str(problem)
    reason = getattr(exc, "orig", None) or exc
    return (
        f"the database could not be used: {str(reason).splitlines()[0]}. Nothing "
        "already saved is lost; try again, or check that no other program has the file open."
    )
