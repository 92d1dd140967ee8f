"""A clinician's prescription, as data: which stretches, at what dose, how often, how
far progression may go, and what to do in a flare-up.

Written by a clinician in TOML (``easeback prescribe``), carried to the person as a
signed FHIR Bundle (prescribing/bundle.py), and validated by the same model at both
ends. Every dose stays inside the library's clinical bounds (``Stretch.clinical`` in
stretches.toml: the one table of doses); the article's ranges are the defaults.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import AfterValidator, Field, ValidationInfo, field_validator, model_validator
from pydantic_core import PydanticCustomError

from easeback.content.models import (
    DoseField,
    Library,
    Stretch,
    Strict,
    TimeOfDay,
    known_stretch,
    sides_of_dose,
)

SLOT_ORDER: tuple[TimeOfDay, ...] = ("morning", "daytime", "evening")
# Only the day's middle slot can be done sitting (morning and evening are lying down,
# just after waking and before bed).
SEATED_SLOTS: tuple[TimeOfDay, ...] = ("daytime",)
NOTE_LIMIT = 2000
# The version travels as a FHIR integer (signed 32-bit).
FHIR_INTEGER_MAX = 2**31 - 1


def _one_line(value: str) -> str:
    """Printable text on one line: no control or format characters (an escape code
    or a right-to-left override could rewrite what a terminal shows around it, such
    as the fingerprint a person checks)."""
    if not value.isprintable():
        raise PydanticCustomError(
            "not_printable", "must be plain text on one line (no control characters)"
        )
    return value


def _lines(value: str) -> str:
    """Printable text, on as many lines as it needs."""
    if not all(line.isprintable() for line in value.split("\n")):
        raise PydanticCustomError(
            "not_printable", "must be plain text (line breaks are fine; no control characters)"
        )
    return value


OneLine = Annotated[str, AfterValidator(_one_line)]
Lines = Annotated[str, AfterValidator(_lines)]
Text = Annotated[Lines, Field(min_length=1, max_length=NOTE_LIMIT)]
PATIENT_LIMIT = 200
Patient = Annotated[OneLine, Field(min_length=1, max_length=PATIENT_LIMIT)]


def _library(info: ValidationInfo) -> Library | None:
    context = info.context
    if isinstance(context, dict):
        lib = context.get("library")
        if isinstance(lib, Library):
            return lib
    return None


def default_slots(stretch: Stretch, times: int) -> tuple[TimeOfDay, ...]:
    """Where a stretch done ``times`` a day falls: once, in the morning (or the middle
    of the day for one done sitting); twice, first and last thing; three times, all
    three. The article's plan is this rule at the article's times a day."""
    if stretch.posture == "seated":
        return SEATED_SLOTS[:times]
    fewer: dict[int, tuple[TimeOfDay, ...]] = {1: ("morning",), 2: ("morning", "evening")}
    return fewer.get(times, SLOT_ORDER)


class Ceiling(Strict):
    """How far progression may take a stretch: the longest hold and most repetitions."""

    hold_s: int | None = Field(default=None, description="The longest hold, in seconds.")
    reps: int | None = Field(default=None, description="The most repetitions.")


class PrescribedStretch(Strict):
    """One stretch of the prescription with its starting dose and its progression."""

    id: str = Field(description="A stretch id from the library, e.g. 'knee-press'.")
    hold_s: int = Field(description="Seconds each hold lasts.")
    reps: int | None = Field(
        default=None, description="Repetitions; the article's starting count when left out."
    )
    times_per_day: int | None = Field(
        default=None,
        description="How many times a day (1 to 3); or give slots. The article's when "
        "neither is given.",
    )
    slots: list[TimeOfDay] | None = Field(
        default=None, description="Which of the day's slots: morning, daytime, evening."
    )
    sides: list[str] | None = Field(
        default=None,
        description="Only these steps, by side or direction (knee press: left, right, both; "
        "pelvic tilt: feet, head); all when left out.",
    )
    progression: bool = Field(
        default=True, description="Whether easeback may raise the dose after easy sessions."
    )
    ceiling: Ceiling | None = Field(
        default=None,
        description="How far progression may go; the article's top (or the starting dose, "
        "if higher) when left out.",
    )

    @field_validator("id")
    @classmethod
    def _known(cls, value: str, info: ValidationInfo) -> str:
        return known_stretch(value, info)

    @field_validator("sides")
    @classmethod
    def _sides(cls, value: list[str] | None, info: ValidationInfo) -> list[str] | None:
        return sides_of_dose(value, info)

    @field_validator("slots")
    @classmethod
    def _slots(cls, value: list[TimeOfDay] | None) -> list[TimeOfDay] | None:
        if value is not None:
            if not value:
                raise PydanticCustomError("no_slots", "give at least one slot, or leave slots out")
            if len(set(value)) != len(value):
                raise PydanticCustomError("slot_twice", "a slot is listed twice")
            value = sorted(value, key=SLOT_ORDER.index)
        return value

    @model_validator(mode="after")
    def _within_bounds(self, info: ValidationInfo) -> PrescribedStretch:
        lib = _library(info)
        stretch = lib.get(self.id) if lib is not None else None
        if stretch is None:
            return self
        check_dose(stretch, "hold_s", self.hold_s)
        if self.reps is not None:
            check_dose(stretch, "reps", self.reps, field="reps")
        if self.times_per_day is not None:
            check_dose(stretch, "times_per_day", self.times_per_day, field="times_per_day")
        if self.slots is not None:
            if self.times_per_day is not None and self.times_per_day != len(self.slots):
                raise PydanticCustomError(
                    "slots_mismatch",
                    "times_per_day is {times} but {count} slots are listed; give one of the two",
                    {"times": self.times_per_day, "count": len(self.slots), "field": "slots"},
                )
            check_dose(stretch, "times_per_day", len(self.slots), field="slots")
            if stretch.posture == "seated" and any(s not in SEATED_SLOTS for s in self.slots):
                raise PydanticCustomError(
                    "seated_slot",
                    "{sid} is done sitting, so only the daytime slot can hold it "
                    "(morning and evening are done lying down)",
                    {"sid": stretch.id, "field": "slots"},
                )
        if self.ceiling is not None:
            for name in ("hold_s", "reps"):
                top = getattr(self.ceiling, name)
                if top is None:
                    continue
                check_dose(stretch, name, top, field=f"ceiling.{name}")
                start = getattr(self, name) if name == "hold_s" else self.repetitions(stretch)
                if top < start:
                    raise PydanticCustomError(
                        "ceiling_below_start",
                        "the ceiling's {what} {top} is below the starting {start}; a ceiling "
                        "is the most progression may reach",
                        {
                            "what": "hold" if name == "hold_s" else "repetitions",
                            "top": top,
                            "start": start,
                            "field": f"ceiling.{name}",
                        },
                    )
        return self

    def repetitions(self, stretch: Stretch) -> int:
        """The starting repetitions: as written, else the article's starting count."""
        return self.reps if self.reps is not None else stretch.reps.min

    def day_slots(self, stretch: Stretch) -> tuple[TimeOfDay, ...]:
        """The slots this stretch is done in, each day."""
        if self.slots is not None:
            return tuple(self.slots)
        return default_slots(stretch, self.times_per_day or stretch.times_per_day.min)

    def top(self, stretch: Stretch) -> tuple[int, int]:
        """(hold, repetitions) progression may reach: the starting dose when it is off;
        else the ceiling, or the article's top (never below the starting dose)."""
        start = (self.hold_s, self.repetitions(stretch))
        if not self.progression:
            return start
        ceiling = self.ceiling or Ceiling()
        hold = ceiling.hold_s if ceiling.hold_s is not None else max(start[0], stretch.hold_s.max)
        reps = ceiling.reps if ceiling.reps is not None else max(start[1], stretch.reps.max)
        return hold, reps


def check_dose(stretch: Stretch, name: DoseField, value: int, *, field: str | None = None) -> None:
    """Refuse a value outside the stretch's clinical bounds, saying what is allowed."""
    allowed = stretch.clinical_range(name)
    if value in allowed:
        return
    what = {"hold_s": "hold", "reps": "repetitions", "times_per_day": "times a day"}[name]
    unit = " s" if name == "hold_s" else ""
    edge = "below" if value < allowed.min else "above"
    raise PydanticCustomError(
        "outside_clinical_bounds",
        "{what} {value}{unit} is {edge} the clinical bounds for {sid}: {lo} to {hi}{unit} "
        "(the article's range is {article}{unit})",
        {
            "what": what,
            "value": value,
            "unit": unit,
            "edge": edge,
            "sid": stretch.id,
            "lo": allowed.min,
            "hi": allowed.max,
            "article": stretch.article(name).text(),
            "field": field or name,
        },
    )


class FlareDose(Strict):
    """A stretch of the flare-up plan, at an easier dose."""

    id: str = Field(description="A stretch of the prescription.")
    hold_s: int = Field(description="Seconds each hold lasts, no more than prescribed.")
    reps: int | None = Field(
        default=None,
        description="Repetitions, no more than prescribed (as prescribed when left out).",
    )


class FlareUp(Strict):
    """What to do when the back flares up: easier doses (or fewer stretches) for a set
    number of days, what to do meanwhile and when to get in touch."""

    days: int = Field(ge=1, le=14, description="How many days the easier plan lasts.")
    advice: Text = Field(description="What to do meanwhile, in the clinician's words.")
    contact: Text = Field(description="When to get in touch, and how.")
    stretches: list[FlareDose] = Field(
        min_length=1, description="The stretches to keep doing, at easier doses."
    )


class Prescription(Strict):
    """The whole prescription, as a clinician writes it."""

    version: int = Field(
        ge=1, le=FHIR_INTEGER_MAX, description="Raise it with each new prescription you give."
    )
    start: date = Field(description="The first day, e.g. 2026-12-01.")
    end: date | None = Field(default=None, description="The last day; none for no end.")
    note: Lines = Field(default="", max_length=NOTE_LIMIT, description="A note to the person.")
    stretches: list[PrescribedStretch] = Field(min_length=1)
    flare_up: FlareUp | None = Field(default=None, description="The plan for a flare-up.")

    @model_validator(mode="after")
    def _consistent(self, info: ValidationInfo) -> Prescription:
        seen: dict[str, PrescribedStretch] = {}
        for index, item in enumerate(self.stretches):
            if item.id in seen:
                raise PydanticCustomError(
                    "duplicate_stretch",
                    "stretch '{value}' is listed twice; list each stretch once",
                    {"value": item.id, "index": index},
                )
            seen[item.id] = item
        if self.end is not None and self.end < self.start:
            raise PydanticCustomError(
                "end_before_start",
                "the end ({end}) is before the start ({start})",
                {"end": self.end.isoformat(), "start": self.start.isoformat(), "field": "end"},
            )
        lib = _library(info)
        if self.flare_up is None or lib is None:
            return self
        flare_seen: set[str] = set()
        for index, dose in enumerate(self.flare_up.stretches):
            where = {"list": "flare_up.stretches", "index": index}
            given = seen.get(dose.id)
            if given is None:
                raise PydanticCustomError(
                    "flare_not_prescribed",
                    "'{value}' is not one of the prescription's stretches ({known}); a "
                    "flare-up plan keeps some of them, at easier doses",
                    {"value": dose.id, "known": ", ".join(seen), **where},
                )
            if dose.id in flare_seen:
                raise PydanticCustomError(
                    "duplicate_stretch",
                    "stretch '{value}' is listed twice; list each stretch once",
                    {"value": dose.id, **where},
                )
            flare_seen.add(dose.id)
            stretch = lib.stretch(dose.id)  # one of the prescription's, already checked
            # Left out, the flare-up's repetitions are the prescribed ones.
            reps = dose.reps if dose.reps is not None else given.repetitions(stretch)
            for name, value, most in (
                ("hold_s", dose.hold_s, given.hold_s),
                ("reps", reps, given.repetitions(stretch)),
            ):
                try:
                    check_dose(stretch, name, value)  # type: ignore[arg-type]
                except PydanticCustomError as exc:
                    raise PydanticCustomError(
                        exc.type, exc.message_template, {**(exc.context or {}), **where}
                    ) from None
                if value > most:
                    raise PydanticCustomError(
                        "flare_harder",
                        "the flare-up {what} {value} is more than the prescribed {most}; a "
                        "flare-up plan is easier, never harder",
                        {
                            "what": "hold" if name == "hold_s" else "repetitions",
                            "value": value,
                            "most": most,
                            **where,
                            "field": name,
                        },
                    )
        return self

    def get(self, stretch_id: str) -> PrescribedStretch | None:
        return next((s for s in self.stretches if s.id == stretch_id), None)


class Clinician(Strict):
    """Who prescribes: shown to the person, and on every sheet and report."""

    name: OneLine = Field(min_length=1, max_length=120)
    role: OneLine = Field(min_length=1, max_length=80, description="e.g. Physiotherapist")
    organisation: OneLine = Field(min_length=1, max_length=120)
    contact: OneLine = Field(min_length=1, max_length=200, description="A phone or an email.")


def patient_name(value: object) -> str:
    """The name a prescription is for, checked (1 to 200 printable characters on one
    line); ValueError otherwise."""
    from pydantic import TypeAdapter, ValidationError

    try:
        return TypeAdapter(Patient).validate_python(value, strict=True)
    except ValidationError:
        raise ValueError(
            f"the name must be plain text on one line, 1 to {PATIENT_LIMIT} characters"
        ) from None
