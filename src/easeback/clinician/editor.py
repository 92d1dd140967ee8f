"""The prescription editor: a form's fields to a Prescription, each problem beside its
field, and publishing it into the patient's store.

The rules are the prescription's own (content/prescription.py, with the library's one
table of clinical bounds): the form only turns text into the model's fields and the
model's refusals back into words beside the field they are about.

Publishing signs the prescription with the clinic's key and gives the signed file to
the same use-cases the person's import runs (``open_prescription`` then ``follow``):
the patient's store records it exactly as an imported file, trusted, so their Today,
player and phone follow the new version from their next request. The clinic's key is
derived from the server's secret (every app server of the clinic signs alike, and
nothing more is kept); its fingerprint names the clinic, not one clinician.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from joserfc.jwk import OKPKey
from pydantic import ValidationError
from sqlalchemy import Engine

from easeback.content.library import load_library
from easeback.content.models import Library, Stretch
from easeback.content.prescription import Clinician, Prescription
from easeback.prescribing.bundle import Issued
from easeback.prescribing.signature import fingerprint
from easeback.prescribing.signed import make_file
from easeback.server.accounts import Account
from easeback.store.prescriptions import current
from easeback.usecases.prescription import PrescriptionProblem, follow, open_prescription

KEY_INFO = b"easeback clinic prescription signing key, v1"
NUMBERS = {
    "hold_s": "a whole number of seconds",
    "reps": "a whole number of repetitions",
    "times": "how many times a day, as a whole number",
    "ceiling_hold": "a whole number of seconds",
    "ceiling_reps": "a whole number of repetitions",
    "flare_hold": "a whole number of seconds",
    "flare_reps": "a whole number of repetitions",
}
# A model error's "field" -> the form's name for it.
# What each free field of the form holds, for refusals in our words (the model's own
# say "Value should have at least 1 item after validation").
TEXT_FIELDS = {
    "flare-days": ("how many days the easier plan lasts", "Give"),
    "flare-advice": ("what to do meanwhile", "Write"),
    "flare-contact": ("when to get in touch, and how", "Write"),
    "note": ("the note", "Write"),
}
FLARE_DAYS = (1, 14)

FIELD_OF = {
    "hold_s": "hold_s",
    "reps": "reps",
    "times_per_day": "times",
    "slots": "times",
    "ceiling.hold_s": "ceiling_hold",
    "ceiling.reps": "ceiling_reps",
}


def clinic_key(secret: str) -> OKPKey:
    """The clinic's Ed25519 signing key, the same on every app server with this secret."""
    seed = hmac.new(secret.encode(), KEY_INFO, hashlib.sha256).digest()
    public = (
        Ed25519PrivateKey.from_private_bytes(seed)
        .public_key()
        .public_bytes(Encoding.Raw, PublicFormat.Raw)
    )

    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    return OKPKey.import_key({"kty": "OKP", "crv": "Ed25519", "d": b64(seed), "x": b64(public)})


@dataclass
class Form:
    """What the editor shows: the values as typed, and the problems by field."""

    values: dict[str, str]
    errors: dict[str, str]


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def current_values(engine: Engine, library: Library, today: date) -> dict[str, str]:
    """The form filled with the prescription followed now, else the article's starting
    doses for every stretch (on, progression allowed)."""
    followed = current(engine)
    values: dict[str, str] = {"start": today.isoformat(), "end": "", "note": ""}
    plan: Mapping[str, Any] = followed.plan if followed is not None else {}
    given = {item["id"]: item for item in plan.get("stretches", [])}
    flare = plan.get("flare_up") or {}
    flared = {item["id"]: item for item in flare.get("stretches", [])}
    values.update(
        {
            "note": plan.get("note", "") or "",
            "flare-days": str(flare.get("days", "")),
            "flare-advice": flare.get("advice", ""),
            "flare-contact": flare.get("contact", ""),
        }
    )
    for stretch in library.stretches:
        item = given.get(stretch.id)
        sid = stretch.id
        if item is None and followed is not None:
            values[f"{sid}-on"] = ""
        else:
            values[f"{sid}-on"] = "on"
        item = item or {}
        ceiling = item.get("ceiling") or {}
        values.update(
            {
                f"{sid}-hold_s": str(item.get("hold_s", stretch.hold_s.min)),
                f"{sid}-reps": str(item.get("reps", stretch.reps.min)),
                f"{sid}-times": str(len(item["slots"]) if item else stretch.times_per_day.min),
                f"{sid}-progression": "on" if item.get("progression", True) else "",
                f"{sid}-ceiling_hold": str(ceiling.get("hold_s", "")),
                f"{sid}-ceiling_reps": str(ceiling.get("reps", "")),
                f"{sid}-flare_hold": str(flared.get(sid, {}).get("hold_s", "")),
                f"{sid}-flare_reps": str(flared.get(sid, {}).get("reps", "")),
            }
        )
    return values


def read_form(form: Mapping[str, Any], library: Library) -> dict[str, str]:
    names = ["start", "end", "note", "flare-days", "flare-advice", "flare-contact"]
    for stretch in library.stretches:
        names += [f"{stretch.id}-{n}" for n in ("on", "progression", *NUMBERS)]
    values = {name: _text(form.get(name))[:4000] for name in names}
    values["note"] = (form.get("note") or "").replace("\r\n", "\n").strip()[:4000]
    return values


def _number(values: dict[str, str], name: str, errors: dict[str, str]) -> int | None:
    text = values.get(name, "")
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        kind = {**NUMBERS, "days": "a whole number of days"}[name.rsplit("-", 1)[1]]
        errors[name] = f"“{text}” is not a number; give {kind}."
        return None


def _day(values: dict[str, str], name: str, errors: dict[str, str]) -> date | None:
    text = values.get(name, "")
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        errors[name] = f"“{text}” is not a date; give one like 2026-12-01."
        return None


def to_prescription(
    values: dict[str, str], library: Library, version: int, today: date
) -> tuple[Prescription | None, dict[str, str]]:
    """The prescription the form describes, or every problem, by field. ``today``: the
    patient's day; a plan follows a prescription from the day it is published to its
    last day, so the first day cannot be later and the last day not earlier."""
    errors: dict[str, str] = {}
    start = _day(values, "start", errors)
    if start is None and "start" not in errors:
        errors["start"] = "Give the first day the prescription applies."
    if start is not None and start > today:
        errors["start"] = (
            f"{start.isoformat()} is after today ({today.isoformat()}) where the patient "
            "is; the plan follows a prescription from the day it is published, so give "
            "today or an earlier day."
        )
    end = _day(values, "end", errors)
    if end is not None and end < today:
        errors["end"] = (
            f"{end.isoformat()} has passed; give today ({today.isoformat()}) or a later "
            "day, or leave it empty for no end."
        )
    chosen: list[Stretch] = [s for s in library.stretches if values.get(f"{s.id}-on")]
    if not chosen:
        errors["stretches"] = "Choose at least one stretch."
    items: list[dict[str, Any]] = []
    flare_items: list[dict[str, Any]] = []
    for stretch in chosen:
        sid = stretch.id
        number = {n: _number(values, f"{sid}-{n}", errors) for n in NUMBERS}
        if number["hold_s"] is None and f"{sid}-hold_s" not in errors:
            errors[f"{sid}-hold_s"] = f"Give the hold for {stretch.name}, in seconds."
        item: dict[str, Any] = {
            "id": sid,
            "hold_s": number["hold_s"] or 0,
            "progression": bool(values.get(f"{sid}-progression")),
        }
        if number["reps"] is not None:
            item["reps"] = number["reps"]
        if number["times"] is not None:
            item["times_per_day"] = number["times"]
        ceiling = {
            k: v
            for k, v in (("hold_s", number["ceiling_hold"]), ("reps", number["ceiling_reps"]))
            if v is not None
        }
        if ceiling and item["progression"]:
            item["ceiling"] = ceiling
        items.append(item)
        if number["flare_hold"] is not None:
            flare_item = {"id": sid, "hold_s": number["flare_hold"]}
            if number["flare_reps"] is not None:
                flare_item["reps"] = number["flare_reps"]
            flare_items.append(flare_item)
        elif number["flare_reps"] is not None:
            errors[f"{sid}-flare_hold"] = "Give the flare-up's hold too, or leave both empty."
    flare: dict[str, Any] | None = None
    flare_given = [values.get(n) for n in ("flare-days", "flare-advice", "flare-contact")]
    if flare_items or any(flare_given):
        days = _number(values, "flare-days", errors)
        flare = {
            "days": days or 0,
            "advice": values.get("flare-advice", ""),
            "contact": values.get("flare-contact", ""),
            "stretches": flare_items,
        }
    if errors:
        return None, errors
    raw = {
        "version": version,
        "start": start,
        "end": end,
        "note": values.get("note", ""),
        "stretches": items,
        "flare_up": flare,
    }
    try:
        return Prescription.model_validate(raw, context={"library": library}), {}
    except ValidationError as exc:
        return None, _field_errors(exc, chosen, flare_items)


def _field_errors(
    exc: ValidationError, chosen: list[Stretch], flare_items: list[dict[str, Any]]
) -> dict[str, str]:
    """The model's refusals, each beside the form field it is about."""
    errors: dict[str, str] = {}
    for error in exc.errors():
        loc = [str(part) for part in error["loc"]]
        context = error.get("ctx") or {}
        message = error["msg"]
        message = message[0].upper() + message[1:] + ("" if message.endswith(".") else ".")
        name = "form"
        if loc[:1] == ["stretches"] and len(loc) > 1 and loc[1].isdigit():
            sid = chosen[int(loc[1])].id
            given = loc[2] if len(loc) > 2 else context.get("field", "hold_s")
            if given == "ceiling" and len(loc) > 3:
                given = f"ceiling.{loc[3]}"
            name = f"{sid}-{FIELD_OF.get(str(given), 'hold_s')}"
        elif loc[:1] == ["flare_up"] and len(loc) > 1:
            if loc[1] == "stretches" and len(loc) > 2 and loc[2].isdigit():
                sid = flare_items[int(loc[2])]["id"]
                name = f"{sid}-flare_{'reps' if 'reps' in loc else 'hold'}"
            else:
                name = {"days": "flare-days", "advice": "flare-advice"}.get(loc[1], "flare-contact")
                if loc[1] == "stretches":
                    name = "flare-days"
                    message = "Give an easier hold for at least one stretch in a flare-up."
        elif context.get("list") == "flare_up.stretches":
            sid = flare_items[int(context["index"])]["id"]
            name = f"{sid}-flare_{'reps' if context.get('field') == 'reps' else 'hold'}"
        elif loc[:1] in (["start"], ["end"], ["note"]) or context.get("field") == "end":
            name = loc[0] if loc else "end"
        errors.setdefault(name, _in_our_words(name, error["type"], context) or message)
    return errors


def _in_our_words(name: str, kind: str, context: dict[str, Any]) -> str | None:
    """A length or range refusal of one of the free fields, said as what to write;
    None for anything else (the model's own checks are worded already)."""
    if name not in TEXT_FIELDS:
        return None
    what, verb = TEXT_FIELDS[name]
    if name == "flare-days" and kind.startswith(("greater_than", "less_than")):
        low, high = FLARE_DAYS
        return f"Give {what} as a whole number from {low} to {high}."
    if kind in ("too_short", "string_too_short"):
        return f"{verb} {what}: the flare-up plan needs it."
    if kind in ("too_long", "string_too_long"):
        most = context.get("max_length")
        given = context.get("actual_length")
        length = f" is {given} characters long;" if given is not None else " is too long;"
        return f"{what[0].upper()}{what[1:]}{length} shorten it to at most {most} characters."
    return None


def next_version(engine: Engine) -> int:
    followed = current(engine)
    return followed.version + 1 if followed is not None else 1


def publish(
    engine: Engine,
    prescription: Prescription,
    *,
    clinician: Account,
    patient: Account,
    organisation: str,
    secret: str,
    now: datetime,
) -> None:
    """Sign ``prescription`` with the clinic's key and follow it in the patient's store,
    as their own import would (PrescriptionProblem when it cannot be used today)."""
    library = load_library()
    key = clinic_key(secret)
    issued = Issued(
        prescription=prescription,
        clinician=Clinician(
            name=clinician.name,
            role="Clinician",
            organisation=organisation,
            contact=clinician.email,
        ),
        patient=patient.name,
        issued=now,
        id=str(uuid.uuid4()),
        fingerprint=fingerprint(key),
    )
    raw = make_file(issued, key, library)
    opened = open_prescription(engine, raw, now=now)
    follow(engine, opened, now=now, trust=True)


__all__ = ["PrescriptionProblem"]
