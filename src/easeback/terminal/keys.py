"""Reading single keys without Enter, with a deadline: the only place the terminal
player waits. Waiting on ``select`` with a timeout computed from the player's next
deadline means a key is handled at once and a phase change is never late by more
than the operating system's wake-up time."""

from __future__ import annotations

import os
import re
import select
import signal
import sys
import termios
import time
import tty
from collections.abc import Iterator
from contextlib import contextmanager
from types import TracebackType
from typing import Any, Protocol

# Ctrl-C, a kill, a closed terminal: each ends a session as "quit".
STOP_SIGNALS = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP}


@contextmanager
def signals_held() -> Iterator[None]:
    """Hold stop signals back: inside, a signal waits instead of interrupting.

    The session loop runs inside this, and only the key wait lets signals through,
    so Ctrl-C can never land between playing a phase and saving it.
    """
    old = signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


@contextmanager
def _signals_let_through() -> Iterator[None]:
    old = signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


ACTIONS = {
    " ": "toggle",
    "n": "skip",
    "N": "skip",
    "q": "quit",
    "Q": "quit",
    "p": "pain",
    "P": "pain",
    "\x1b": "pain",
}

# Arrow and function keys arrive as escape sequences; they are not a lone Escape.
_SEQUENCE = re.compile(r"\x1b(\[[0-9;?]*[ -/]*[@-~]|O.)")


def actions(typed: str) -> list[str]:
    """The actions in what was typed since the last read, in order.

    A pain key anywhere wins over everything else typed with it: it must never be
    lost behind another key pressed in the same instant.
    """
    found = [ACTIONS[ch] for ch in _SEQUENCE.sub("", typed) if ch in ACTIONS]
    return ["pain"] if "pain" in found else found


class KeySource(Protocol):
    def read(self, timeout: float | None) -> str | None:
        """What was typed within ``timeout`` seconds (None waits forever), or None;
        it may hold several keys."""


def open_keyboard() -> int | None:
    """A file descriptor to read keys from: standard input when it is a terminal,
    else the controlling terminal (/dev/tty), else None (no keyboard at all)."""
    if sys.stdin.isatty():
        return sys.stdin.fileno()
    try:
        return os.open("/dev/tty", os.O_RDONLY | os.O_NOCTTY)
    except OSError:
        return None


class TerminalKeys:
    """Keys from a terminal in cbreak mode: no Enter needed, Ctrl-C still interrupts,
    and flow control off so Ctrl-S cannot freeze the screen (and the pain key)."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self._saved: list[Any] | None = None

    def __enter__(self) -> TerminalKeys:
        self._saved = termios.tcgetattr(self.fd)
        tty.setcbreak(self.fd)
        attrs = termios.tcgetattr(self.fd)
        attrs[0] &= ~termios.IXON
        termios.tcsetattr(self.fd, termios.TCSANOW, attrs)
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._saved is not None:
            termios.tcsetattr(self.fd, termios.TCSADRAIN, self._saved)

    def read(self, timeout: float | None) -> str | None:
        with _signals_let_through():
            ready, _, _ = select.select([self.fd], [], [], timeout)
        if not ready:
            return None
        data = os.read(self.fd, 1024).decode("utf-8", "replace")
        return data or None


class NoKeys:
    """For output that is not a terminal: nothing to read, just wait."""

    def read(self, timeout: float | None) -> str | None:
        if timeout is None:
            raise RuntimeError("a paused session needs a keyboard to resume")
        with _signals_let_through():
            time.sleep(timeout)
        return None
