"""A prescription as a FHIR R4 Bundle, and back.

Pure: no clock, no file. The Bundle (type "collection") holds:

- the ``Practitioner`` (name, and the signing key's fingerprint as an identifier), the
  ``Organization`` and a ``PractitionerRole`` (role, contact);
- the ``Patient`` it is for (the name the clinician gave);
- a ``CarePlan`` (intent "plan"): the period, the note, the version, and one activity
  per stretch with its dose and timing: ``scheduledTiming`` (how many times a day, and
  which of the day's slots as event timings: WAKE, AFT, HS), ``description`` in words,
  and extensions for the hold, repetitions and progression ceiling;
- with a flare-up plan, a second ``CarePlan`` (intent "option", part of the first)
  with its days, advice, when to get in touch, and its easier doses.

The Bundle states each dose in full (repetitions, slots and ceiling filled in), and
``read_bundle`` gives back exactly that, so a prescription survives the round trip
and what a clinic reads is what easeback follows.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from pydantic import ValidationError

from easeback.content.models import Library
from easeback.content.prescription import (
    Ceiling,
    Clinician,
    FlareDose,
    FlareUp,
    PrescribedStretch,
    Prescription,
    patient_name,
)

Json = dict[str, Any]

BASE = "https://easeback.invalid/fhir"
PRESCRIPTION_SYSTEM = f"{BASE}/prescription"
KEY_SYSTEM = f"{BASE}/clinician-key-fingerprint"
STRETCH_SYSTEM = f"{BASE}/CodeSystem/stretch"
EXT = f"{BASE}/StructureDefinition"
HOLD = f"{EXT}/hold-seconds"
REPS = f"{EXT}/repetitions"
PROGRESSION = f"{EXT}/progression"
SIDE = f"{EXT}/side"
CEILING_HOLD = f"{EXT}/ceiling-hold-seconds"
CEILING_REPS = f"{EXT}/ceiling-repetitions"
VERSION = f"{EXT}/prescription-version"
FLARE_DAYS = f"{EXT}/flare-up-days"
FLARE_CONTACT = f"{EXT}/flare-up-contact"
# The day's slots as FHIR event timings: just after waking, the middle of the day,
# before sleep.
WHEN = {"morning": "WAKE", "daytime": "AFT", "evening": "HS"}
SLOT_OF = {code: slot for slot, code in WHEN.items()}
SIGNATURE_TYPE = {
    "system": "urn:iso-astm:E1762-95:2013",
    "code": "1.2.840.10065.1.12.1.1",
    "display": "Author's Signature",
}


class BundleProblem(ValueError):
    """The file is not an easeback prescription Bundle; the message says why."""


@dataclass(frozen=True)
class Issued:
    """A prescription as issued: what, by whom, for whom, when, with its own id."""

    prescription: Prescription
    clinician: Clinician
    patient: str
    issued: datetime  # aware
    id: str
    fingerprint: str


def full(prescription: Prescription, library: Library) -> Prescription:
    """The prescription with every dose stated: repetitions, slots, the ceiling (none
    when progression is off), and the sides where not all of them. What the Bundle
    carries and what easeback follows; stating a stated one changes nothing."""
    items = []
    for item in prescription.stretches:
        stretch = library.stretch(item.id)
        hold, reps = item.top(stretch)
        items.append(
            item.model_copy(
                update={
                    "reps": item.repetitions(stretch),
                    # all the steps: none named (the file names them all)
                    "sides": None if item.sides == stretch.step_keys else item.sides,
                    "times_per_day": None,
                    "slots": list(item.day_slots(stretch)),
                    "ceiling": Ceiling(hold_s=hold, reps=reps) if item.progression else None,
                }
            )
        )
    flare = prescription.flare_up
    if flare is not None:
        flare = flare.model_copy(
            update={
                "stretches": [
                    d.model_copy(update={"reps": _flare_reps(d, prescription, library)})
                    for d in flare.stretches
                ]
            }
        )
    return prescription.model_copy(update={"stretches": items, "flare_up": flare})


def _flare_reps(dose: FlareDose, prescription: Prescription, library: Library) -> int:
    """The flare-up's repetitions: as written, else as prescribed."""
    if dose.reps is not None:
        return dose.reps
    given = prescription.get(dose.id)
    stretch = library.stretch(dose.id)
    return given.repetitions(stretch) if given is not None else stretch.reps.min


def _urn(kind: str, rx_id: str) -> str:
    return f"urn:uuid:{uuid.uuid5(uuid.UUID(rx_id), kind)}"


def build_bundle(issued: Issued, library: Library) -> Json:
    """The issued prescription as a Bundle, without its signature."""
    rx = full(issued.prescription, library)
    who = issued.clinician
    urls = {k: _urn(k, issued.id) for k in ("practitioner", "organization", "role", "patient")}
    plan_url, flare_url = _urn("careplan", issued.id), _urn("flare-up", issued.id)
    period: Json = {"start": rx.start.isoformat()}
    if rx.end is not None:
        period["end"] = rx.end.isoformat()
    care_plan: Json = {
        "resourceType": "CarePlan",
        "extension": [{"url": VERSION, "valueInteger": rx.version}],
        "identifier": [{"system": PRESCRIPTION_SYSTEM, "value": issued.id}],
        "status": "active",
        "intent": "plan",
        "title": f"Stretching prescription, version {rx.version}",
        "description": "Gentle stretches for the lower back, with their doses and timing. "
        "Not medical advice beyond what the clinician wrote.",
        "subject": {"reference": urls["patient"], "display": issued.patient},
        "period": period,
        "created": _instant(issued.issued),
        "author": {"reference": urls["practitioner"], "display": who.name},
        "activity": [_activity(item, library) for item in rx.stretches],
    }
    if rx.note:
        care_plan["note"] = [{"text": rx.note}]
    entries: list[Json] = [
        {
            "fullUrl": urls["practitioner"],
            "resource": {
                "resourceType": "Practitioner",
                "identifier": [{"system": KEY_SYSTEM, "value": issued.fingerprint}],
                "name": [{"text": who.name}],
            },
        },
        {
            "fullUrl": urls["organization"],
            "resource": {"resourceType": "Organization", "name": who.organisation},
        },
        {
            "fullUrl": urls["role"],
            "resource": {
                "resourceType": "PractitionerRole",
                "practitioner": {"reference": urls["practitioner"]},
                "organization": {"reference": urls["organization"]},
                "code": [{"text": who.role}],
                "telecom": [{"system": _telecom(who.contact), "value": who.contact}],
            },
        },
        {
            "fullUrl": urls["patient"],
            "resource": {"resourceType": "Patient", "name": [{"text": issued.patient}]},
        },
        {"fullUrl": plan_url, "resource": care_plan},
    ]
    if rx.flare_up is not None:
        flare = _flare(rx.flare_up, rx, plan_url, urls, library)
        entries.append({"fullUrl": flare_url, "resource": flare})
    return {
        "resourceType": "Bundle",
        "identifier": {"system": PRESCRIPTION_SYSTEM, "value": issued.id},
        "type": "collection",
        "timestamp": _instant(issued.issued),
        "entry": entries,
    }


def signature_element(issued: Issued, token: str) -> Json:
    import base64

    return {
        "type": [SIGNATURE_TYPE],
        "when": _instant(issued.issued),
        "who": {"reference": _urn("practitioner", issued.id)},
        "sigFormat": "application/jose",
        "data": base64.b64encode(token.encode("ascii")).decode("ascii"),
    }


def _instant(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _telecom(contact: str) -> str:
    if "@" in contact:
        return "email"
    if sum(c.isdigit() for c in contact) >= 6 and not any(c.isalpha() for c in contact):
        return "phone"
    return "other"


def _activity(item: PrescribedStretch, library: Library) -> Json:
    stretch = library.stretch(item.id)
    reps, slots = item.repetitions(stretch), item.day_slots(stretch)
    extensions: list[Json] = [
        {"url": HOLD, "valueInteger": item.hold_s},
        {"url": REPS, "valueInteger": reps},
        {"url": PROGRESSION, "valueBoolean": item.progression},
        *(
            {"url": SIDE, "valueCode": key}
            for key in (item.sides if item.sides is not None else stretch.step_keys)
        ),
    ]
    words = dose_words(stretch.name, item.hold_s, reps, len(slots))
    if item.ceiling is not None:
        extensions += [
            {"url": CEILING_HOLD, "valueInteger": item.ceiling.hold_s},
            {"url": CEILING_REPS, "valueInteger": item.ceiling.reps},
        ]
        words += f" May rise to {item.ceiling.hold_s} s and {item.ceiling.reps} repetitions."
    else:
        words += " The dose stays as prescribed."
    return {
        "detail": {
            "extension": extensions,
            "code": _code(item.id, library),
            "status": "scheduled",
            "scheduledTiming": {
                "repeat": {
                    "frequency": len(slots),
                    "period": 1,
                    "periodUnit": "d",
                    "when": [WHEN[s] for s in slots],
                }
            },
            "description": words,
        }
    }


def dose_words(name: str, hold_s: int, reps: int, times: int | None) -> str:
    """'Knee press: hold 20 s, 1 repetition, 2 times a day.'"""
    rep_words = "repetition" if reps == 1 else "repetitions"
    when = f", {times} {'time' if times == 1 else 'times'} a day" if times else ""
    return f"{name}: hold {hold_s} s, {reps} {rep_words}{when}."


def _code(stretch_id: str, library: Library) -> Json:
    name = library.stretch(stretch_id).name
    return {"coding": [{"system": STRETCH_SYSTEM, "code": stretch_id, "display": name}]}


def _flare(
    flare: FlareUp, rx: Prescription, plan_url: str, urls: dict[str, str], library: Library
) -> Json:
    activities = []
    for dose in flare.stretches:
        stretch = library.stretch(dose.id)
        reps = _flare_reps(dose, rx, library)
        activities.append(
            {
                "detail": {
                    "extension": [
                        {"url": HOLD, "valueInteger": dose.hold_s},
                        {"url": REPS, "valueInteger": reps},
                    ],
                    "code": _code(dose.id, library),
                    "status": "not-started",
                    "description": dose_words(stretch.name, dose.hold_s, reps, None),
                }
            }
        )
    return {
        "resourceType": "CarePlan",
        "extension": [
            {"url": FLARE_DAYS, "valueInteger": flare.days},
            {"url": FLARE_CONTACT, "valueString": flare.contact},
        ],
        "status": "on-hold",
        "intent": "option",
        "title": f"Flare-up plan: easier doses for {flare.days} days",
        "description": flare.advice,
        "partOf": [{"reference": plan_url}],
        "subject": {"reference": urls["patient"]},
        "author": {"reference": urls["practitioner"]},
        "activity": activities,
    }


# --- reading ------------------------------------------------------------------------


def read_bundle(bundle: Json, library: Library) -> Issued:
    """The prescription a Bundle carries, checked against the library's clinical
    bounds; BundleProblem when it is not an easeback prescription or breaks a rule."""
    try:
        return _read(bundle, library)
    except (KeyError, TypeError, IndexError, AttributeError, ValueError, StopIteration) as exc:
        if isinstance(exc, BundleProblem):
            raise
        raise BundleProblem(
            "this is not an easeback prescription: a part of the FHIR Bundle is missing "
            "or not as expected"
        ) from exc


def _read(bundle: Json, library: Library) -> Issued:
    if bundle.get("resourceType") != "Bundle" or bundle.get("type") != "collection":
        raise BundleProblem("this is not an easeback prescription (not a FHIR collection Bundle)")
    identifier = bundle["identifier"]
    if identifier["system"] != PRESCRIPTION_SYSTEM:
        raise BundleProblem("this FHIR Bundle is not an easeback prescription")
    rx_id = str(uuid.UUID(identifier["value"]))
    by_url = {e["fullUrl"]: e["resource"] for e in bundle["entry"]}
    if len(by_url) != len(bundle["entry"]):
        raise BundleProblem("an entry of the Bundle is there twice")
    plan = by_url[_urn("careplan", rx_id)]
    practitioner = by_url[_urn("practitioner", rx_id)]
    role = by_url[_urn("role", rx_id)]
    clinician = Clinician(
        name=practitioner["name"][0]["text"],
        role=role["code"][0]["text"],
        organisation=by_url[_urn("organization", rx_id)]["name"],
        contact=role["telecom"][0]["value"],
    )
    ext = _extensions(plan)
    items = [_prescribed(activity["detail"]) for activity in plan["activity"]]
    flare_plan = by_url.get(_urn("flare-up", rx_id))
    data: Json = {
        "version": ext[VERSION],
        "start": date.fromisoformat(plan["period"]["start"]),
        "end": date.fromisoformat(plan["period"]["end"]) if "end" in plan["period"] else None,
        "note": plan["note"][0]["text"] if plan.get("note") else "",
        "stretches": items,
        "flare_up": _flare_read(flare_plan) if flare_plan is not None else None,
    }
    try:
        prescription = Prescription.model_validate(data, context={"library": library})
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise BundleProblem(f"the prescription breaks a rule ({where}: {first['msg']})") from None
    issued = _instant_read(bundle["timestamp"])
    try:
        patient = patient_name(by_url[_urn("patient", rx_id)]["name"][0]["text"])
    except ValueError as exc:
        raise BundleProblem(f"the person it is for is not given right: {exc}") from None
    found = Issued(
        prescription=full(prescription, library),
        clinician=clinician,
        patient=patient,
        issued=issued,
        id=rx_id,
        fingerprint=str(practitioner["identifier"][0]["value"]),
    )
    if build_bundle(found, library) != bundle:
        # One form only: no entry twice or left over, no value written two ways, so
        # what a clinic system reads in the file is exactly what easeback follows.
        raise BundleProblem(
            "the Bundle holds more, or other, than the prescription easeback reads in it"
        )
    return found


def _instant_read(text: str) -> datetime:
    """An instant as ``_instant`` writes it (UTC, to the second), from 2000 to 2200."""
    moment = datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    if not 2000 <= moment.year <= 2200:
        raise BundleProblem(f"the prescription's time {text} is not a plausible one")
    return moment


def _extensions(resource: Json) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for item in resource.get("extension", []):
        values = [v for k, v in item.items() if k.startswith("value")]
        if len(values) != 1:
            raise BundleProblem("an extension of the prescription has no single value")
        out[item["url"]] = values[0]
    return out


def _prescribed(detail: Json) -> Json:
    ext = _extensions(detail)
    out: Json = {
        "id": detail["code"]["coding"][0]["code"],
        "hold_s": ext[HOLD],
        "reps": ext[REPS],
        # none named: all of them (as a clinic system that leaves them out means)
        "sides": [item["valueCode"] for item in detail["extension"] if item["url"] == SIDE] or None,
        "slots": [SLOT_OF[w] for w in detail["scheduledTiming"]["repeat"]["when"]],
        "progression": ext[PROGRESSION],
    }
    if CEILING_HOLD in ext:
        out["ceiling"] = {"hold_s": ext[CEILING_HOLD], "reps": ext[CEILING_REPS]}
    return out


def _flare_read(plan: Json) -> Json:
    ext = _extensions(plan)
    return {
        "days": ext[FLARE_DAYS],
        "advice": plan["description"],
        "contact": ext[FLARE_CONTACT],
        "stretches": [
            {
                "id": a["detail"]["code"]["coding"][0]["code"],
                "hold_s": _extensions(a["detail"])[HOLD],
                "reps": _extensions(a["detail"])[REPS],
            }
            for a in plan["activity"]
        ],
    }
