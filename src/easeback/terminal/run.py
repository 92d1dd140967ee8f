"""Wires the session loop to a real terminal: Rich live screen or plain lines, keys,
bell and voice, signals, and the store."""

from __future__ import annotations

import signal
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from datetime import datetime
from types import FrameType

from rich.console import Console
from rich.live import Live

from easeback.content.models import Library
from easeback.core.player import Player, PlayerEvent
from easeback.store.sessions import SessionLog
from easeback.store.writer import SavingStatus
from easeback.terminal.cues import Cues
from easeback.terminal.keys import KeySource, NoKeys, TerminalKeys, signals_held
from easeback.terminal.screen import format_line, format_screen
from easeback.terminal.session import play
from easeback.wording import messages
from easeback.wording.labels import clock_text


def run_terminal_session(
    player: Player,
    log: SessionLog,
    *,
    library: Library,
    title: str,
    clock: Callable[[], float],
    wall: Callable[[], datetime],
    live: bool,
    keyboard: int | None,
    voice: bool,
    saving: Callable[[], SavingStatus] | None = None,
    keep: Callable[[], object] | None = None,
    console: Console | None = None,
) -> None:
    """Play in the terminal; ``saving`` tells how saving stands, so a delay is said
    plainly on screen while the session carries on. ``keep`` is called once the
    session has ended, before the words that say how: it waits (briefly) until the
    ending is kept on disk, so what the person reads is already safe."""
    console = console or Console(highlight=False)
    cues = Cues(bell=console.bell, voice=voice)
    if cues.voice_missing:
        console.print(messages.VOICE_MISSING, style="yellow")

    def record(event: PlayerEvent) -> None:
        started = player.started_at if player.started_at is not None else event.at
        log.append(event, wall=wall(), offset_ms=round((event.at - started) * 1000))

    with ExitStack() as stack:
        stack.enter_context(_stop_signals_end_the_session())
        stack.enter_context(signals_held())
        keys: KeySource = (
            stack.enter_context(TerminalKeys(keyboard)) if keyboard is not None else NoKeys()
        )
        if live:
            screen = stack.enter_context(
                Live(console=console, screen=True, auto_refresh=False, transient=True)
            )

            def show(p: Player, now: float) -> None:
                notice = saving_notice(saving() if saving else None)
                screen.update(format_screen(p, now, library, title, notice), refresh=True)

            def on_phase(p: Player) -> None:
                cues.phase(p.phase)

        else:
            console.print(f"easeback · {title}")
            if keyboard is not None:
                console.print(f"{messages.KEYS_HELP} · {messages.PAIN_KEY}")

            said: list[str | None] = [None]

            def show(p: Player, now: float) -> None:
                notice = saving_notice(saving() if saving else None)
                if notice != said[0]:
                    if notice is not None or said[0] is not None:
                        console.print(notice or messages.SAVING_CAUGHT_UP, markup=False)
                    said[0] = notice

            def on_phase(p: Player) -> None:
                console.print(format_line(p, library), markup=False, soft_wrap=True)
                cues.phase(p.phase)

        play(player, keys=keys, now=clock, record=record, show=show, on_phase=on_phase)
        cues.stop()
    if keep is not None:
        keep()
    console.print(summary(player, clock()))


@contextmanager
def _stop_signals_end_the_session() -> Iterator[None]:
    """A kill or a closed terminal ends the session like Ctrl-C: as a recorded quit."""

    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    previous = {sig: signal.signal(sig, interrupt) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def saving_notice(status: SavingStatus | None) -> str | None:
    """What to say while saving is delayed (None while it keeps up)."""
    if status is None or not status.delayed or status.fault is None:
        return None
    return messages.SAVING_DELAYED.format(cause=messages.SAVING_CAUSES[status.fault])


def summary(player: Player, now: float) -> str:
    """What is said when a session ends, by how it ended."""
    elapsed = clock_text(player.position_ms(now))
    if player.outcome == "pain_stop":
        return messages.PAIN_STOP
    if player.outcome == "completed":
        return messages.COMPLETED.format(elapsed=elapsed)
    return messages.QUIT.format(elapsed=elapsed)
