"""How a session stands when it is read back: how it ended, still playing, or cut off.

A session's events arrive while it plays (a terminal writes each one, a browser tab
sends them through its outbox), so a session without an ending event may simply
not have ended yet: it is playing in another tab or window. It is "interrupted"
only once it could no longer be playing. Pure: the time comes in as an argument.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal

Shown = Literal["completed", "pain_stop", "quit", "playing", "interrupted"]
ENDINGS: tuple[Shown, ...] = ("completed", "pain_stop", "quit")

# How long past its natural end a session without an ending still counts as playing.
# Long enough for a pause to answer the door, a phone locked in a pocket (its timers
# held back) or a backup holding the store while the page's outbox keeps its events;
# short enough that a session whose window was closed is counted well before the
# next slot of the day (slots are hours apart).
GRACE = timedelta(minutes=10)


def outcome_of(
    ending: str | None,
    *,
    started: datetime,
    last_event: datetime | None,
    position_ms: int,
    total_ms: int,
    speed: float,
    now: datetime,
) -> Shown:
    """The outcome to show and to count: the ending event's kind when there is one;
    else "playing" while the session, last heard of at ``last_event`` (``started``
    when it has none) ``position_ms`` into its timeline, could still be running at
    ``speed`` until ``now``, give or take ``GRACE``; else "interrupted"."""
    if ending is not None:
        if ending not in ENDINGS:
            raise ValueError(f"{ending!r} is not an ending; one of {', '.join(ENDINGS)}")
        return ending
    heard = max(started, last_event) if last_event is not None else started
    left = timedelta(milliseconds=max(0, total_ms - position_ms) / speed)
    return "playing" if now <= heard + left + GRACE else "interrupted"
