"""The stretch library: every number the source article gives, as data the app trusts."""

from __future__ import annotations

import tomllib
from importlib import resources
from typing import Any

import pytest
from pydantic import ValidationError

from easeback.content.library import load_library
from easeback.content.models import Library, Stretch

IDS = ["knee-press", "lower-back-rotation", "pelvic-tilt", "chair-twist"]


def stretch(stretch_id: str) -> Stretch:
    found = load_library().get(stretch_id)
    assert found is not None, f"{stretch_id} is missing from the library"
    return found


def shipped_library_data() -> dict[str, Any]:
    text = resources.files("easeback.content").joinpath("stretches.toml").read_text("utf-8")
    return tomllib.loads(text)


def test_library_loads_the_four_stretches_in_the_articles_order() -> None:
    library = load_library()

    assert isinstance(library, Library)
    assert library.ids == IDS


def test_shipped_library_file_validates_against_the_model() -> None:
    library = Library.model_validate(shipped_library_data())

    assert library == load_library()


@pytest.mark.parametrize(
    ("stretch_id", "low", "high"),
    [
        pytest.param("knee-press", 15, 20, id="knee press holds 15 to 20 s"),
        pytest.param("lower-back-rotation", 10, 10, id="rotation holds 10 s"),
        pytest.param("pelvic-tilt", 7, 7, id="pelvic tilt holds 7 s each way"),
        pytest.param("chair-twist", 7, 10, id="chair twist holds 7 to 10 s"),
    ],
)
def test_hold_seconds_are_the_articles(stretch_id: str, low: int, high: int) -> None:
    hold = stretch(stretch_id).hold_s

    assert (hold.min, hold.max) == (low, high)


def test_knee_press_holds_15_to_20_seconds() -> None:
    hold = stretch("knee-press").hold_s

    assert 15 in hold
    assert 20 in hold
    assert 14 not in hold
    assert 21 not in hold


@pytest.mark.parametrize(
    ("stretch_id", "sides"),
    [
        pytest.param("knee-press", ["left", "right", "both"], id="knee press left, right, both"),
        pytest.param("lower-back-rotation", ["left", "right"], id="rotation one side then other"),
        pytest.param("pelvic-tilt", [], id="pelvic tilt has no sides"),
        pytest.param("chair-twist", ["right", "left"], id="chair twist right then left"),
    ],
)
def test_sides_are_held_in_the_articles_order(stretch_id: str, sides: list[str]) -> None:
    assert stretch(stretch_id).sides == sides


@pytest.mark.parametrize(
    ("stretch_id", "directions"),
    [
        pytest.param("knee-press", [None, None, None], id="knee press"),
        pytest.param("lower-back-rotation", [None, None], id="rotation"),
        pytest.param("pelvic-tilt", ["feet", "head"], id="pelvic tilt feet then head"),
        pytest.param("chair-twist", [None, None], id="chair twist"),
    ],
)
def test_only_the_pelvic_tilt_has_directions_feet_then_head(
    stretch_id: str, directions: list[str | None]
) -> None:
    assert [step.direction for step in stretch(stretch_id).steps] == directions


@pytest.mark.parametrize(
    ("stretch_id", "low", "high"),
    [
        pytest.param("knee-press", 1, 1, id="knee press once each"),
        pytest.param("lower-back-rotation", 1, 1, id="rotation once per side"),
        pytest.param("pelvic-tilt", 5, 10, id="pelvic tilt 5 to 10 repetitions"),
        pytest.param("chair-twist", 2, 3, id="chair twist 2 to 3 per side"),
    ],
)
def test_repetitions_are_the_articles(stretch_id: str, low: int, high: int) -> None:
    reps = stretch(stretch_id).reps

    assert (reps.min, reps.max) == (low, high)


@pytest.mark.parametrize(
    ("stretch_id", "times_of_day", "low", "high"),
    [
        pytest.param("knee-press", ["morning", "evening"], 2, 2, id="knee press morning+night"),
        pytest.param(
            "lower-back-rotation",
            ["morning", "daytime", "evening"],
            2,
            3,
            id="rotation 2 to 3 times a day",
        ),
    ],
)
def test_when_to_stretch_is_the_articles(
    stretch_id: str, times_of_day: list[str], low: int, high: int
) -> None:
    s = stretch(stretch_id)

    assert s.times_of_day == times_of_day
    assert (s.times_per_day.min, s.times_per_day.max) == (low, high)


def test_pelvic_tilt_has_no_time_of_day_because_the_article_gives_none() -> None:
    assert stretch("pelvic-tilt").times_of_day == []


@pytest.mark.parametrize(
    ("stretch_id", "equipment"),
    [
        pytest.param("knee-press", ["floor", "bed", "yoga mat"], id="knee press"),
        pytest.param("lower-back-rotation", ["floor", "bed", "yoga mat"], id="rotation"),
        pytest.param("pelvic-tilt", ["floor", "bed", "yoga mat"], id="pelvic tilt"),
        pytest.param("chair-twist", ["armless chair", "stool", "ottoman"], id="chair twist"),
    ],
)
def test_equipment_is_what_the_article_names(stretch_id: str, equipment: list[str]) -> None:
    assert stretch(stretch_id).equipment == equipment


@pytest.mark.parametrize(
    ("stretch_id", "posture"),
    [
        ("knee-press", "lying"),
        ("lower-back-rotation", "lying"),
        ("pelvic-tilt", "lying"),
        ("chair-twist", "seated"),
    ],
)
def test_each_stretch_is_done_lying_down_or_seated_as_the_article_describes(
    stretch_id: str, posture: str
) -> None:
    found = stretch(stretch_id)

    assert found.posture == posture
    seats = {"armless chair", "stool", "ottoman"}
    assert (posture == "seated") == (set(found.equipment) <= seats)


@pytest.mark.parametrize("stretch_id", IDS)
def test_every_stretch_says_to_stop_at_once_if_it_hurts(stretch_id: str) -> None:
    assert "If anything hurts, stop at once." in stretch(stretch_id).cautions


@pytest.mark.parametrize("stretch_id", IDS)
def test_every_stretch_has_words_for_each_hold_and_release(stretch_id: str) -> None:
    s = stretch(stretch_id)

    assert s.get_ready.strip()
    assert all(step.hold.strip() and step.release.strip() for step in s.steps)


def test_library_with_a_duplicate_id_is_refused() -> None:
    data = shipped_library_data()
    data["stretches"].append(dict(data["stretches"][0]))

    with pytest.raises(ValidationError) as caught:
        Library.model_validate(data)

    messages = [error["msg"] for error in caught.value.errors()]
    assert messages == ["Value error, stretch id 'knee-press' appears twice"]


def test_library_with_a_hold_range_upside_down_is_refused() -> None:
    data = shipped_library_data()
    data["stretches"][0]["hold_s"] = {"min": 20, "max": 15}

    with pytest.raises(ValidationError) as caught:
        Library.model_validate(data)

    messages = [error["msg"] for error in caught.value.errors()]
    assert messages == ["Value error, min 20 is above max 15"]


def test_library_with_an_unknown_key_is_refused() -> None:
    data = shipped_library_data()
    data["stretches"][0]["hold_seconds"] = 15

    with pytest.raises(ValidationError) as caught:
        Library.model_validate(data)

    assert [error["loc"] for error in caught.value.errors()] == [("stretches", 0, "hold_seconds")]
