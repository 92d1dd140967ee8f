"""Commands about content: stretches, routines, timelines."""

from typing import Annotated

import typer

from easeback.cli.app import app, print_json, routine_app, user_errors

ROUTINE_HELP = "A built-in routine (default, bed, office) or a path to a routine .toml file."


@app.command()
def stretches(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON only.")] = False,
) -> None:
    """List the stretches with their holds, sides, repetitions and times of day.

    Example: easeback stretches --json
    """
    from easeback.content.library import load_library

    library = load_library()
    if as_json:
        print_json([s.model_dump(mode="json") for s in library.stretches])
        return
    from easeback.cli.output import print_stretches

    print_stretches(library)


@app.command()
def timeline(
    routine: Annotated[str | None, typer.Argument(help=ROUTINE_HELP, show_default=False)] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON only.")] = False,
) -> None:
    """Show a routine laid out in time, phase by phase.

    Example: easeback timeline bed --json
    """
    from easeback.content.library import load_library, load_routine
    from easeback.core.timeline import build_timeline

    with user_errors():
        chosen = load_routine(routine)
    result = build_timeline(chosen, load_library())
    if as_json:
        print_json(result.to_json())
        return
    from easeback.cli.output import print_timeline

    print_timeline(result, chosen.display_title, load_library())


@routine_app.command("check")
def routine_check(
    file: Annotated[str, typer.Argument(help="The routine .toml file to check.")],
) -> None:
    """Check a routine file and list every problem with its line and field.

    Example: easeback routine check my-routine.toml
    """
    from easeback.cli.output import routine_summary
    from easeback.content.library import load_library, load_routine
    from easeback.core.timeline import build_timeline

    with user_errors():
        chosen = load_routine(file)
    typer.echo(routine_summary(chosen, build_timeline(chosen, load_library())))


@routine_app.command("schema")
def routine_schema() -> None:
    """Print the JSON Schema that routine files follow (for editors and validators).

    Example: easeback routine schema > routine.schema.json
    """
    from easeback.content.library import routine_json_schema

    print_json(routine_json_schema())


@routine_app.command("show")
def routine_show(
    name: Annotated[str, typer.Argument(help="default, bed or office.")] = "default",
) -> None:
    """Print a built-in routine as TOML, a starting point for your own.

    Example: easeback routine show bed > my-routine.toml
    """
    from easeback.content.library import BUILTIN_ROUTINES, builtin_routine_text

    if name not in BUILTIN_ROUTINES:
        from easeback.cli.app import fail

        fail(f"no built-in routine {name!r}; choose one of: {', '.join(BUILTIN_ROUTINES)}")
    typer.echo(builtin_routine_text(name), nl=False)
