"""Loading the stretch library and routines, with errors a person can act on.

Every problem in a routine file becomes one ``Problem`` naming the file, the line
(where it can be found), the field path, what was wrong and what is allowed, so that
``easeback routine check`` can list them all at once instead of one per run.
"""

from __future__ import annotations

import os
import tomllib
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from easeback.content.files import FileProblem, read_text, shown
from easeback.content.models import Library, Routine
from easeback.content.toml_problems import load_toml, problems_of
from easeback.core.errors import Problem, RoutineError

if TYPE_CHECKING:  # the pictures' models load only when a picture is drawn (start-up)
    from easeback.content.poses import Pictures

BUILTIN_ROUTINES = ("default", "bed", "office")


@cache
def load_library() -> Library:
    """The shipped stretch library, validated once per process."""
    text = resources.files("easeback.content").joinpath("stretches.toml").read_text("utf-8")
    return Library.model_validate(tomllib.loads(text))


@cache
def load_pictures() -> Pictures:
    """The shipped pictures, validated once per process, with one for every step of
    every stretch of the library (a missing one is an error, not a blank)."""
    from easeback.content.poses import Pictures

    text = resources.files("easeback.content").joinpath("poses.toml").read_text("utf-8")
    pictures = Pictures.model_validate(tomllib.loads(text))
    problems = pictures_missing(load_library(), pictures)
    if problems:
        raise ValueError("poses.toml: " + "; ".join(problems))
    return pictures


def pictures_missing(library: Library, pictures: Pictures) -> list[str]:
    """What the library has that the pictures lack: a stretch, or a step of one."""
    drawn = {p.stretch: {s.key for s in p.steps} for p in pictures.pictures}
    problems = []
    for stretch in library.stretches:
        if stretch.id not in drawn:
            problems.append(f"no pictures for {stretch.id}")
            continue
        problems += [
            f"no pictures for {stretch.id}'s step {key!r}"
            for key in stretch.step_keys
            if key not in drawn[stretch.id]
        ]
    return problems


def builtin_routine_text(name: str) -> str:
    return (
        resources.files("easeback.content").joinpath("routines", f"{name}.toml").read_text("utf-8")
    )


def load_routine(ref: str | None = None) -> Routine:
    """A built-in routine by name ('default' when None) or a routine file by path."""
    ref = ref or "default"
    if ref in BUILTIN_ROUTINES:
        return parse_routine(builtin_routine_text(ref), f"<{ref}>")
    try:
        text = read_text(Path(ref).expanduser(), limit=ROUTINE_LIMIT)
    except FileProblem as exc:
        if not os.path.lexists(ref) and not str(exc).startswith("the name is too long"):
            message = (
                "no such routine file; give a path to a .toml file or one of "
                f"the built-in routines: {', '.join(BUILTIN_ROUTINES)}"
            )
        else:
            message = f"cannot read the file: {exc}"
        raise RoutineError([Problem(shown(ref), None, "", message)]) from None
    return parse_routine(text, shown(ref))


# A routine of every stretch with comments fits in 2 KB; a file far larger is not one.
ROUTINE_LIMIT = 64 * 1024


def parse_routine(text: str, file: str) -> Routine:
    """Validate a routine's TOML text against the library; raise RoutineError."""
    data = load_toml(text, file)
    try:
        return Routine.model_validate(data, context={"library": load_library()})
    except ValidationError as exc:
        raise RoutineError(problems_of(exc, file, text, Routine)) from exc


def routine_json_schema() -> dict[str, Any]:
    """The JSON Schema for routine files, with each stretch's allowed doses spelled out."""
    schema = Routine.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://easeback.invalid/schema/routine-1.json"
    library = load_library()
    dose = schema["$defs"]["Dose"]
    dose["properties"]["id"]["enum"] = library.ids
    dose["allOf"] = [
        {
            "if": {"properties": {"id": {"const": s.id}}},
            "then": {
                "properties": {
                    "hold_s": {"minimum": s.hold_s.min, "maximum": s.hold_s.max},
                    "reps": {"minimum": s.reps.min, "maximum": s.reps.max},
                }
            },
        }
        for s in library.stretches
    ]
    return schema
