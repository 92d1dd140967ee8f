"""Loading the stretch library and routines, with errors a person can act on.

Every problem in a routine file becomes one ``Problem`` naming the file, the line
(where it can be found), the field path, what was wrong and what is allowed, so that
``easeback routine check`` can list them all at once instead of one per run.
"""

from __future__ import annotations

import json
import os
import re
import tomllib
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from easeback.content.files import FileProblem, read_text, shown
from easeback.content.models import Dose, Library, Routine
from easeback.core.errors import Problem, RoutineError

BUILTIN_ROUTINES = ("default", "bed", "office")


@cache
def load_library() -> Library:
    """The shipped stretch library, validated once per process."""
    text = resources.files("easeback.content").joinpath("stretches.toml").read_text("utf-8")
    return Library.model_validate(tomllib.loads(text))


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


_TOML_AT = re.compile(r"\s*\(at line (\d+), column \d+\)$")


def parse_routine(text: str, file: str) -> Routine:
    """Validate a routine's TOML text against the library; raise RoutineError."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        match = _TOML_AT.search(message)
        line = int(match.group(1)) if match else None
        if line is None and message.endswith("(at end of document)"):
            line = max(1, len(text.splitlines()))
        message = _TOML_AT.sub("", message).replace(" (at end of document)", "")
        raise RoutineError(
            [Problem(file, line, "", f"not valid TOML: {message[:1].lower()}{message[1:]}")]
        ) from exc
    try:
        return Routine.model_validate(data, context={"library": load_library()})
    except ValidationError as exc:
        problems = [_problem(file, text, err) for err in exc.errors()]
        problems.sort(key=lambda p: (p.line is None, p.line or 0))
        raise RoutineError(problems) from exc


def _problem(file: str, text: str, err: Any) -> Problem:
    loc: tuple[int | str, ...] = tuple(err["loc"])
    kind = err["type"]
    message = err["msg"]
    got = _as_toml(err.get("input"))
    if kind == "extra_forbidden":
        allowed = _allowed_keys(loc[:-1])
        message = f"unknown key '{loc[-1]}'; allowed keys: {', '.join(allowed)}"
    elif kind == "missing":
        message = "this required key is missing"
    elif kind == "too_short" and loc == ("stretches",):
        message = "the routine has no stretches; add at least one [[stretches]] table"
    elif kind in ("duplicate_stretch", "wrong_place"):
        loc = ("stretches", int(err["ctx"]["index"]), "id")
    elif kind in _TYPE_WORDS:
        message = f"must be {_TYPE_WORDS[kind]} (got {got})"
    elif kind in {"greater_than_equal", "less_than_equal"}:
        message = _bounds_message(str(loc[-1]), err["input"], kind)
    elif kind == "literal_error":
        message = f"must be one of {err['ctx']['expected']} (got {got})"
    elif kind == "string_too_short":
        message = "must not be empty"
    elif kind == "string_too_long":
        limit = err["ctx"]["max_length"]
        message = f"is longer than the {limit} characters allowed"
    return Problem(file, _locate(text, loc), _dotted(loc), message)


def _as_toml(value: object) -> str:
    """A value as it would be written in TOML: "15", true, 1.5."""
    try:
        return json.dumps(value)
    except (TypeError, ValueError):
        return repr(value)


def _bounds_message(field: str, value: object, kind: str) -> str:
    info = Routine.model_fields.get(field)
    lo = next((m.ge for m in info.metadata if hasattr(m, "ge")), None) if info else None
    hi = next((m.le for m in info.metadata if hasattr(m, "le")), None) if info else None
    unit = " s" if field.endswith("_s") else ""
    if kind == "less_than_equal":
        edge = f"above the most allowed, {hi}{unit}"
    else:
        edge = f"below the least allowed, {lo}{unit}"
    return f"{_as_toml(value)}{unit} is {edge} (allowed {lo}-{hi}{unit})"


def _allowed_keys(parent: tuple[int | str, ...]) -> list[str]:
    model = Dose if parent and parent[0] == "stretches" else Routine
    return list(model.model_fields)


def _dotted(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


_TYPE_WORDS = {
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "int_from_float": "a whole number",
    "string_type": "text in quotes",
    "list_type": "a list",
    "model_type": "a table",
    "dict_type": "a table",
    "bool_type": "true or false",
}

_HEADER = re.compile(r"^\s*\[\[\s*([A-Za-z0-9_-]+)\s*\]\]")
_TABLE = re.compile(r"^\s*\[")


def _locate(text: str, loc: tuple[int | str, ...]) -> int | None:
    """The line number of a field in a routine file, or None when it is not written.

    Routines are flat: top-level keys and one array of ``[[stretches]]`` tables, so a
    scan of headers and ``key =`` lines is enough; a missing key points at its table.
    """
    lines = text.splitlines()
    if not loc:
        return None
    if loc[0] == "stretches" and len(loc) >= 2 and isinstance(loc[1], int):
        count = -1
        start = None
        for no, line in enumerate(lines, 1):
            header = _HEADER.match(line)
            if header and header.group(1) == "stretches":
                count += 1
                if count == loc[1]:
                    start = no
                    break
        if start is None:
            return None
        if len(loc) == 2:
            return start
        key = re.compile(rf"^\s*{re.escape(str(loc[2]))}\s*=")
        for no in range(start, len(lines)):
            if _TABLE.match(lines[no]):
                break
            if key.match(lines[no]):
                return no + 1
        return start
    key = re.compile(rf"^\s*{re.escape(str(loc[0]))}\s*=")
    for no, line in enumerate(lines, 1):
        if _TABLE.match(line):
            break
        if key.match(line):
            return no
    return None


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
