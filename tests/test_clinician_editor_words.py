"""The prescription editor's flare-up plan and note, filled in wrongly: every refusal
is in our words and names what to write, never the model's ("Value should have at
least 1 item after validation"). Pure: the editor's form reading, no server."""

from __future__ import annotations

from datetime import date

import pytest

from easeback.clinician import editor
from easeback.content.library import load_library

TODAY = date(2026, 11, 29)
DOSE = {
    "start": "2026-11-29",
    "knee-press-on": "on",
    "knee-press-hold_s": "15",
    "knee-press-reps": "1",
    "knee-press-times": "2",
}
FLARE = {
    "flare-days": "3",
    "knee-press-flare_hold": "10",
    "flare-advice": "Rest",
    "flare-contact": "Call",
}
MODEL_WORDS = ("Input should", "Value should", "String should", "after validation")


def refused(**given: str) -> dict[str, str]:
    prescription, errors = editor.to_prescription({**DOSE, **given}, load_library(), 1, TODAY)
    assert prescription is None
    return errors


@pytest.mark.parametrize(
    ("given", "field", "words"),
    [
        ({**FLARE, "flare-days": "999"}, "flare-days", "from 1 to 14"),
        ({**FLARE, "flare-days": "0"}, "flare-days", "from 1 to 14"),
        ({**FLARE, "flare-advice": ""}, "flare-advice", "Write what to do meanwhile"),
        ({**FLARE, "flare-contact": ""}, "flare-contact", "Write when to get in touch"),
        ({**FLARE, "flare-advice": "x" * 5000}, "flare-advice", "5000 characters"),
        ({**FLARE, "flare-contact": "y" * 3000}, "flare-contact", "at most 2000"),
        ({"note": "z" * 100_000}, "note", "at most 2000"),
    ],
)  # fmt: skip
def test_each_refusal_is_in_our_words_beside_its_field(
    given: dict[str, str], field: str, words: str
) -> None:
    errors = refused(**given)
    assert words in errors[field], errors
    for message in errors.values():
        assert not any(m in message for m in MODEL_WORDS), errors


def test_a_complete_flare_up_plan_is_accepted() -> None:
    prescription, errors = editor.to_prescription({**DOSE, **FLARE}, load_library(), 1, TODAY)
    assert errors == {}
    assert prescription is not None and prescription.flare_up is not None
    assert prescription.flare_up.days == 3
