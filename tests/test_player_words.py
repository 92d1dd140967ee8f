"""The web player's words for the mat: the big line (kind and side), its small print
(direction and repetition), and a session's length in words before Begin."""

from __future__ import annotations

import pytest

from easeback.content.library import load_library, load_routine
from easeback.core.timeline import Phase, build_timeline
from easeback.web.sessions import Chosen
from easeback.wording.labels import length_words, phase_detail, phase_headline


def phase(
    kind: str, side: str | None = None, direction: str | None = None, rep: int = 1, reps: int = 1
) -> Phase:
    return Phase(kind, "pelvic-tilt", side, direction, rep, reps, 0, 1000, "")  # type: ignore[arg-type]


LINES = {
    "getting ready for the left": (phase("prepare", "left"), "Get ready · left", ""),
    "holding the right": (phase("hold", "right"), "Hold · right", ""),
    "holding both": (phase("hold", "both"), "Hold · both", ""),
    "changing sides": (phase("switch", "right"), "Change sides · right", ""),
    "a tilt, third of five": (
        phase("hold", None, "feet", 3, 5),
        "Hold",
        "Towards the feet · 3 of 5",
    ),
    "a second go at the left": (phase("hold", "left", None, 2, 2), "Hold · left", "2 of 2"),
    "letting go": (phase("release", "right"), "Relax", ""),
    "resting": (phase("rest"), "Rest", ""),
    "the end": (phase("done"), "Done", ""),
}


@pytest.mark.parametrize(("given", "headline", "detail"), LINES.values(), ids=LINES)
def test_the_big_line_says_the_kind_and_the_side_and_the_small_print_the_rest(
    given: Phase, headline: str, detail: str
) -> None:
    assert phase_headline(given) == headline
    assert phase_detail(given) == detail


LENGTHS = {
    "a few seconds": (20_000, "Under a minute"),
    "a minute": (60_000, "About 1 minute"),
    "rounded down": (269_000, "About 4 minutes"),
    "rounded up": (315_000, "About 5 minutes"),
}


@pytest.mark.parametrize(("ms", "words"), LENGTHS.values(), ids=LENGTHS)
def test_a_sessions_length_in_words(ms: int, words: str) -> None:
    assert length_words(ms) == words


@pytest.mark.parametrize(("speed", "words"), [(1.0, "About 5 minutes"), (20.0, "Under a minute")])
def test_the_length_before_begin_is_the_timelines_at_the_speed_it_plays(
    speed: float, words: str
) -> None:
    routine = load_routine("default")
    assert build_timeline(routine, load_library()).total_ms == 315_000

    assert Chosen(routine, None, None, speed).length_text == words
