"""The ``easeback`` command. Each command parses, calls one core or store function,
and renders; see cli/app.py for the error rules.

Start-up is measured here (``make bench``: ``easeback --help`` against ``import
typer``), so the command modules import what a command needs when it runs, and they
leave out ``from __future__ import annotations``: Typer reads every option's
annotation to build the help, and a string annotation costs an ``eval`` each time.
Names imported only for type checking are quoted instead.
"""

from __future__ import annotations

import os
import sys

from easeback.cli import (  # noqa: F401 - registers commands
    audio,
    diary,
    library,
    plan,
    prescription,
    safety,
    serve,
    server,
    session,
    share,
    sync,
)
from easeback.cli.app import app

__all__ = ["app", "main"]


def main() -> None:
    """Run the CLI (see easeback/entry.py for the program's entry point); an
    unexpected error is one line, never a traceback."""
    try:
        app()
    except Exception as exc:  # the last guard; known errors are handled in commands
        if os.environ.get("EASEBACK_DEBUG"):
            raise
        detail = (str(exc).splitlines() or [""])[0][:200]
        print(
            f"easeback: something unexpected went wrong ({type(exc).__name__}: {detail}). "
            "Your saved data is safe. Set EASEBACK_DEBUG=1 to see details, and please "
            "report it.",
            file=sys.stderr,
        )
        sys.exit(70)
