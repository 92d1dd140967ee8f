"""`easeback stretches`: the four stretches and their doses, for people and for scripts."""

from __future__ import annotations

import json

import pytest

from easeback.wording import messages


@pytest.fixture
def wide(monkeypatch: pytest.MonkeyPatch) -> None:
    """A terminal wide enough that no stretch name is wrapped over two lines."""
    monkeypatch.setenv("COLUMNS", "200")


def test_stretches_json_is_only_json_listing_the_four_ids_in_order(cli) -> None:
    result = cli("stretches", "--json")

    assert result.exit_code == 0
    assert result.stderr == ""
    data = json.loads(result.stdout)
    assert [s["id"] for s in data] == [
        "knee-press",
        "lower-back-rotation",
        "pelvic-tilt",
        "chair-twist",
    ]


def test_stretches_json_gives_each_hold_and_reps_range(cli) -> None:
    data = json.loads(cli("stretches", "--json").stdout)

    assert {s["id"]: (s["hold_s"], s["reps"]) for s in data} == {
        "knee-press": ({"min": 15, "max": 20}, {"min": 1, "max": 1}),
        "lower-back-rotation": ({"min": 10, "max": 10}, {"min": 1, "max": 1}),
        "pelvic-tilt": ({"min": 7, "max": 7}, {"min": 5, "max": 10}),
        "chair-twist": ({"min": 7, "max": 10}, {"min": 2, "max": 3}),
    }


def test_stretches_json_gives_the_steps_in_order(cli) -> None:
    data = json.loads(cli("stretches", "--json").stdout)

    order = {s["id"]: [(t["side"], t["direction"]) for t in s["steps"]] for s in data}
    assert order == {
        "knee-press": [("left", None), ("right", None), ("both", None)],
        "lower-back-rotation": [("left", None), ("right", None)],
        "pelvic-tilt": [(None, "feet"), (None, "head")],
        "chair-twist": [("right", None), ("left", None)],
    }


@pytest.mark.usefixtures("wide")
@pytest.mark.parametrize(
    "name", ["Knee press", "Lower-back rotation", "Pelvic tilt", "Chair twist"]
)
def test_stretches_lists_each_name(cli, name: str) -> None:
    result = cli("stretches")

    assert result.exit_code == 0
    assert name in result.stdout


@pytest.mark.usefixtures("wide")
@pytest.mark.parametrize(
    ("name", "row"),
    [
        ("Knee press", ["15-20 s", "left then right then both", "1"]),
        ("Lower-back rotation", ["10 s", "left then right", "1"]),
        ("Pelvic tilt", ["7 s", "towards the feet then towards the head", "5-10"]),
        ("Chair twist", ["7-10 s", "right then left", "2-3 per side"]),
    ],
)
def test_stretches_shows_hold_order_and_reps_on_each_row(cli, name: str, row: list[str]) -> None:
    lines = cli("stretches").stdout.splitlines()

    line = next(line for line in lines if name in line)
    cells = [cell.strip() for cell in line.split("│")]
    assert cells[2:5] == row


@pytest.mark.usefixtures("wide")
def test_stretches_says_it_is_not_medical_advice(cli) -> None:
    assert messages.NOT_ADVICE in cli("stretches").stdout
