"""Spoken words for the track, from espeak-ng when it is installed.

espeak-ng writes a WAV file on stdout (22 050 Hz, 16-bit mono), read here and
resampled to the track's rate. Each phrase is made at a normal pace first and, when
it would run into the next cue, again a little faster: words are never cut into by
the next sound.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import wave
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

RATES_WPM = (165, 195, 230, 270)  # a calm pace first, faster only to fit
TIMEOUT_S = 20
Samples = npt.NDArray[np.float32]


class SpeechError(RuntimeError):
    """espeak-ng is there but did not give sound for a phrase."""


@dataclass(frozen=True)
class Voice:
    """espeak-ng found on PATH, with the version that goes into a track's cache key
    (another version may say a phrase differently)."""

    program: str
    version: str

    @classmethod
    def find(cls) -> Voice | None:
        program = shutil.which("espeak-ng")
        if program is None:
            return None
        try:
            done = subprocess.run(  # noqa: S603 - a fixed program and argument
                [program, "--version"], capture_output=True, timeout=TIMEOUT_S, check=True
            )
        except (OSError, subprocess.SubprocessError):
            return None
        return cls(program, done.stdout.decode("utf-8", "replace").strip())

    def say(self, text: str, rate: int, sample_rate: int) -> Samples:
        """``text`` spoken at ``rate`` words a minute, as float samples at ``sample_rate``."""
        try:
            done = subprocess.run(  # noqa: S603 - a fixed program, the text as one argument
                [self.program, "-v", "en", "-s", str(rate), "--stdout", "--", text],
                capture_output=True,
                timeout=TIMEOUT_S,
                check=True,
            )
            with wave.open(io.BytesIO(done.stdout)) as reader:
                rate_in = reader.getframerate()
                raw = reader.readframes(reader.getnframes())
        except (OSError, subprocess.SubprocessError, wave.Error, EOFError) as exc:
            raise SpeechError(f"espeak-ng gave no sound ({type(exc).__name__})") from None
        pcm = np.frombuffer(raw, dtype="<i2").astype(np.float32) / 32768.0
        return resample(trim_silence(pcm), rate_in, sample_rate)

    def fit(self, text: str, room: int, sample_rate: int) -> Samples:
        """The phrase at the calmest pace that fits in ``room`` samples; at the fastest
        pace, cut with a short fade if even that is too long."""
        spoken = np.zeros(0, dtype=np.float32)
        for rate in RATES_WPM:
            spoken = self.say(text, rate, sample_rate)
            if len(spoken) <= room:
                return spoken
        cut = spoken[: max(0, room)].copy()
        fade = min(len(cut), sample_rate // 20)
        if fade:
            cut[-fade:] *= np.linspace(1.0, 0.0, fade, dtype=np.float32)
        return cut


def trim_silence(pcm: Samples, floor: float = 0.01) -> Samples:
    """The phrase without the quiet espeak-ng leaves at its end (its start is kept, so
    the words begin where they are placed)."""
    loud = np.flatnonzero(np.abs(pcm) > floor)
    return pcm[: loud[-1] + 1] if len(loud) else pcm[:0]


def resample(pcm: Samples, rate_in: int, rate_out: int) -> Samples:
    """Linear resampling: plain and deterministic, good enough for a voice."""
    if rate_in == rate_out or len(pcm) == 0:
        return pcm.astype(np.float32)
    count = round(len(pcm) * rate_out / rate_in)
    positions = np.arange(count, dtype=np.float64) * (rate_in / rate_out)
    return np.interp(positions, np.arange(len(pcm)), pcm).astype(np.float32)
