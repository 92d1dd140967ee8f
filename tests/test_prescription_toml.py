"""A clinician's prescription written in TOML: every mistake is named with its file
and line, the field and the reason, so one check lists them all.

The rules about one stretch (a known stretch, a dose inside the clinical bounds, a
ceiling at or above the start, slots that fit the posture) and unknown keys are all
reported together. The rules about the prescription as a whole (its dates, its
flare-up plan) are checked once every stretch in it is right, so each is shown here
in a file of its own.
"""

from __future__ import annotations

import textwrap

import pytest
from pydantic import ValidationError

from easeback.content.library import load_library
from easeback.content.prescription import Prescription
from easeback.content.toml_problems import load_toml, problems_of
from easeback.core.errors import RoutineError

FILE = "rx.toml"
KNOWN = "knee-press, lower-back-rotation, pelvic-tilt, chair-twist"
TOP_KEYS = "version, start, end, note, stretches, flare_up"


def check(text: str) -> list[str]:
    """Every problem of a prescription file, as easeback would list them."""
    text = textwrap.dedent(text)
    try:
        data = load_toml(text, FILE)
        Prescription.model_validate(data, context={"library": load_library()})
    except ValidationError as exc:
        return [str(p) for p in problems_of(exc, FILE, text, Prescription)]
    except RoutineError as exc:
        return [str(p) for p in exc.problems]
    return []


GOOD = """\
    version = 2
    start = 2026-12-01
    end = 2027-02-28
    note = "Little and often. Stop if it hurts."

    [[stretches]]
    id = "knee-press"
    hold_s = 30
    reps = 2
    slots = ["morning", "evening"]
    ceiling = { hold_s = 45, reps = 3 }

    [[stretches]]
    id = "chair-twist"
    hold_s = 10
    slots = ["daytime"]
    progression = false

    [flare_up]
    days = 3
    advice = "Keep moving gently; a warm shower helps."
    contact = "Call the clinic if it is no better in 3 days: 020 7946 0000."

    [[flare_up.stretches]]
    id = "knee-press"
    hold_s = 15
    reps = 1
    """


def test_a_prescription_that_keeps_every_rule_has_no_problems() -> None:
    assert check(GOOD) == []


def test_every_mistake_about_the_stretches_is_reported_at_once_in_line_order() -> None:
    problems = check(
        """\
        version = 1
        start = 2026-12-01
        colour = "blue"

        [[stretches]]
        id = "cat-cow"
        hold_s = 20

        [[stretches]]
        id = "knee-press"
        hold_s = 90

        [[stretches]]
        id = "pelvic-tilt"
        hold_s = 7
        reps = 12
        ceiling = { reps = 10 }

        [[stretches]]
        id = "chair-twist"
        hold_s = 7
        slots = ["morning"]

        [[stretches]]
        id = "lower-back-rotation"
        hold_s = 10
        [stretches.ceiling]
        hold_s = 30
        speed = 2
        """
    )

    assert problems == [
        f"rx.toml:3: colour: unknown key 'colour'; allowed keys: {TOP_KEYS}",
        f"rx.toml:6: stretches[0].id: unknown stretch 'cat-cow'; known stretches: {KNOWN}",
        "rx.toml:11: stretches[1].hold_s: hold 90 s is above the clinical bounds for "
        "knee-press: 10 to 60 s (the article's range is 15-20 s)",
        "rx.toml:17: stretches[2].ceiling.reps: the ceiling's repetitions 10 is below the "
        "starting 12; a ceiling is the most progression may reach",
        "rx.toml:22: stretches[3].slots: chair-twist is done sitting, so only the daytime "
        "slot can hold it (morning and evening are done lying down)",
        "rx.toml:29: stretches[4].ceiling.speed: unknown key 'speed'; allowed keys: hold_s, reps",
    ]


MISTAKES = [
    pytest.param(
        """\
        version = 1
        start = 2026-12-01

        [[stretches]]
        id = "cobra"
        hold_s = 20
        """,
        [f"rx.toml:5: stretches[0].id: unknown stretch 'cobra'; known stretches: {KNOWN}"],
        id="unknown stretch",
    ),
    pytest.param(
        """\
        version = 1
        start = 2026-12-01

        [[stretches]]
        id = "pelvic-tilt"
        hold_s = 7
        reps = 25
        """,
        [
            "rx.toml:7: stretches[0].reps: repetitions 25 is above the clinical bounds for "
            "pelvic-tilt: 3 to 20 (the article's range is 5-10)"
        ],
        id="dose outside the clinical bounds",
    ),
    pytest.param(
        """\
        version = 1
        start = 2026-12-01

        [[stretches]]
        id = "knee-press"
        hold_s = 40

        [stretches.ceiling]
        hold_s = 30
        """,
        [
            "rx.toml:9: stretches[0].ceiling.hold_s: the ceiling's hold 30 is below the "
            "starting 40; a ceiling is the most progression may reach"
        ],
        id="ceiling below the start",
    ),
    pytest.param(
        """\
        version = 1
        start = 2026-12-01

        [[stretches]]
        id = "chair-twist"
        hold_s = 8
        slots = ["morning"]
        """,
        [
            "rx.toml:7: stretches[0].slots: chair-twist is done sitting, so only the daytime "
            "slot can hold it (morning and evening are done lying down)"
        ],
        id="chair twist in the morning",
    ),
    pytest.param(
        """\
        version = 1
        start = 2026-12-01

        [[stretches]]
        id = "knee-press"
        hold_s = 20

        [[stretches]]
        id = "pelvic-tilt"
        hold_s = 7
        reps = 8

        [flare_up]
        days = 3
        advice = "Rest a little, keep walking."
        contact = "Call the clinic."

        [[flare_up.stretches]]
        id = "knee-press"
        hold_s = 15

        [[flare_up.stretches]]
        id = "pelvic-tilt"
        hold_s = 7
        reps = 9
        """,
        [
            "rx.toml:25: flare_up.stretches[1].reps: the flare-up repetitions 9 is more than "
            "the prescribed 8; a flare-up plan is easier, never harder"
        ],
        id="flare-up dose harder than prescribed",
    ),
    pytest.param(
        """\
        version = 1
        start = 2026-12-01

        [[stretches]]
        id = "knee-press"
        hold_s = 20

        [flare_up]
        days = 3
        advice = "Rest a little, keep walking."
        contact = "Call the clinic."

        [[flare_up.stretches]]
        id = "knee-press"
        hold_s = 25
        """,
        [
            "rx.toml:15: flare_up.stretches[0].hold_s: the flare-up hold 25 is more than the "
            "prescribed 20; a flare-up plan is easier, never harder"
        ],
        id="flare-up hold longer than prescribed",
    ),
    pytest.param(
        """\
        version = 1
        start = 2026-12-01

        [[stretches]]
        id = "knee-press"
        hold_s = 20

        [flare_up]
        days = 3
        advice = "Rest a little, keep walking."
        contact = "Call the clinic."

        [[flare_up.stretches]]
        id = "chair-twist"
        hold_s = 7
        """,
        [
            "rx.toml:14: flare_up.stretches[0].id: 'chair-twist' is not one of the "
            "prescription's stretches (knee-press); a flare-up plan keeps some of them, at "
            "easier doses"
        ],
        id="flare-up stretch not prescribed",
    ),
    pytest.param(
        """\
        version = 1
        start = 2027-03-01
        end = 2027-02-01

        [[stretches]]
        id = "knee-press"
        hold_s = 20
        """,
        ["rx.toml:3: end: the end (2027-02-01) is before the start (2027-03-01)"],
        id="end before start",
    ),
    pytest.param(
        """\
        version = 3000000000
        start = 2026-12-01

        [[stretches]]
        id = "knee-press"
        hold_s = 20
        """,
        [
            "rx.toml:1: version: 3000000000 is above the most allowed, 2147483647 "
            "(allowed 1-2147483647)"
        ],
        id="version larger than a FHIR integer",
    ),
    pytest.param(
        """\
        version = 1
        start = 2026-12-01

        [[stretches]]
        id = "knee-press"
        hold = 20
        """,
        [
            "rx.toml:4: stretches[0].hold_s: this required key is missing",
            "rx.toml:6: stretches[0].hold: unknown key 'hold'; allowed keys: id, hold_s, reps, "
            "times_per_day, slots, sides, progression, ceiling",
        ],
        id="unknown key",
    ),
    pytest.param(
        """\
        version = 1
        start = 2026-12-01

        [[stretches]
        id = "knee-press"
        hold_s = 20
        """,
        ["rx.toml:4: not valid TOML: expected ']]' at the end of an array declaration"],
        id="not TOML",
    ),
]


@pytest.mark.parametrize(("text", "problems"), MISTAKES)
def test_each_mistake_names_its_line_field_and_reason(text: str, problems: list[str]) -> None:
    assert check(text) == problems
