"""The web player's words for the mat: the big line (kind and side), its small print
(direction and repetition), and a session's length in words before Begin."""

from __future__ import annotations

import pytest

from easeback.content.library import load_library, load_routine
from easeback.core.timeline import Phase, build_timeline
from easeback.web.sessions import Chosen
from easeback.wording.labels import phase_detail, phase_headline


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


@pytest.mark.parametrize(("speed", "words"), [(1.0, "About 5 minutes"), (20.0, "Under a minute")])
def test_the_length_before_begin_is_the_timelines_at_the_speed_it_plays(
    speed: float, words: str
) -> None:
    routine = load_routine("default")
    assert build_timeline(routine, load_library()).total_ms == 315_000

    assert Chosen(routine, None, None, speed).length_text == words
