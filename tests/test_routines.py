"""Routine files: the built-in routines, and a precise message for every mistake."""

from __future__ import annotations

import json
import textwrap
import tomllib
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from easeback.content.library import builtin_routine_text, load_library, load_routine

KNOWN = "knee-press, lower-back-rotation, pelvic-tilt, chair-twist"
ROUTINE_KEYS = "name, title, place, prepare_s, release_s, switch_s, rest_s, stretches"
DOSE_KEYS = "id, hold_s, reps, sides"


def doses(name: str) -> list[tuple[str, int, int]]:
    """(id, hold seconds, repetitions) for each stretch of a built-in routine."""
    routine = load_routine(name)
    library = load_library()
    out = []
    for dose in routine.stretches:
        stretch = library.get(dose.id)
        assert stretch is not None
        out.append((dose.id, dose.hold_s, dose.repetitions(stretch)))
    return out


# --- the built-in routines ---------------------------------------------------------


def test_default_routine_is_all_four_stretches_at_the_articles_starting_doses() -> None:
    assert doses("default") == [
        ("knee-press", 15, 1),
        ("lower-back-rotation", 10, 1),
        ("pelvic-tilt", 7, 5),
        ("chair-twist", 7, 2),
    ]


def test_no_routine_named_means_the_default_routine() -> None:
    assert load_routine(None) == load_routine("default")


def test_bed_routine_is_the_three_lying_down_stretches() -> None:
    assert doses("bed") == [
        ("knee-press", 15, 1),
        ("lower-back-rotation", 10, 1),
        ("pelvic-tilt", 7, 5),
    ]


def test_office_routine_holds_only_the_chair_twist_because_the_rest_is_done_lying_down() -> None:
    assert doses("office") == [("chair-twist", 7, 2)]


@pytest.mark.parametrize(
    ("name", "place"), [("default", "any"), ("bed", "lying"), ("office", "seated")]
)
def test_every_built_in_routine_holds_only_stretches_that_fit_where_it_is_done(
    name: str, place: str
) -> None:
    routine = load_routine(name)
    library = load_library()
    postures = {library.get(d.id).posture for d in routine.stretches}  # type: ignore[union-attr]

    assert routine.place == place
    assert place == "any" or postures == {place}


def test_a_seated_routine_with_a_stretch_done_lying_down_is_refused_at_its_line(
    cli, tmp_path: Path
) -> None:
    path = tmp_path / "desk.toml"
    path.write_text(
        'name = "desk"\nplace = "seated"\n\n[[stretches]]\nid = "chair-twist"\nhold_s = 7\n\n'
        '[[stretches]]\nid = "lower-back-rotation"\nhold_s = 10\n'
    )

    result = cli("routine", "check", str(path))

    assert result.exit_code == 2
    assert result.stderr == (
        f"easeback: {path}:9: stretches[1].id: lower-back-rotation is done lying down; a "
        "routine with place = 'seated' holds only stretches done sitting: chair-twist\n"
    )


def test_a_place_that_is_not_known_is_named_with_the_places_allowed(cli, tmp_path: Path) -> None:
    path = tmp_path / "desk.toml"
    path.write_text(
        'name = "desk"\nplace = "desk"\n\n[[stretches]]\nid = "chair-twist"\nhold_s = 7\n'
    )

    result = cli("routine", "check", str(path))

    assert result.exit_code == 2
    assert result.stderr == (
        f"easeback: {path}:2: place: must be one of 'any', 'lying' or 'seated' (got \"desk\")\n"
    )


@pytest.mark.parametrize(
    ("name", "summary"),
    [
        ("default", "All four stretches: OK. 4 stretches, 19 holds, 5:15 in all."),
        ("bed", "Morning and night, lying down: OK. 3 stretches, 15 holds, 4:08 in all."),
        ("office", "At your desk, seated: OK. 1 stretch, 4 holds, 0:57 in all."),
    ],
)
def test_built_in_routines_pass_the_check(cli, name: str, summary: str) -> None:
    result = cli("routine", "check", name)

    assert result.exit_code == 0
    assert result.stdout == summary + "\n"
    assert result.stderr == ""


# --- checking routine files ----------------------------------------------------------


@pytest.fixture
def check(cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """Write a routine file into a fresh folder and run ``easeback routine check`` on it."""
    monkeypatch.chdir(tmp_path)

    def run(file_name: str, text: str):  # type: ignore[no-untyped-def]
        (tmp_path / file_name).write_text(textwrap.dedent(text), encoding="utf-8")
        return cli("routine", "check", file_name)

    return run


def assert_refused(result: Any, lines: list[str]) -> None:
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.splitlines() == lines


BROKEN = [
    pytest.param(
        "syntax.toml",
        """\
        name = "mine"
        prepare_s =
        [[stretches]]
        id = "knee-press"
        hold_s = 15
        """,
        ["easeback: syntax.toml:2: not valid TOML: invalid value"],
        id="TOML syntax error",
    ),
    pytest.param(
        "unknown.toml",
        """\
        name = "mine"

        [[stretches]]
        id = "cat-cow"
        hold_s = 15
        """,
        [
            "easeback: unknown.toml:4: stretches[0].id: unknown stretch 'cat-cow'; "
            f"known stretches: {KNOWN}"
        ],
        id="unknown stretch",
    ),
    pytest.param(
        "long-hold.toml",
        """\
        name = "mine"

        [[stretches]]
        id = "knee-press"
        hold_s = 21
        """,
        [
            "easeback: long-hold.toml:5: stretches[0].hold_s: "
            "hold 21 s is above knee-press's 20 s (allowed 15-20 s)"
        ],
        id="hold above the range",
    ),
    pytest.param(
        "short-hold.toml",
        """\
        name = "mine"

        [[stretches]]
        id = "chair-twist"
        hold_s = 6
        reps = 2
        """,
        [
            "easeback: short-hold.toml:5: stretches[0].hold_s: "
            "hold 6 s is below chair-twist's 7 s (allowed 7-10 s)"
        ],
        id="hold below the range",
    ),
    pytest.param(
        "many-reps.toml",
        """\
        name = "mine"

        [[stretches]]
        id = "pelvic-tilt"
        hold_s = 7
        reps = 11
        """,
        [
            "easeback: many-reps.toml:6: stretches[0].reps: "
            "repetitions 11 is above pelvic-tilt's 10 (allowed 5-10)"
        ],
        id="reps above the range",
    ),
    pytest.param(
        "few-reps.toml",
        """\
        name = "mine"

        [[stretches]]
        id = "chair-twist"
        hold_s = 7
        reps = 1
        """,
        [
            "easeback: few-reps.toml:6: stretches[0].reps: "
            "repetitions 1 is below chair-twist's 2 (allowed 2-3)"
        ],
        id="reps below the range",
    ),
    pytest.param(
        "knee-twice.toml",
        """\
        name = "mine"

        [[stretches]]
        id = "knee-press"
        hold_s = 15
        reps = 2
        """,
        [
            "easeback: knee-twice.toml:6: stretches[0].reps: "
            "repetitions 2 is above knee-press's 1 (allowed 1)"
        ],
        id="knee press more than once",
    ),
    pytest.param(
        "text-hold.toml",
        """\
        name = "mine"

        [[stretches]]
        id = "knee-press"
        hold_s = "15"
        """,
        ['easeback: text-hold.toml:5: stretches[0].hold_s: must be a whole number (got "15")'],
        id="text for a number",
    ),
    pytest.param(
        "float-hold.toml",
        """\
        name = "mine"

        [[stretches]]
        id = "knee-press"
        hold_s = 15.5
        """,
        ["easeback: float-hold.toml:5: stretches[0].hold_s: must be a whole number (got 15.5)"],
        id="fraction for a number",
    ),
    pytest.param(
        "round-float.toml",
        """\
        name = "mine"

        [[stretches]]
        id = "knee-press"
        hold_s = 15.0
        """,
        ["easeback: round-float.toml:5: stretches[0].hold_s: must be a whole number (got 15.0)"],
        id="whole float for a number",
    ),
    pytest.param(
        "number-name.toml",
        """\
        name = 5

        [[stretches]]
        id = "knee-press"
        hold_s = 15
        """,
        ["easeback: number-name.toml:1: name: must be text in quotes (got 5)"],
        id="number for text",
    ),
    pytest.param(
        "empty.toml",
        """\
        name = "mine"
        stretches = []
        """,
        [
            "easeback: empty.toml:2: stretches: "
            "the routine has no stretches; add at least one [[stretches]] table"
        ],
        id="empty routine",
    ),
    pytest.param(
        "one-stretch.toml",
        """\
        name = "mine"
        stretches = "knee-press"
        """,
        ['easeback: one-stretch.toml:2: stretches: must be a list (got "knee-press")'],
        id="stretches not a list",
    ),
    pytest.param(
        "no-stretches.toml",
        """\
        name = "mine"
        rest_s = 5
        """,
        ["easeback: no-stretches.toml: stretches: this required key is missing"],
        id="missing stretches",
    ),
    pytest.param(
        "no-name.toml",
        """\
        rest_s = 5

        [[stretches]]
        id = "knee-press"
        hold_s = 15
        """,
        ["easeback: no-name.toml: name: this required key is missing"],
        id="missing name",
    ),
    pytest.param(
        "no-id.toml",
        """\
        name = "mine"

        [[stretches]]
        hold_s = 15
        """,
        ["easeback: no-id.toml:3: stretches[0].id: this required key is missing"],
        id="missing id points at its table",
    ),
    pytest.param(
        "no-hold.toml",
        """\
        name = "mine"

        [[stretches]]
        id = "knee-press"
        hold_s = 15

        [[stretches]]
        id = "pelvic-tilt"
        reps = 5
        """,
        ["easeback: no-hold.toml:7: stretches[1].hold_s: this required key is missing"],
        id="missing hold points at its table",
    ),
    pytest.param(
        "twice.toml",
        """\
        name = "mine"

        [[stretches]]
        id = "knee-press"
        hold_s = 15

        [[stretches]]
        id = "knee-press"
        hold_s = 20
        """,
        [
            "easeback: twice.toml:8: stretches[1].id: stretch 'knee-press' is listed twice; "
            "list each stretch once and set its reps instead"
        ],
        id="duplicate stretch",
    ),
    pytest.param(
        "top-key.toml",
        """\
        name = "mine"
        pause_s = 3

        [[stretches]]
        id = "knee-press"
        hold_s = 15
        """,
        [f"easeback: top-key.toml:2: pause_s: unknown key 'pause_s'; allowed keys: {ROUTINE_KEYS}"],
        id="unknown key at top level",
    ),
    pytest.param(
        "dose-key.toml",
        """\
        name = "mine"

        [[stretches]]
        id = "knee-press"
        hold_s = 15
        hold = 20
        """,
        [
            "easeback: dose-key.toml:6: stretches[0].hold: "
            f"unknown key 'hold'; allowed keys: {DOSE_KEYS}"
        ],
        id="unknown key inside a stretches table",
    ),
    pytest.param(
        "long-rest.toml",
        """\
        name = "mine"
        rest_s = 121

        [[stretches]]
        id = "knee-press"
        hold_s = 15
        """,
        [
            "easeback: long-rest.toml:2: rest_s: "
            "121 s is above the most allowed, 120 s (allowed 0-120 s)"
        ],
        id="rest above 120 s",
    ),
    pytest.param(
        "negative-rest.toml",
        """\
        name = "mine"
        rest_s = -1

        [[stretches]]
        id = "knee-press"
        hold_s = 15
        """,
        [
            "easeback: negative-rest.toml:2: rest_s: "
            "-1 s is below the least allowed, 0 s (allowed 0-120 s)"
        ],
        id="rest below 0 s",
    ),
    pytest.param(
        "short-prepare.toml",
        """\
        name = "mine"
        prepare_s = 2

        [[stretches]]
        id = "knee-press"
        hold_s = 15
        """,
        [
            "easeback: short-prepare.toml:2: prepare_s: "
            "2 s is below the least allowed, 3 s (allowed 3-60 s)"
        ],
        id="prepare below 3 s",
    ),
    pytest.param(
        "blank-name.toml",
        """\
        name = ""

        [[stretches]]
        id = "knee-press"
        hold_s = 15
        """,
        ["easeback: blank-name.toml:1: name: must not be empty"],
        id="blank name",
    ),
]


@pytest.mark.parametrize(("file_name", "text", "lines"), BROKEN)
def test_broken_routine_is_refused_with_file_line_field_and_reason(
    check, file_name: str, text: str, lines: list[str]
) -> None:
    assert_refused(check(file_name, text), lines)


def test_routine_file_that_does_not_exist_is_refused(cli, tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)

    result = cli("routine", "check", "missing.toml")

    assert_refused(
        result,
        [
            "easeback: missing.toml: no such routine file; give a path to a .toml file "
            "or one of the built-in routines: default, bed, office"
        ],
    )


def test_routine_file_that_is_not_utf8_is_refused(cli, tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "latin1.toml").write_bytes('name = "café"\n'.encode("latin-1"))

    result = cli("routine", "check", "latin1.toml")

    assert_refused(result, ["easeback: latin1.toml: cannot read the file: it is not UTF-8 text"])


def test_every_problem_in_a_file_is_listed_at_once_in_line_order(check) -> None:
    result = check(
        "many.toml",
        """\
        name = ""
        rest_s = 200
        colour = "blue"

        [[stretches]]
        id = "knee-press"
        hold_s = 30

        [[stretches]]
        id = "yoga"
        hold_s = 5

        [[stretches]]
        id = "pelvic-tilt"
        hold_s = 7
        reps = 3
        """,
    )

    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.splitlines() == (
        [
            "easeback: many.toml:1: name: must not be empty",
            "easeback: many.toml:2: rest_s: "
            "200 s is above the most allowed, 120 s (allowed 0-120 s)",
            f"easeback: many.toml:3: colour: unknown key 'colour'; allowed keys: {ROUTINE_KEYS}",
            "easeback: many.toml:7: stretches[0].hold_s: "
            "hold 30 s is above knee-press's 20 s (allowed 15-20 s)",
            "easeback: many.toml:10: stretches[1].id: unknown stretch 'yoga'; "
            f"known stretches: {KNOWN}",
            "easeback: many.toml:16: stretches[2].reps: "
            "repetitions 3 is below pelvic-tilt's 5 (allowed 5-10)",
        ]
    )


def test_valid_custom_routine_passes_with_its_summary(check) -> None:
    result = check(
        "mine.toml",
        """\
        # Pelvic tilts first, then the knee press at its longest hold, no rest between.
        name = "mine"
        title = "My morning"
        rest_s = 0

        [[stretches]]
        id = "pelvic-tilt"
        hold_s = 7
        reps = 6

        [[stretches]]
        id = "knee-press"
        hold_s = 20
        """,
    )

    assert result.exit_code == 0
    assert result.stderr == ""
    assert result.stdout == "My morning: OK. 2 stretches, 15 holds, 3:46 in all.\n"


def test_routine_without_a_title_is_summarised_by_its_name(check) -> None:
    result = check(
        "short.toml",
        """\
        name = "quick"

        [[stretches]]
        id = "lower-back-rotation"
        hold_s = 10

        [[stretches]]
        id = "chair-twist"
        hold_s = 10
        reps = 3
        """,
    )

    assert result.exit_code == 0
    assert result.stdout == "quick: OK. 2 stretches, 8 holds, 2:28 in all.\n"


def test_summary_of_a_one_stretch_routine_says_stretch_in_the_singular(check) -> None:
    result = check(
        "single.toml",
        """\
        name = "single"

        [[stretches]]
        id = "lower-back-rotation"
        hold_s = 10
        """,
    )

    assert result.exit_code == 0
    assert result.stdout == "single: OK. 1 stretch, 2 holds, 0:39 in all.\n"


# --- the published JSON Schema -------------------------------------------------------


def routine_schema(cli) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    result = cli("routine", "schema")
    assert result.exit_code == 0
    assert result.stderr == ""
    schema: dict[str, Any] = json.loads(result.stdout)
    return schema


def test_schema_is_json_listing_the_four_stretch_ids(cli) -> None:
    schema = routine_schema(cli)

    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["required"] == ["name", "stretches"]
    assert schema["$defs"]["Dose"]["properties"]["id"]["enum"] == [
        "knee-press",
        "lower-back-rotation",
        "pelvic-tilt",
        "chair-twist",
    ]


def test_schema_bounds_each_stretchs_hold_and_reps_as_the_library_does(cli) -> None:
    schema = routine_schema(cli)

    bounds = {
        rule["if"]["properties"]["id"]["const"]: rule["then"]["properties"]
        for rule in schema["$defs"]["Dose"]["allOf"]
    }
    expected = {
        s.id: {
            "hold_s": {"minimum": s.hold_s.min, "maximum": s.hold_s.max},
            "reps": {"minimum": s.reps.min, "maximum": s.reps.max},
        }
        for s in load_library().stretches
    }
    assert bounds == expected


@pytest.mark.parametrize(
    ("key", "low", "high"),
    [("prepare_s", 3, 60), ("release_s", 2, 30), ("switch_s", 2, 30), ("rest_s", 0, 120)],
)
def test_schema_bounds_the_pauses(cli, key: str, low: int, high: int) -> None:
    prop = routine_schema(cli)["properties"][key]

    assert (prop["type"], prop["minimum"], prop["maximum"]) == ("integer", low, high)


@pytest.mark.parametrize("name", ["default", "bed", "office"])
def test_built_in_routines_validate_against_the_schema(cli, name: str) -> None:
    schema = routine_schema(cli)

    jsonschema.validate(tomllib.loads(builtin_routine_text(name)), schema)


def test_schema_rejects_a_hold_outside_the_stretchs_range(cli) -> None:
    schema = routine_schema(cli)
    routine = {"name": "mine", "stretches": [{"id": "knee-press", "hold_s": 21}]}

    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(routine, schema)


# --- routine show --------------------------------------------------------------------


def test_routine_show_prints_a_file_that_routine_check_accepts(cli, tmp_path) -> None:
    shown = cli("routine", "show", "bed")
    assert shown.exit_code == 0
    path = tmp_path / "my-routine.toml"
    path.write_text(shown.stdout, encoding="utf-8")

    checked = cli("routine", "check", str(path))

    assert checked.exit_code == 0
    assert checked.stdout == (
        "Morning and night, lying down: OK. 3 stretches, 15 holds, 4:08 in all.\n"
    )


def test_routine_show_without_a_name_prints_the_default_routine(cli) -> None:
    result = cli("routine", "show")

    assert result.exit_code == 0
    assert tomllib.loads(result.stdout)["name"] == "default"


def test_routine_show_of_an_unknown_name_is_refused(cli) -> None:
    result = cli("routine", "show", "nope")

    assert_refused(
        result, ["easeback: no built-in routine 'nope'; choose one of: default, bed, office"]
    )
