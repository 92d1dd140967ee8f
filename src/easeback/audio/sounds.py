"""The cue sounds, read from the one file the browser's cues read too
(web/static/js/cue-sounds.json), so a beep in the page and in the track agree."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib.resources import files


@dataclass(frozen=True)
class CueSounds:
    pitch_hz: dict[str, float]  # phase kind -> pitch of its beep
    beep_s: float  # how long a beep sounds
    tick_hz: float  # the ticks of a hold's last seconds
    tick_s: float
    ticks: int  # how many of the last seconds of a hold tick

    def pitch(self, kind: str) -> float:
        return self.pitch_hz.get(kind, 660.0)


@cache
def cue_sounds() -> CueSounds:
    text = files("easeback.web").joinpath("static/js/cue-sounds.json").read_text("utf-8")
    data = json.loads(text)
    return CueSounds(
        pitch_hz={str(k): float(v) for k, v in data["pitch_hz"].items()},
        beep_s=float(data["beep_s"]),
        tick_hz=float(data["tick_hz"]),
        tick_s=float(data["tick_s"]),
        ticks=int(data["ticks"]),
    )
