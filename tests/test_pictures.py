"""The pictures: poses as data, drawn by one function into SVG.

Every step of every stretch has a start and a hold pose; left and right differ in
which limb moves, never by turning the whole figure round; every picture is valid
SVG with a title; and each picture as drawn is checked in under tests/snapshots, so
a change to a picture shows in review. To accept a change on purpose, run
``EASEBACK_SNAPSHOTS=update pytest tests/test_pictures.py`` and look at the files.
"""

from __future__ import annotations

import base64
import os
import re
import tomllib
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from pydantic import ValidationError

from easeback.content.library import load_library, load_pictures, load_routine, pictures_missing
from easeback.content.poses import JOINTS, Pictures, Pose
from easeback.core.timeline import build_timeline
from easeback.pictures.catalogue import catalogue, rendered, sheet_pictures
from easeback.pictures.phases import phase_picture
from easeback.reports.pdf import PICTURE_PREFIX, _fetcher, sheet_html
from easeback.web.pictures import picture_url

SVG = "{http://www.w3.org/2000/svg}"
SNAPSHOTS = Path(__file__).parent / "snapshots" / "pictures"
UPDATE = os.environ.get("EASEBACK_SNAPSHOTS") == "update"
LEG = ("knee", "heel", "toe")
# Which way the person's own left lies in each view (screen x to the right, y down):
# from above with the head to the left, their left is up; from the front, to our right.
LEFT_IS = {"above": (0.0, -1.0), "front": (1.0, 0.0)}


def parsed(name: str) -> ET.Element:
    """A picture as drawn, parsed (our own drawing, so the plain parser is safe)."""
    return ET.fromstring(rendered(name))  # noqa: S314


def steps_of_every_stretch() -> list[tuple[str, str]]:
    return [(s.id, key) for s in load_library().stretches for key in s.step_keys]


def poses(stretch_id: str, key: str) -> tuple[Pose, Pose]:
    pics = load_pictures().of(stretch_id)
    step = pics.step(key)
    return pics.start_of(step), pics.hold_of(step)


def sided_pairs() -> list[str]:
    return [s.id for s in load_library().stretches if {"left", "right"} <= set(s.step_keys)]


def leg_moves(start: Pose, hold: Pose, side: str) -> bool:
    return any(start[f"{side}_{j}"] != hold[f"{side}_{j}"] for j in LEG)


@pytest.mark.parametrize(("stretch_id", "key"), steps_of_every_stretch())
def test_every_step_of_every_stretch_has_a_start_and_a_hold_pose(stretch_id: str, key: str) -> None:
    start, hold = poses(stretch_id, key)

    assert set(start) == set(hold) == set(JOINTS)
    assert start != hold, "a hold that moves nothing teaches nothing"


@pytest.mark.parametrize("stretch_id", sided_pairs())
def test_left_and_right_differ_in_which_limb_moves(stretch_id: str) -> None:
    view = load_pictures().of(stretch_id).view
    for side, other in (("left", "right"), ("right", "left")):
        start, hold = poses(stretch_id, side)
        assert leg_moves(start, hold, side), f"{side}: the {side} leg does not move"
        if leg_moves(start, hold, other):
            # Both legs move (the knees roll together): towards the named side.
            lx, ly = LEFT_IS[view]
            sign = 1 if side == "left" else -1
            for knee in ("left_knee", "right_knee"):
                dx, dy = hold[knee][0] - start[knee][0], hold[knee][1] - start[knee][1]
                assert sign * (dx * lx + dy * ly) > 10, f"{side}: {knee} rolls the wrong way"
        else:
            assert all(hold[f"{other}_{j}"] == start[f"{other}_{j}"] for j in LEG)


@pytest.mark.parametrize("stretch_id", sided_pairs())
def test_right_is_not_the_left_picture_turned_round(stretch_id: str) -> None:
    left_start, left_hold = poses(stretch_id, "left")
    right_start, right_hold = poses(stretch_id, "right")
    flipped = {name: [240 - x, y] for name, (x, y) in left_hold.items()}

    assert left_start == right_start  # both start from the same body, the same way round
    assert right_hold != left_hold
    # Not the left picture mirrored, even roughly: some joint lies well away (8 units of
    # a 240-wide picture) from where mirroring would put it.
    assert (
        max(
            abs(x - flipped[name][0]) + abs(y - flipped[name][1])
            for name, (x, y) in right_hold.items()
        )
        >= 8
    )
    for name in (f"{stretch_id}/left-hold", f"{stretch_id}/right-hold"):
        assert "scale(" not in rendered(name) and "transform" not in rendered(name)


@pytest.mark.parametrize(("stretch_id", "key"), steps_of_every_stretch())
def test_the_words_of_a_sided_picture_name_its_side(stretch_id: str, key: str) -> None:
    step = load_pictures().of(stretch_id).step(key)

    if key in ("left", "right"):
        assert key in step.hold_alt and key.upper() in step.label
    assert step.label.isupper() and len(step.label) <= 14


@pytest.mark.parametrize("name", list(catalogue()))
def test_every_picture_is_an_svg_named_by_its_words(name: str) -> None:
    root = parsed(name)
    title = root.find(f"{SVG}title")

    assert root.tag == f"{SVG}svg"
    assert root.get("viewBox") == "0 0 240 160"
    assert root.get("role") == "img"
    assert title is not None and title.text == catalogue()[name].alt
    assert root.get("aria-labelledby") == title.get("id")
    assert root.find(f"{SVG}style") is None  # the pages' policy forbids inline style


@pytest.mark.parametrize(("stretch_id", "key"), steps_of_every_stretch())
def test_what_moves_stands_out_by_shape_as_well_as_colour(stretch_id: str, key: str) -> None:
    root = parsed(f"{stretch_id}/{key}-hold")
    paths = list(root.iter(f"{SVG}path"))
    moving = [p for p in paths if p.get("class") == "pic-m"]
    hollow = [p for p in paths if p.get("class") == "pic-in"]
    still = [p for p in paths if p.get("class") == "pic-b"]

    assert moving and len(hollow) == len(moving)  # a line of the panel inside each one
    thinnest_moving = min(float(p.get("stroke-width", 0)) for p in moving)
    limbs = [float(p.get("stroke-width", 0)) for p in still if "Q" not in p.get("d", "")]
    assert thinnest_moving > min(limbs)
    assert {p.get("stroke") for p in moving}.isdisjoint({p.get("stroke") for p in still})


@pytest.mark.parametrize(("stretch_id", "key"), steps_of_every_stretch())
def test_the_moving_picture_goes_from_the_start_to_the_hold(stretch_id: str, key: str) -> None:
    def shapes(name: str) -> list[str]:
        root = parsed(name)
        return [p.get("d", "") for p in root.iter(f"{SVG}path") if p.get("class") != "pic-a"]

    moving = parsed(f"{stretch_id}/{key}-move")
    animated = [(p.get("d"), p.find(f"{SVG}animate")) for p in moving.iter(f"{SVG}path")]
    moves = {(d, a.get("values")) for d, a in animated if a is not None}

    assert moves
    starts, holds = shapes(f"{stretch_id}/{key}-start"), shapes(f"{stretch_id}/{key}-hold")
    for d, values in moves:
        begin, end = (values or "").split(";")
        assert begin == d and begin in starts and end in holds
    assert all(a.get("dur") == "1s" for a in moving.iter(f"{SVG}animate"))


@pytest.mark.parametrize("name", list(catalogue()))
def test_each_picture_is_as_checked_in(name: str) -> None:
    snapshot = SNAPSHOTS / f"{name.replace('/', '__')}.svg"
    drawn = rendered(name)
    if UPDATE:
        snapshot.parent.mkdir(parents=True, exist_ok=True)
        snapshot.write_text(drawn, encoding="utf-8")
    assert snapshot.exists(), f"no snapshot {snapshot.name}: run EASEBACK_SNAPSHOTS=update pytest"
    assert drawn == snapshot.read_text(encoding="utf-8"), (
        f"{name} is drawn differently from {snapshot.name}; if that is meant, run "
        "EASEBACK_SNAPSHOTS=update pytest tests/test_pictures.py and look at the new file"
    )


def test_no_snapshot_is_left_over_from_a_picture_that_is_gone() -> None:
    names = {f"{n.replace('/', '__')}.svg" for n in catalogue()}

    assert {p.name for p in SNAPSHOTS.glob("*.svg")} == names


def test_each_phase_of_a_session_shows_its_step_moving_as_it_should() -> None:
    timeline = build_timeline(load_routine("default"), load_library())
    shown = [
        (p.kind, p.side, (pic.name, pic.motion) if (pic := phase_picture(timeline, i)) else None)
        for i, p in enumerate(timeline.phases)
    ]

    assert shown[:7] == [
        ("prepare", "left", ("knee-press/left-move", "show")),
        ("hold", "left", ("knee-press/left-move", "hold")),
        ("switch", "right", ("knee-press/right-move", "show")),
        ("hold", "right", ("knee-press/right-move", "hold")),
        ("switch", "both", ("knee-press/both-move", "show")),
        ("hold", "both", ("knee-press/both-move", "hold")),
        ("release", "both", ("knee-press/both-move", "release")),
    ]
    rest = next(i for i, p in enumerate(timeline.phases) if p.kind == "rest")
    assert timeline.phases[rest + 1].stretch == "lower-back-rotation"
    assert shown[rest][2] == ("lower-back-rotation/left-move", "still")  # where it starts
    assert shown[-1] == ("done", None, None)


def test_the_sheet_shows_both_directions_of_the_pelvic_tilt() -> None:
    assert [p.name for p in sheet_pictures("pelvic-tilt")] == [
        "pelvic-tilt/feet-hold",
        "pelvic-tilt/head-hold",
    ]
    assert [p.name for p in sheet_pictures("knee-press")] == [
        "knee-press/left-start",
        "knee-press/left-hold",
    ]


def shipped() -> dict[str, object]:
    text = resources.files("easeback.content").joinpath("poses.toml").read_text("utf-8")
    return tomllib.loads(text)


def test_a_joint_the_body_does_not_have_is_named_in_the_error() -> None:
    data = shipped()
    data["pictures"][0]["steps"][0]["hold"]["left_wing"] = [10, 10]  # type: ignore[index]

    with pytest.raises(ValidationError, match=re.escape("unknown joints ['left_wing']")):
        Pictures.model_validate(data)


def test_a_joint_outside_the_drawing_is_named_in_the_error() -> None:
    data = shipped()
    data["pictures"][0]["start"]["head"] = [300, 10]  # type: ignore[index]

    with pytest.raises(ValidationError, match=re.escape("['head'] outside the 240x160 drawing")):
        Pictures.model_validate(data)


def test_a_step_without_pictures_is_named() -> None:
    data = shipped()
    del data["pictures"][2]["steps"][1]  # type: ignore[index,attr-defined]
    pictures = Pictures.model_validate(data)

    assert pictures_missing(load_library(), pictures) == [
        "no pictures for pelvic-tilt's step 'head'"
    ]
    assert pictures_missing(load_library(), load_pictures()) == []


def test_a_picture_is_kept_a_year_at_its_versioned_address(client: TestClient) -> None:
    response = client.get(picture_url("knee-press/left-hold"))

    assert response.status_code == 200
    assert response.headers["content-type"] == "image/svg+xml"
    assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert response.text == rendered("knee-press/left-hold")


def test_a_picture_at_a_plain_address_is_checked_again_before_use(client: TestClient) -> None:
    first = client.get("/pictures/knee-press/start.svg")
    again = client.get(
        "/pictures/knee-press/start.svg", headers={"If-None-Match": first.headers["etag"]}
    )

    assert first.headers["cache-control"] == "no-cache"
    assert again.status_code == 304


def test_an_unknown_picture_is_not_found(client: TestClient) -> None:
    assert client.get("/pictures/knee-press/upside-down.svg").status_code == 404
    assert client.get("/pictures/headstand/start.svg").status_code == 404


def test_the_routine_sheet_draws_each_stretch_from_its_poses() -> None:
    html = sheet_html(
        [
            {"id": s.id, "hold_s": s.hold_s.min, "reps": s.reps.min}
            for s in load_library().stretches
        ],
        generated=datetime(2026, 11, 28, 9, 0, tzinfo=UTC),
    )
    images = BeautifulSoup(html, "html.parser").find_all("img")

    expected = [p for s in load_library().stretches for p in sheet_pictures(s.id)]
    assert [img["alt"] for img in images] == [p.alt for p in expected]
    for img, picture in zip(images, expected, strict=True):
        assert img["src"].startswith(PICTURE_PREFIX)
        drawn = base64.b64decode(img["src"].removeprefix(PICTURE_PREFIX)).decode()
        assert drawn == rendered(picture.name)


@pytest.mark.parametrize(
    "url", ["file:///etc/passwd", "http://example.org/a.svg", "data:text/html,<p>hi</p>"]
)
def test_making_a_pdf_loads_nothing_but_its_own_pictures(url: str) -> None:
    with pytest.raises(ValueError, match="easeback PDFs load nothing from"):
        _fetcher().fetch(url)
