"""The ``easeback`` program's entry point.

``easeback today --json`` is what scripts, status bars and widgets call again and
again, so it is answered here without loading the command-line framework (Typer,
which itself loads pydantic): the same function the ``today`` command calls, the same
output. Any other command, or any problem on the way, goes to the full CLI, which
also gives every error its usual message.
"""

from __future__ import annotations

import os
import sys


def main() -> None:
    # Pydantic looks through every installed package for plugins the first time a
    # model is built; easeback uses none, and the search costs each start-up.
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    if quick_today(sys.argv[1:]):
        return
    from easeback.cli import main as cli_main

    cli_main()


def quick_today(args: list[str]) -> bool:
    """Answer ``[--db PATH] today --json``; False (nothing printed) for anything else."""
    db: str | None = None
    if len(args) == 4 and args[0] == "--db":
        db, args = args[1], args[2:]
    elif len(args) == 3 and args[0].startswith("--db="):
        db, args = args[0].removeprefix("--db="), args[1:]
    if args != ["today", "--json"] or db == "":
        return False
    try:
        import json

        from easeback.usecases.today import person_today

        text = json.dumps(person_today(db), indent=2)
    except Exception:  # the full CLI says what is wrong, as for every command
        return False
    sys.stdout.write(text + "\n")
    return True
