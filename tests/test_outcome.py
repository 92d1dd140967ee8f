"""How a session stands when read back: its ending when it has one; without one,
still playing (in another tab or window) while it could be, interrupted after."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from easeback.core.outcome import outcome_of

START = datetime(2026, 11, 25, 7, 0, tzinfo=UTC)
SECOND = timedelta(seconds=1)
FOUR_MINUTES_MS = 240_000


def at(minutes: float) -> datetime:
    return START + timedelta(minutes=minutes)


@pytest.mark.parametrize(
    ("ending", "last_event", "position_ms", "speed", "now", "expected"),
    [
        # An ending event decides, whenever it is read.
        ("completed", at(4), FOUR_MINUTES_MS, 1.0, at(1), "completed"),
        ("pain_stop", at(1), 60_000, 1.0, at(600), "pain_stop"),
        ("quit", None, 0, 1.0, at(0), "quit"),
        # No ending: playing while the rest of the timeline, and 10 minutes more, could run.
        (None, None, 0, 1.0, at(0), "playing"),
        (None, None, 0, 1.0, at(14), "playing"),
        (None, None, 0, 1.0, at(14) + SECOND, "interrupted"),
        # ...counted from the last event heard, at the place it reached.
        (None, at(3), 180_000, 1.0, at(14), "playing"),
        (None, at(3), 180_000, 1.0, at(14) + SECOND, "interrupted"),
        (None, at(30), 180_000, 1.0, at(41), "playing"),  # paused a while
        (None, at(1), FOUR_MINUTES_MS, 1.0, at(11), "playing"),  # at the very end
        (None, at(1), FOUR_MINUTES_MS, 1.0, at(11) + SECOND, "interrupted"),
        # A rehearsal at 10x runs its four minutes in 24 s.
        (None, None, 0, 10.0, at(10.4), "playing"),
        (None, None, 0, 10.0, at(10.4) + SECOND, "interrupted"),
        # A browser's clock a little behind the server's: its last event seems old.
        (None, at(-1), 0, 1.0, at(14), "playing"),
    ],
)
def test_a_session_is_playing_until_it_could_no_longer_be(
    ending: str | None,
    last_event: datetime | None,
    position_ms: int,
    speed: float,
    now: datetime,
    expected: str,
) -> None:
    shown = outcome_of(
        ending,
        started=START,
        last_event=last_event,
        position_ms=position_ms,
        total_ms=FOUR_MINUTES_MS,
        speed=speed,
        now=now,
    )

    assert shown == expected


def test_an_event_that_is_not_an_ending_is_refused() -> None:
    with pytest.raises(ValueError, match="'paused' is not an ending; one of completed"):
        outcome_of(
            "paused",
            started=START,
            last_event=None,
            position_ms=0,
            total_ms=1,
            speed=1.0,
            now=START,
        )
