"""`easeback timeline`: a routine laid out in time, as JSON for players and a table for people."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from easeback.content.library import load_library, load_routine
from easeback.core.timeline import build_timeline

CUSTOM = textwrap.dedent(
    """\
    name = "desk"
    title = "Quick desk break"
    prepare_s = 5
    release_s = 3
    switch_s = 4
    rest_s = 0

    [[stretches]]
    id = "chair-twist"
    hold_s = 10
    reps = 3
    """
)


def expected_json(ref: str | None) -> dict[str, object]:
    return build_timeline(load_routine(ref), load_library()).to_json()


def test_timeline_json_without_a_routine_is_the_default_routine(cli) -> None:
    result = cli("timeline", "--json")

    assert result.exit_code == 0
    assert result.stderr == ""
    data = json.loads(result.stdout)
    assert data == expected_json("default")
    assert (data["routine"], data["total_ms"]) == ("default", 315_000)


def test_timeline_json_of_the_bed_routine(cli) -> None:
    result = cli("timeline", "bed", "--json")

    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data == expected_json("bed")
    assert data["routine"] == "bed"
    assert [p["stretch"] for p in data["phases"] if p["kind"] == "prepare"] == [
        "knee-press",
        "lower-back-rotation",
        "pelvic-tilt",
    ]


def test_timeline_json_of_a_routine_file(cli, tmp_path: Path) -> None:
    path = tmp_path / "some" / "file.toml"
    path.parent.mkdir()
    path.write_text(CUSTOM, encoding="utf-8")

    result = cli("timeline", str(path), "--json")

    assert result.exit_code == 0
    assert result.stderr == ""
    data = json.loads(result.stdout)
    assert data == expected_json(str(path))
    assert data["routine"] == "desk"
    # 5 s get ready, 6 holds of 10 s, 5 side switches of 4 s, a final 3 s relax.
    assert data["total_ms"] == (5 + 6 * 10 + 5 * 4 + 3) * 1000


def test_timeline_of_a_missing_file_is_refused_with_nothing_on_stdout(
    cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)

    result = cli("timeline", "missing.toml")

    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == (
        "easeback: missing.toml: no such routine file; give a path to a .toml file "
        "or one of the built-in routines: default, bed, office\n"
    )


def test_timeline_json_of_a_broken_file_is_refused_with_nothing_on_stdout(
    cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "bad.toml").write_text(CUSTOM.replace("hold_s = 10", "hold_s = 11"), "utf-8")

    result = cli("timeline", "bad.toml", "--json")

    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == (
        "easeback: bad.toml:10: stretches[0].hold_s: "
        "hold 11 s is above chair-twist's 10 s (allowed 7-10 s)\n"
    )


def test_timeline_table_shows_the_title_and_total_time(
    cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")

    result = cli("timeline")

    assert result.exit_code == 0
    assert result.stdout.splitlines()[0].strip() == "All four stretches: 5:15 in all"
