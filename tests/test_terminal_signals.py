"""Ctrl-C (or a kill) never lands between playing a phase and saving it."""

from __future__ import annotations

import os
import signal
import time

from easeback.content.library import load_library, load_routine
from easeback.core.player import Player, PlayerEvent
from easeback.core.timeline import build_timeline
from easeback.terminal.keys import NoKeys, signals_held
from easeback.terminal.session import play


def test_a_stop_signal_during_a_save_waits_until_the_save_is_done() -> None:
    player = Player(build_timeline(load_routine("office"), load_library()), speed=500)
    saved: list[str] = []

    def record(event: PlayerEvent) -> None:
        if len(saved) == 2:
            os.kill(os.getpid(), signal.SIGINT)  # arrives in the middle of this save
        saved.append(event.kind)

    with signals_held():
        play(
            player,
            keys=NoKeys(),
            now=time.monotonic,
            record=record,
            show=lambda p, t: None,
            on_phase=lambda p: None,
        )

    assert saved[:3] == ["started", "phase", "phase"]
    assert saved[-1] == "quit"
    assert player.outcome == "quit"
