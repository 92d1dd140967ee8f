"""The terminal session loop: keys and clock in, events to the store and cues out.

Everything it touches is injected (clock, keys, recorder, display), so the same loop
runs for real in a terminal and in tests on a fake clock without sleeping.
"""

from __future__ import annotations

from collections.abc import Callable

from easeback.core.player import Player, PlayerEvent
from easeback.terminal.keys import KeySource, actions


def play(
    player: Player,
    *,
    keys: KeySource,
    now: Callable[[], float],
    record: Callable[[PlayerEvent], None],
    show: Callable[[Player, float], None],
    on_phase: Callable[[Player], None],
) -> None:
    """Play ``player`` to its end: completed, pain stop, or quit (Ctrl-C counts as quit)."""

    def handle(events: list[PlayerEvent]) -> None:
        # The cue goes first: a disk write (an fsync) must never make a cue late.
        if any(e.kind == "phase" for e in events):
            on_phase(player)
        for event in events:
            record(event)

    try:
        handle(player.start(now()))
        while not player.ended:
            t = now()
            handle(player.tick(t))
            if player.ended:
                break
            show(player, t)
            wake = player.next_wake(t)
            typed = keys.read(None if wake is None else max(0.0, wake - now()))
            for action in actions(typed or ""):
                if action == "pain":
                    handle(player.pain_stop(now()))
                elif action == "toggle":
                    handle(player.toggle_pause(now()))
                elif action == "skip":
                    handle(player.skip(now()))
                elif action == "quit":
                    handle(player.quit(now()))
    except KeyboardInterrupt:
        handle(player.quit(now()))
    show(player, now())
