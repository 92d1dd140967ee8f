"""Pydantic models for the pictures: each stretch drawn from poses, not from files.

A pose is the body's named joints as 2-D points in one view of the body. A step of a
stretch has a start pose and a hold pose, so a picture can show both, move from one
to the other in the player, and a test can tell which limb moves (the left knee for
"left", never the whole figure turned round). The data is ``poses.toml``; the one
function that draws it is ``easeback.pictures.draw``.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

# The joints every pose names. Sided joints are the person's own left and right, so
# "left_knee" is the left knee whichever way the picture looks at the body.
TRUNK = ("head", "neck", "back", "pelvis")
SIDED = ("shoulder", "elbow", "hand", "hip", "knee", "heel", "toe")
JOINTS: tuple[str, ...] = TRUNK + tuple(f"{s}_{j}" for s in ("left", "right") for j in SIDED)

# How the picture looks at the body: from the side (lying on the back, head to the
# left, the right side nearest), from above (lying on the back, head to the left, the
# person's left at the top) or from the front (sitting, facing us).
View = Literal["side", "above", "front"]
Point = Annotated[list[float], Field(min_length=2, max_length=2)]
Pose = dict[str, Point]
Part = Literal[
    "head", "trunk", "shoulders", "hips", "left_arm", "right_arm", "left_leg", "right_leg"
]

WIDTH, HEIGHT = 240, 160  # every picture's drawing space (its viewBox)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


def _unknown_joints(pose: Pose) -> list[str]:
    return [name for name in pose if name not in JOINTS]


def _outside(pose: Pose) -> list[str]:
    return [n for n, (x, y) in pose.items() if not (0 <= x <= WIDTH and 0 <= y <= HEIGHT)]


class Arrow(Strict):
    """The direction of a movement: from one point to another, bowed to one side by
    ``bend`` (a fraction of its length; negative bows the other way)."""

    start: Point = Field(alias="from")
    end: Point = Field(alias="to")
    bend: float = Field(default=0.0, ge=-1, le=1)


class StepPicture(Strict):
    """The pictures of one step: where it starts, where the hold is, the arrow between
    and the large word that names the side or direction."""

    key: str = Field(description="The step's side or direction, as in stretches.toml.")
    label: str = Field(min_length=1, max_length=14, pattern=r"^[A-Z ]+$")
    start: Pose = Field(
        default_factory=dict,
        description="Joints that differ from the "
        "stretch's start pose, where this step starts (often none).",
    )
    start_alt: str | None = Field(default=None, description="When the step starts elsewhere.")
    hold: Pose = Field(min_length=1, description="The joints that move, where they are held.")
    hold_alt: str = Field(min_length=1)
    arrow: Arrow
    moves: list[Part] | None = Field(
        default=None,
        description="The parts drawn as moving (the ones that do the stretch); "
        "every part with a joint that moves when left out.",
    )
    label_at: Point | None = Field(
        default=None, description="Where the label's middle sits; top right when left out."
    )

    @model_validator(mode="after")
    def _known(self) -> StepPicture:
        for which in ("start", "hold"):
            pose: Pose = getattr(self, which)
            if bad := _unknown_joints(pose):
                raise ValueError(f"{which}: unknown joints {bad}; joints are {list(JOINTS)}")
            if bad := _outside(pose):
                raise ValueError(f"{which}: {bad} outside the {WIDTH}x{HEIGHT} drawing")
        return self


class StretchPictures(Strict):
    """A stretch's start pose, the view it is drawn in, and one entry per step."""

    stretch: str
    view: View
    start: Pose
    alt: str = Field(min_length=1, description="What the start picture shows.")
    steps: list[StepPicture] = Field(min_length=1)

    @model_validator(mode="after")
    def _whole(self) -> StretchPictures:
        missing = [j for j in JOINTS if j not in self.start]
        if missing:
            raise ValueError(f"{self.stretch}: the start pose lacks {missing}")
        if bad := _unknown_joints(self.start):
            raise ValueError(f"{self.stretch}: unknown joints {bad}")
        if bad := _outside(self.start):
            raise ValueError(f"{self.stretch}: {bad} outside the {WIDTH}x{HEIGHT} drawing")
        return self

    def step(self, key: str) -> StepPicture:
        """The step of this side or direction; KeyError when there is none."""
        found = next((s for s in self.steps if s.key == key), None)
        if found is None:
            raise KeyError(key)
        return found

    def start_of(self, step: StepPicture) -> Pose:
        """The whole pose where a step starts."""
        return {**self.start, **step.start}

    def hold_of(self, step: StepPicture) -> Pose:
        """The whole pose of a step's hold."""
        return {**self.start, **step.start, **step.hold}

    def start_alt_of(self, step: StepPicture) -> str:
        return step.start_alt or self.alt


class Pictures(Strict):
    """Every stretch's pictures, checked against the library when loaded."""

    version: int = Field(ge=1)
    pictures: list[StretchPictures] = Field(min_length=1)

    def of(self, stretch_id: str) -> StretchPictures:
        found = next((p for p in self.pictures if p.stretch == stretch_id), None)
        if found is None:
            raise KeyError(stretch_id)
        return found
