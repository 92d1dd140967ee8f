"""The cue sounds, read from the one file that holds them (web/static/js/cue-sounds.json):
the track mixes them, and the player page is given them (a data attribute), so a beep
in the page and in the track agree. The rule of where a hold's ticks fall is here too,
so the track and the page (sent each hold's ticks) follow one rule."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Any


@dataclass(frozen=True)
class CueSounds:
    pitch_hz: dict[str, float]  # phase kind -> pitch of its beep
    beep_s: float  # how long a beep sounds
    tick_hz: float  # the ticks of a hold's last seconds
    tick_s: float
    ticks: int  # how many of the last seconds of a hold tick

    def pitch(self, kind: str) -> float:
        return self.pitch_hz.get(kind, 660.0)


def cue_sounds_data() -> dict[str, Any]:
    """The file as it stands, for the player page (which reads it from #player)."""
    text = files("easeback.web").joinpath("static/js/cue-sounds.json").read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


@cache
def cue_sounds() -> CueSounds:
    data = cue_sounds_data()
    return CueSounds(
        pitch_hz={str(k): float(v) for k, v in data["pitch_hz"].items()},
        beep_s=float(data["beep_s"]),
        tick_hz=float(data["tick_hz"]),
        tick_s=float(data["tick_s"]),
        ticks=int(data["ticks"]),
    )


def tick_starts_ms(start_ms: int, end_ms: int) -> list[int]:
    """Where the ticks of a hold's last seconds fall (ms of the timeline): one second
    apart, the last one second before the hold ends, none on top of the hold's own beep."""
    sounds = cue_sounds()
    first_free = start_ms + sounds.beep_s * 1000 + 200
    starts = [end_ms - k * 1000 for k in range(sounds.ticks, 0, -1)]
    return [at for at in starts if at >= first_free]
