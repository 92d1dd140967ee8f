"""Sound at each phase change: the terminal bell, and spoken words with espeak-ng.

Speech runs in its own process and is never waited for, so it cannot delay the timer;
a cue still speaking when the next one arrives is cut short.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable

from easeback.core.timeline import Phase


class Cues:
    def __init__(self, bell: Callable[[], None], voice: bool) -> None:
        self._bell = bell
        self._espeak = shutil.which("espeak-ng") if voice else None
        self._speaking: subprocess.Popen[bytes] | None = None
        self.voice_missing = voice and self._espeak is None

    def phase(self, phase: Phase) -> None:
        self._bell()
        if self._espeak and phase.say:
            self.say(phase.say)

    def say(self, text: str) -> None:
        if self._espeak is None:
            return
        self.stop()
        self._speaking = subprocess.Popen(  # noqa: S603 - fixed program, text as one argument
            [self._espeak, "--", text],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def stop(self) -> None:
        if self._speaking is not None and self._speaking.poll() is None:
            self._speaking.terminate()
        self._speaking = None
