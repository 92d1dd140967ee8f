"""Turning a TOML file's problems into ``Problem``s a person can act on.

Shared by routine files and prescriptions: every problem names the file, the line
(where it can be found), the field path, what was wrong and what is allowed, so that a
command can list them all at once instead of one per run.
"""

from __future__ import annotations

import json
import re
import tomllib
import types
import typing
from typing import Any

from pydantic import BaseModel, ValidationError

from easeback.core.errors import Problem, RoutineError

_TOML_AT = re.compile(r"\s*\(at line (\d+), column \d+\)$")


def load_toml(text: str, file: str) -> dict[str, Any]:
    """The TOML text as data; RoutineError with the line when it is not TOML."""
    try:
        return tomllib.loads(text)
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


def problems_of(exc: ValidationError, file: str, text: str, root: type[BaseModel]) -> list[Problem]:
    """Every error of a validation, in the order of the file's lines."""
    problems = [problem(file, text, err, root) for err in exc.errors()]
    problems.sort(key=lambda p: (p.line is None, p.line or 0))
    return problems


def problem(file: str, text: str, err: Any, root: type[BaseModel]) -> Problem:
    loc: tuple[int | str, ...] = tuple(err["loc"])
    kind = err["type"]
    message = err["msg"]
    got = _as_toml(err.get("input"))
    context = err.get("ctx") or {}
    if kind == "extra_forbidden":
        model = model_at(root, loc[:-1])
        allowed = list(model.model_fields) if model else []
        message = f"unknown key '{loc[-1]}'; allowed keys: {', '.join(allowed)}"
    elif kind == "missing":
        message = "this required key is missing"
    elif kind == "too_short" and loc == ("stretches",):
        what = "routine" if root.__name__ == "Routine" else root.__name__.lower()
        message = f"the {what} has no stretches; add at least one [[stretches]] table"
    elif "index" in context:
        # A rule about one entry of a list (a stretch twice, in the wrong place...).
        # A rule about one entry of a list (a stretch twice, in the wrong place...): the
        # context names the list (below the model that raised it), the entry and field.
        names = tuple(str(context.get("list", "stretches")).split("."))
        base = loc if loc[-len(names) :] == names else (*loc, *names)
        loc = (*base, int(context["index"]), *str(context.get("field", "id")).split("."))
    elif "field" in context:
        # A rule about one field of a table (a ceiling below the start...).
        loc = (*loc, *str(context["field"]).split("."))
    elif kind in _TYPE_WORDS:
        message = f"must be {_TYPE_WORDS[kind]} (got {got})"
    elif kind in {"greater_than_equal", "less_than_equal"}:
        message = _bounds_message(root, loc, err["input"], kind)
    elif kind == "literal_error":
        message = f"must be one of {context['expected']} (got {got})"
    elif kind == "string_too_short":
        message = "must not be empty"
    elif kind == "string_too_long":
        message = f"is longer than the {context['max_length']} characters allowed"
    return Problem(file, locate(text, loc), dotted(loc), message)


def model_at(root: type[BaseModel], loc: tuple[int | str, ...]) -> type[BaseModel] | None:
    """The model that holds the field at ``loc`` (list indexes skipped)."""
    model: type[BaseModel] | None = root
    for part in loc:
        if isinstance(part, int) or model is None:
            continue
        info = model.model_fields.get(part)
        model = _inner_model(info.annotation) if info else None
    return model


def _inner_model(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if typing.get_origin(annotation) in (list, typing.Union, types.UnionType):
        for arg in typing.get_args(annotation):
            found = _inner_model(arg)
            if found is not None:
                return found
    return None


def _as_toml(value: object) -> str:
    """A value as it would be written in TOML: "15", true, 1.5."""
    try:
        return json.dumps(value)
    except (TypeError, ValueError):
        return repr(value)


def _bounds_message(
    root: type[BaseModel], loc: tuple[int | str, ...], value: object, kind: str
) -> str:
    model = model_at(root, loc[:-1])
    info = model.model_fields.get(str(loc[-1])) if model else None
    lo = next((m.ge for m in info.metadata if hasattr(m, "ge")), None) if info else None
    hi = next((m.le for m in info.metadata if hasattr(m, "le")), None) if info else None
    unit = " s" if str(loc[-1]).endswith("_s") else ""
    if kind == "less_than_equal":
        edge = f"above the most allowed, {hi}{unit}"
    else:
        edge = f"below the least allowed, {lo}{unit}"
    allowed = f"{lo}-{hi}" if lo is not None and hi is not None else (lo if hi is None else hi)
    return f"{_as_toml(value)}{unit} is {edge} (allowed {allowed}{unit})"


def dotted(loc: tuple[int | str, ...]) -> str:
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
    "date_type": "a date such as 2026-12-01 (no quotes)",
    "date_from_datetime_inexact": "a date such as 2026-12-01, without a time",
}

_HEADER = re.compile(r"^\s*(\[\[?)\s*([A-Za-z0-9_.\s-]+?)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(r"^\s*([A-Za-z0-9_-]+)\s*=")


def locate(text: str, loc: tuple[int | str, ...]) -> int | None:
    """The line of a field in a TOML file, or None when it is not written: the line of
    its key, else of the nearest enclosing table or inline table (a missing key points
    at its table). Tables and arrays of tables may nest (``[[flare_up.stretches]]``)."""
    if not loc:
        return None
    lines: dict[tuple[int | str, ...], int] = {}
    counts: dict[tuple[int | str, ...], int] = {}
    table: tuple[int | str, ...] = ()
    for no, line in enumerate(text.splitlines(), 1):
        header = _HEADER.match(line)
        if header:
            names = [n.strip() for n in header.group(2).split(".")]
            path: tuple[int | str, ...] = ()
            for index, name in enumerate(names):
                path = (*path, name)
                last = index == len(names) - 1
                if last and header.group(1) == "[[":
                    counts[path] = counts.get(path, -1) + 1
                    path = (*path, counts[path])
                elif not last and path in counts:
                    path = (*path, counts[path])
            table = path
            lines.setdefault(table, no)
            continue
        key = _KEY.match(line)
        if key:
            lines.setdefault((*table, key.group(1)), no)
    for end in range(len(loc), 0, -1):
        if loc[:end] in lines:
            return lines[loc[:end]]
    return None
