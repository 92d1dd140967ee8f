"""Ctrl-C (or a kill) never lands between playing a phase and saving it."""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from easeback.content.library import load_library, load_routine
from easeback.core.player import Player, PlayerEvent
from easeback.core.timeline import build_timeline
from easeback.terminal.keys import NoKeys, signals_held
from easeback.terminal.session import play


@pytest.fixture
def ctrl_c_as_at_a_terminal() -> Iterator[None]:
    """Ctrl-C as Python handles it at a terminal, even in a suite started as a background
    job (which begins with SIGINT ignored); what was there before is put back."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


@pytest.mark.usefixtures("ctrl_c_as_at_a_terminal")
def test_a_stop_signal_during_a_save_waits_until_the_save_is_done() -> None:
    player = Player(build_timeline(load_routine("office"), load_library()), speed=500)
    saved: list[str] = []

    def record(event: PlayerEvent) -> None:
        if len(saved) == 2:
            # Ctrl-C, as the kernel hands it to the main thread (a test process has other
            # threads, and easeback's own writer thread holds every signal back).
            signal.pthread_kill(threading.main_thread().ident or 0, signal.SIGINT)
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


def test_the_writer_thread_leaves_every_signal_to_the_main_thread(tmp_path: Path) -> None:
    """A Ctrl-C handed to the writer's thread would interrupt the main one at any
    point, even between playing a phase and saving it: the writer holds them back."""
    from easeback.store import open_store
    from easeback.usecases.recording import session_writer

    engine = open_store(str(tmp_path / "easeback.db"))
    writer = session_writer(engine, "0b6f3c1e-6a43-4d8e-9c51-2f0d7a9e4b10")
    try:
        thread = next(t for t in threading.enumerate() if t.name == "easeback-writer")
        status = Path(f"/proc/self/task/{thread.native_id}/status").read_text()
        blocked = int(
            next(line for line in status.splitlines() if line.startswith("SigBlk:")).split()[1], 16
        )
        for stop in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            assert blocked & (1 << (stop - 1)), f"{stop.name} is not held back by the writer"
    finally:
        writer.finish(1.0)
