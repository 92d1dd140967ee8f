"""Pydantic models for the stretch library and for routines.

The library is data (``stretches.toml``); these models are its contract. They are
strict (unknown keys are errors) because a typo in a dose must never be silently
ignored: a person lying on a mat trusts that "hold 15 s" means 15 s.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator
from pydantic_core import PydanticCustomError

Side = Literal["left", "right", "both"]
Direction = Literal["feet", "head"]
TimeOfDay = Literal["morning", "daytime", "evening"]
Equipment = Literal["floor", "bed", "yoga mat", "armless chair", "stool", "ottoman"]
Posture = Literal["lying", "seated"]
# Where a routine is meant to be done: "seated" (at a desk, on a chair) holds only
# stretches done sitting; "lying" only those done lying down; "any" holds any.
Place = Literal["any", "lying", "seated"]
Slug = Annotated[str, Field(pattern=r"^[a-z][a-z0-9-]{0,39}$")]


POSTURE_WORDS = {"lying": "lying down", "seated": "sitting"}


class Strict(BaseModel):
    """Base for every content model: frozen, and unknown keys are errors."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class Range(Strict):
    """An inclusive whole-number range, such as the seed's "15 to 20 seconds"."""

    min: int = Field(ge=0)
    max: int = Field(ge=0)

    @model_validator(mode="after")
    def _ordered(self) -> Range:
        if self.min > self.max:
            raise ValueError(f"min {self.min} is above max {self.max}")
        return self

    def __contains__(self, value: object) -> bool:
        return isinstance(value, int) and self.min <= value <= self.max

    def text(self) -> str:
        """'15-20' or '10' when both ends are the same."""
        return str(self.min) if self.min == self.max else f"{self.min}-{self.max}"


DoseField = Literal["hold_s", "reps", "times_per_day"]
DOSE_FIELDS: tuple[DoseField, ...] = ("hold_s", "reps", "times_per_day")


class Limits(Strict):
    """How far a clinician's prescription may take a stretch's dose."""

    hold_s: Range
    reps: Range
    times_per_day: Range


class Step(Strict):
    """The words said and shown during one hold of a stretch."""

    side: Side | None = None
    direction: Direction | None = None
    hold: str = Field(min_length=1, description="Said as the hold begins.")
    release: str = Field(min_length=1, description="Said as the hold ends.")


class Stretch(Strict):
    """One stretch of the library with every number the seed gives for it."""

    id: Slug
    name: str = Field(min_length=1)
    summary: str = Field(min_length=1, description="One line shown while playing.")
    position: str = Field(min_length=1)
    posture: Posture = Field(description="Done lying down or sitting: where it can be done.")
    equipment: list[Equipment] = Field(min_length=1)
    get_ready: str = Field(min_length=1, description="Said while getting into position.")
    instructions: list[str] = Field(min_length=1)
    hold_s: Range
    reps: Range = Field(description="Repetitions of the whole sequence of steps.")
    steps: list[Step] = Field(
        min_length=1, description="One hold per step, in order, for every repetition."
    )
    times_of_day: list[TimeOfDay]
    times_per_day: Range
    when: str = Field(min_length=1, description="The seed's timing, in our words.")
    cautions: list[str] = Field(min_length=1)
    clinical: Limits = Field(description="The clinical bounds a prescription stays inside.")

    @model_validator(mode="after")
    def _article_inside_clinical(self) -> Stretch:
        for name in DOSE_FIELDS:
            article, clinical = self.article(name), self.clinical_range(name)
            if article.min < clinical.min or article.max > clinical.max:
                raise ValueError(
                    f"{self.id}: the article's {name} {article.text()} is outside the "
                    f"clinical bounds {clinical.text()}"
                )
        return self

    def article(self, name: DoseField) -> Range:
        """The article's range for one part of the dose (routines and the article's
        progression stay inside it)."""
        value: Range = getattr(self, name)
        return value

    def clinical_range(self, name: DoseField) -> Range:
        """The clinical bounds for one part of the dose (a prescription stays inside)."""
        value: Range = getattr(self.clinical, name)
        return value

    @property
    def step_keys(self) -> list[str]:
        """Each step's side or direction, in order: what a dose's ``sides`` picks from."""
        return [s.side or s.direction or "" for s in self.steps]

    @property
    def sides(self) -> list[Side]:
        """The sides in the order they are held (empty for a stretch with no sides)."""
        return [s.side for s in self.steps if s.side is not None]


class Library(Strict):
    """The whole stretch library, keyed by id in file order."""

    version: int = Field(ge=1)
    stretches: list[Stretch] = Field(min_length=1)

    @field_validator("stretches")
    @classmethod
    def _unique_ids(cls, stretches: list[Stretch]) -> list[Stretch]:
        seen: set[str] = set()
        for s in stretches:
            if s.id in seen:
                raise ValueError(f"stretch id {s.id!r} appears twice")
            seen.add(s.id)
        return stretches

    def get(self, stretch_id: str) -> Stretch | None:
        return next((s for s in self.stretches if s.id == stretch_id), None)

    def stretch(self, stretch_id: str) -> Stretch:
        """A stretch known to be in the library (already validated); KeyError if not."""
        found = self.get(stretch_id)
        if found is None:
            raise KeyError(stretch_id)
        return found

    @property
    def ids(self) -> list[str]:
        return [s.id for s in self.stretches]


def _library(info: ValidationInfo) -> Library | None:
    context = info.context
    if isinstance(context, dict):
        lib = context.get("library")
        if isinstance(lib, Library):
            return lib
    return None


def known_stretch(value: str, info: ValidationInfo) -> str:
    """A stretch id the library (given as validation context) knows, or a problem that
    lists the ids it does know."""
    lib = _library(info)
    if lib is not None and lib.get(value) is None:
        raise PydanticCustomError(
            "unknown_stretch",
            "unknown stretch '{value}'; known stretches: {known}",
            {"value": value, "known": ", ".join(lib.ids)},
        )
    return value


class Dose(Strict):
    """One stretch in a routine, with the chosen hold and repetitions."""

    id: str = Field(description="A stretch id from the library, e.g. 'knee-press'.")
    hold_s: int = Field(description="Seconds each hold lasts, inside the stretch's range.")
    reps: int | None = Field(
        default=None,
        description="Repetitions (per side where the stretch has sides); "
        "the stretch's lowest allowed count when left out.",
    )

    @field_validator("id")
    @classmethod
    def _known(cls, value: str, info: ValidationInfo) -> str:
        return known_stretch(value, info)

    @field_validator("hold_s", "reps")
    @classmethod
    def _in_range(cls, value: int | None, info: ValidationInfo) -> int | None:
        lib = _library(info)
        stretch = lib.get(info.data.get("id", "")) if lib is not None else None
        if stretch is None or value is None:
            return value
        # A routine a person writes keeps to the article's ranges; one made from a
        # clinician's prescription (context "bounds": "clinical") to the clinical ones.
        clinical = isinstance(info.context, dict) and info.context.get("bounds") == "clinical"
        if info.field_name == "hold_s":
            allowed = stretch.clinical.hold_s if clinical else stretch.hold_s
            _check("hold", value, allowed, stretch.id, "s")
        else:
            allowed = stretch.clinical.reps if clinical else stretch.reps
            _check("repetitions", value, allowed, stretch.id, "")
        return value

    sides: list[str] | None = Field(
        default=None,
        description="Only these of the stretch's steps, by side or direction (e.g. "
        "['left', 'right'] for the knee press without both knees); all when left out.",
    )

    @field_validator("sides")
    @classmethod
    def _sides(cls, value: list[str] | None, info: ValidationInfo) -> list[str] | None:
        return sides_of_dose(value, info)

    def repetitions(self, stretch: Stretch) -> int:
        return self.reps if self.reps is not None else stretch.reps.min

    def steps(self, stretch: Stretch) -> list[Step]:
        """The stretch's steps this dose does, in the stretch's order."""
        return [
            step
            for step, key in zip(stretch.steps, stretch.step_keys, strict=True)
            if self.sides is None or key in self.sides
        ]


def sides_of_dose(value: list[str] | None, info: ValidationInfo) -> list[str] | None:
    """A dose's ``sides`` (in a routine or a prescription), checked against its stretch
    in the library given as validation context."""
    lib = _library(info)
    stretch = lib.get(info.data.get("id", "")) if lib is not None else None
    return chosen_sides(stretch, value)


def chosen_sides(stretch: Stretch | None, value: list[str] | None) -> list[str] | None:
    """A choice of a stretch's steps by side or direction, checked and put in the
    stretch's order: none missing, none twice, at least one."""
    if value is None or stretch is None:
        return value
    keys = stretch.step_keys
    unknown = [v for v in value if v not in keys]
    if unknown or not value or len(set(value)) != len(value):
        raise PydanticCustomError(
            "wrong_sides",
            "sides of {sid} are {keys}: give one or more of them, each once "
            "(or leave sides out for all)",
            {"sid": stretch.id, "keys": ", ".join(keys)},
        )
    return [key for key in keys if key in value]


def _check(what: str, value: int, allowed: Range, stretch_id: str, unit: str) -> None:
    u = f" {unit}" if unit else ""
    if value < allowed.min:
        raise PydanticCustomError(
            "below_range",
            "{what} {value}{u} is below {sid}'s {lo}{u} (allowed {rng}{u})",
            {
                "what": what,
                "value": value,
                "u": u,
                "sid": stretch_id,
                "lo": allowed.min,
                "rng": allowed.text(),
            },
        )
    if value > allowed.max:
        raise PydanticCustomError(
            "above_range",
            "{what} {value}{u} is above {sid}'s {hi}{u} (allowed {rng}{u})",
            {
                "what": what,
                "value": value,
                "u": u,
                "sid": stretch_id,
                "hi": allowed.max,
                "rng": allowed.text(),
            },
        )


class Routine(Strict):
    """An ordered list of stretches with doses, plus the pauses between holds."""

    name: str = Field(min_length=1, max_length=60, description="Short name, e.g. 'morning'.")
    title: str | None = Field(default=None, max_length=120, description="Shown to the person.")
    place: Place = Field(
        default="any",
        description="Where the routine is done: 'seated' (on a chair, e.g. at a desk) "
        "allows only stretches done sitting, 'lying' only those done lying down.",
    )
    prepare_s: int = Field(default=10, ge=3, le=60, description="Get-ready time before a stretch.")
    release_s: int = Field(default=4, ge=2, le=30, description="Relax time after a hold.")
    switch_s: int = Field(default=5, ge=2, le=30, description="Time to change sides.")
    rest_s: int = Field(default=10, ge=0, le=120, description="Rest between two stretches.")
    stretches: list[Dose] = Field(min_length=1, description="The stretches, in the order done.")

    @field_validator("stretches")
    @classmethod
    def _each_once(cls, doses: list[Dose]) -> list[Dose]:
        seen: set[str] = set()
        for index, dose in enumerate(doses):
            if dose.id in seen:
                raise PydanticCustomError(
                    "duplicate_stretch",
                    "stretch '{value}' is listed twice; list each stretch once "
                    "and set its reps instead",
                    {"value": dose.id, "index": index},
                )
            seen.add(dose.id)
        return doses

    @model_validator(mode="after")
    def _fits_place(self, info: ValidationInfo) -> Routine:
        lib = _library(info)
        if lib is None or self.place == "any":
            return self
        for index, dose in enumerate(self.stretches):
            stretch = lib.get(dose.id)
            if stretch is not None and stretch.posture != self.place:
                fitting = [s.id for s in lib.stretches if s.posture == self.place]
                raise PydanticCustomError(
                    "wrong_place",
                    "{value} is done {posture}; a routine with place = '{place}' holds only "
                    "stretches done {wanted}: {fitting}",
                    {
                        "value": dose.id,
                        "posture": POSTURE_WORDS[stretch.posture],
                        "place": self.place,
                        "wanted": POSTURE_WORDS[self.place],
                        "fitting": ", ".join(fitting),
                        "index": index,
                    },
                )
        return self

    @property
    def display_title(self) -> str:
        return self.title or self.name
