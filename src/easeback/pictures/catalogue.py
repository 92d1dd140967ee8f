"""Every picture of the library by name: a stretch's start, and each step's start,
hold and the move from one to the other (for the player).

Names are ``<stretch>/start`` and ``<stretch>/<step>-start``, ``-hold`` or ``-move``,
where ``<step>`` is the step's side or direction as in stretches.toml, and
``<stretch>/thumb``: the first step's hold without its label, for the small pictures
in lists (the start positions of the lying stretches look alike; their holds do not).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Literal

from easeback.content.library import load_pictures
from easeback.content.poses import Pictures, StretchPictures
from easeback.pictures.draw import draw, moving_parts

Which = Literal["start", "hold", "move", "thumb"]
WHICH: tuple[Which, ...] = ("start", "hold", "move")


@dataclass(frozen=True)
class Picture:
    """One picture: its name, its words for screen readers, and how to draw it."""

    name: str
    alt: str
    stretch: StretchPictures
    step: str | None = None
    which: Which = "start"

    def svg(self, *, ident: str | None = None, width: int = 240, height: int = 160) -> str:
        """The picture as SVG; ``ident`` keeps ids unique where a page has several."""
        ident = ident or "pic-" + self.name.replace("/", "-")
        pics = self.stretch
        if self.step is None:
            return draw(
                pics.view, pics.start, title=self.alt, ident=ident, width=width, height=height
            )
        step = pics.step(self.step)
        start, hold = pics.start_of(step), pics.hold_of(step)
        moving = frozenset(step.moves) if step.moves else moving_parts(start, hold)
        return draw(
            pics.view,
            hold if self.which in ("hold", "thumb") else start,
            hold=hold if self.which == "move" else None,
            title=self.alt,
            ident=ident,
            moving=moving,
            arrow=step.arrow,
            label=None if self.which == "thumb" else step.label,
            label_at=step.label_at,
            width=width,
            height=height,
        )


def _pictures_of(pics: StretchPictures) -> list[Picture]:
    first = pics.steps[0]
    found = [
        Picture(f"{pics.stretch}/start", pics.alt, pics),
        Picture(f"{pics.stretch}/thumb", first.hold_alt, pics, first.key, "thumb"),
    ]
    for step in pics.steps:
        alts = {"start": pics.start_alt_of(step), "hold": step.hold_alt, "move": step.hold_alt}
        found += [
            Picture(f"{pics.stretch}/{step.key}-{which}", alts[which], pics, step.key, which)
            for which in WHICH
        ]
    return found


@cache
def catalogue() -> dict[str, Picture]:
    """Every picture by name, in the library's order."""
    pictures: Pictures = load_pictures()
    return {p.name: p for pics in pictures.pictures for p in _pictures_of(pics)}


def start_picture(stretch_id: str) -> Picture:
    return catalogue()[f"{stretch_id}/start"]


def step_picture(stretch_id: str, step: str, which: Which) -> Picture:
    return catalogue()[f"{stretch_id}/{step}-{which}"]


@cache
def rendered(name: str) -> str:
    """A picture's SVG with its default size and ids, made once per process."""
    return catalogue()[name].svg()


def sheet_pictures(stretch_id: str) -> list[Picture]:
    """The two pictures a printed sheet gives a stretch: where the first step starts
    and its hold or, for a stretch done in two directions (the pelvic tilt), the hold
    each way, which is what tells them apart."""
    pics = catalogue()
    steps = load_pictures().of(stretch_id).steps
    if len(steps) >= 2 and not {s.key for s in steps} & {"left", "right", "both"}:
        return [pics[f"{stretch_id}/{s.key}-hold"] for s in steps[:2]]
    first = steps[0].key
    return [pics[f"{stretch_id}/{first}-start"], pics[f"{stretch_id}/{first}-hold"]]
