"""How long a session takes, wherever a routine is offered (Today's slots, the
routines to play any time): always the length of the timeline the player will play
(``Timeline.total_ms``), never worked out again from the doses."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from easeback.content.library import BUILTIN_ROUTINES, load_library, load_routine
from easeback.core.timeline import build_timeline
from easeback.usecases.today import slot_as_routine

if TYPE_CHECKING:
    from easeback.content.models import Routine

# The built-in routines offered to play any time, in the order they are offered.
ANY_TIME = BUILTIN_ROUTINES


def routine_ms(routine: Routine) -> int:
    """The length of the session ``routine`` makes, in milliseconds."""
    return build_timeline(routine, load_library()).total_ms


def slot_lengths(view: dict[str, Any]) -> dict[str, int]:
    """slot id -> its session's length, for today's view (``usecases.today``)."""
    return {slot["id"]: routine_ms(slot_as_routine(slot)) for slot in view["slots"]}


def builtin_lengths(names: tuple[str, ...] = ANY_TIME) -> dict[str, int]:
    """Built-in routine name -> its session's length."""
    return {name: routine_ms(load_routine(name)) for name in names}
