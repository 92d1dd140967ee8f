"""The export as FHIR R4B: a collection Bundle a clinician's system can read.

Pure: the easeback JSON export (``easeback.store.dump.dump``) and the current plan
come in; a JSON-ready Bundle goes out. No clock, no file, no network.

What goes in the Bundle:

- one ``Patient``: its id, and the name, date of birth and clinic identifier the
  person chose to give (``easeback setup``), so a clinic can file the Bundle;
- a ``CarePlan`` (the stretching routine) with one activity per stretch and group of
  days with the same times, each a ``ServiceRequest`` giving the stretch, its hold,
  repetitions, sides, days of the week and times of day; when the plan follows a
  clinician's prescription, the CarePlan is ``basedOn`` it, referred to by the
  identifier the prescription's own Bundle and CarePlan carry;
- each session played as a ``Procedure``: rehearsals (played faster) are left out,
  except one stopped for pain, which is a safety event whatever the speed: it goes in,
  marked as a rehearsal, as in the report;
- each pain score, from the diary and before/after sessions, as an ``Observation``
  coded LOINC 72514-3;
- each PSFS rating occasion as a ``QuestionnaireResponse``, with the mean.

Every resource has a stable id made from what it records (``session-<uuid>``,
``pain-diary-<id>`` ...), and every entry the fullUrl ``urn:uuid:<uuid5 of
"<type>/<id>">``, which the references use: the same export gives the same Bundle.
"""

from __future__ import annotations

import re
import uuid
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

Json = dict[str, Any]

FORMAT = "easeback-export"
VERSION = 1
# Fixed for ever: fullUrls are uuid5 of "<resourceType>/<id>" in this namespace.
NAMESPACE = uuid.UUID("6f1c3a52-4b0e-4f6a-9d2e-8c7b5e1a0d43")

PATIENT_ID = "patient"
# The identifier is the one the person's clinic gave them, typed by the person: its
# real namespace (the clinic's own system) is unknown here, so it carries easeback's
# own, under the project's reserved .invalid address (as the routine schema's $id),
# which can never collide with a real one. A clinic matches the value to its records.
CLINIC_ID_SYSTEM = "https://easeback.invalid/fhir/clinic-identifier"
CLINIC_ID_TEXT = "Identifier from the person's clinic, as the person gave it"
CARE_PLAN_ID = "careplan"
CARE_PLAN_TITLE = "easeback stretching routine"
CARE_PLAN_DESCRIPTION = (
    "A gentle daily lower-back stretching routine and a pain diary, kept by the person "
    "with easeback. Not medical advice."
)
# A prescription's identifier, as its Bundle (prescribing/bundle.py) carries it; a test
# checks that the two agree.
PRESCRIPTION_SYSTEM = "https://easeback.invalid/fhir/prescription"

LOINC = "http://loinc.org"
PAIN_CODE = "72514-3"
PAIN_DISPLAY = "Pain severity - 0-10 verbal numeric rating [Score] - Reported"
CATEGORIES = "http://terminology.hl7.org/CodeSystem/observation-category"

# A session's last ending event -> Procedure status and outcome; no ending: "unknown".
STATUS = {"completed": "completed", "pain_stop": "stopped", "quit": "stopped"}
OUTCOME = {
    "completed": "Completed",
    "pain_stop": "Stopped because of pain",
    "quit": "Stopped early by the person",
}
NO_ENDING = "No ending recorded: the session was cut off"
PAIN_STOP_NOTE = "stopped because of pain"
REHEARSAL_NOTE = (
    "a rehearsal, played at {speed}x speed: not counted as a session done, and kept here "
    "because it was stopped for pain"
)

PSFS_MEAN_TEXT = "PSFS score: mean of the activity ratings (0-10)"
_TIME = re.compile(r"\d{2}:\d{2}(:\d{2})?")
DAYS_OF_WEEK = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")  # FHIR's codes


def fhir_bundle(
    export: dict[str, Any], plan: list[dict[str, Any]], source: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The export and the current plan as a FHIR R4B Bundle of type "collection".

    ``export`` is what ``easeback.store.dump.dump`` returns; its naive times are UTC.
    ``plan`` is one dict per stretch, as ``usecases.today.plan_for_export`` gives it:
    id, name, hold_s, reps, zone, summary, sides and schedule (groups of days, each
    with days "mon"..."sun", times "HH:MM" local in zone, and its text). The
    Bundle's timestamp is the export's ``exported_utc``; every time in it is UTC.
    ``source`` says where the plan comes from, as ``usecases.following.plan_words``
    gives it (none: the article's): a prescription's "id" and "text" ("Prescribed by
    ... on ..., version N") make the CarePlan's ``basedOn``.

    The Patient holds only what the person chose to give: a name, a date of birth and
    the identifier their clinic gave them (the newest ``profiles`` row); nothing else
    (no contact, no address). With none given it has an id alone, and the receiving
    clinician's system matches it to its own record. Diary notes go in only when the
    person chose to share them.

    The Bundle is checked against the R4B models before it is returned, as JSON-ready
    data. Raises ``ValueError`` for an input that is not a version 1 easeback export
    or that does not make a valid Bundle (pydantic's ValidationError is one).
    """
    if not isinstance(export, dict) or export.get("format") != FORMAT:
        raise ValueError(f'not an easeback export (no "format": "{FORMAT}")')
    if export.get("version") != VERSION:
        raise ValueError(f"export version {export.get('version')!r}; this reads {VERSION}")
    tables: dict[str, list[Json]] = export.get("tables") or {}

    by_session: dict[str, list[Json]] = defaultdict(list)
    for event in tables.get("events", []):
        by_session[event["session_id"]].append(event)
    sessions = [
        row
        for row in tables.get("sessions", [])
        if not row["rehearsal"] or _ending(by_session.get(row["id"], [])) == "pain_stop"
    ]
    sessions.sort(key=lambda row: (_utc(row["started_utc"]), row["id"]))
    exported = {row["id"] for row in sessions}

    resources: list[Json] = [
        _patient_resource(tables.get("profiles", [])),
        _care_plan(plan, source or {}),
        *(_service_request(stretch, group) for stretch in plan for group in _groups(stretch)),
        *(_procedure(row, by_session.get(row["id"], [])) for row in sessions),
        *_pain_observations(tables, exported),
        *_psfs_responses(tables),
    ]
    data: Json = {
        "resourceType": "Bundle",
        "type": "collection",
        "timestamp": _iso(_utc(export["exported_utc"])),
        "entry": [
            {"fullUrl": _full_url(r["resourceType"], r["id"]), "resource": r} for r in resources
        ],
    }

    return _validated(data)


def _validated(data: Json) -> Json:
    """Check every resource with its own R4B model, then the Bundle around them.

    Validating the Bundle in one go makes pydantic try each entry against every
    resource type, which takes minutes for years of sessions; each resource checked
    by its own class, and the envelope with its entries' URLs, checks the same rules.
    """
    from importlib import import_module

    from fhir.resources.R4B.bundle import Bundle  # here: the CLI starts without it

    for entry in data["entry"]:
        kind = entry["resource"]["resourceType"]
        model = getattr(import_module(f"fhir.resources.R4B.{kind.lower()}"), kind)
        model.model_validate(entry["resource"])  # raises on any rule broken
    Bundle.model_validate({**data, "entry": [{"fullUrl": e["fullUrl"]} for e in data["entry"]]})
    return data  # already JSON-ready: the models checked it, they need not rewrite it


# --- the person -----------------------------------------------------------------------


def _patient_resource(profiles: list[Json]) -> Json:
    """The Patient with what the person gave in their newest profile row."""
    resource: Json = {"resourceType": "Patient", "id": PATIENT_ID}
    if not profiles:
        return resource
    given = max(profiles, key=lambda row: row["id"])
    if given.get("name"):
        resource["name"] = [{"use": "usual", "text": given["name"]}]
    if given.get("birth_date"):
        resource["birthDate"] = given["birth_date"]
    if given.get("clinic_id"):
        resource["identifier"] = [
            {
                "use": "usual",
                "type": {"text": CLINIC_ID_TEXT},
                "system": CLINIC_ID_SYSTEM,
                "value": given["clinic_id"],
            }
        ]
    return resource


# --- the plan -------------------------------------------------------------------------


def _care_plan(plan: list[Json], source: Json) -> Json:
    activities = [
        {
            "reference": _reference(
                "ServiceRequest", _request_id(stretch, group), display=_display(stretch, group)
            )
        }
        for stretch in plan
        for group in _groups(stretch)
    ]
    resource: Json = {
        "resourceType": "CarePlan",
        "id": CARE_PLAN_ID,
        "status": "active",
        "intent": "plan",
        "title": CARE_PLAN_TITLE,
        "description": CARE_PLAN_DESCRIPTION,
        "subject": _patient(),
    }
    if source.get("source") == "prescription":
        # The prescription is a CarePlan in the clinician's records: referred to by its
        # identifier, since this Bundle does not hold it.
        resource["basedOn"] = [
            {
                "type": "CarePlan",
                "identifier": {"system": PRESCRIPTION_SYSTEM, "value": source["id"]},
                "display": _fhir_text(source["text"]),
            }
        ]
    if activities:
        resource["activity"] = activities
    return resource


def _groups(stretch: Json) -> list[Json | None]:
    """A stretch's groups of days with the same times; [None] for one the plan does
    not hold (it is still prescribed, with no timing)."""
    return list(stretch.get("schedule") or [None])


def _service_request(stretch: Json, group: Json | None) -> Json:
    """One stretch on one group of days: its Timing is true for every day it names,
    on the days of the week given (none given: every day)."""
    resource: Json = {
        "resourceType": "ServiceRequest",
        "id": _request_id(stretch, group),
        "basedOn": [_reference("CarePlan", CARE_PLAN_ID)],
        "status": "active",
        "intent": "plan",
        "code": {"text": stretch["name"]},
        "subject": _patient(),
        "note": [{"text": _dose_text(stretch, group)}],
    }
    if group is not None:
        times = [_time_of_day(t) for t in group["times"]]
        repeat: Json = {"frequency": len(times), "period": 1, "periodUnit": "d"}
        if len(group["days"]) < len(DAYS_OF_WEEK):
            repeat["dayOfWeek"] = list(group["days"])
        repeat["timeOfDay"] = times
        resource["occurrenceTiming"] = {"repeat": repeat}
    if stretch.get("summary"):
        resource["patientInstruction"] = stretch["summary"]
    return resource


def _request_id(stretch: Json, group: Json | None) -> str:
    """'stretch-knee-press' for every day; 'stretch-chair-twist-mon-tue-wed-thu-fri'
    for a group of days: stable while the days stay the same."""
    if group is None or len(group["days"]) == len(DAYS_OF_WEEK):
        return f"stretch-{stretch['id']}"
    return f"stretch-{stretch['id']}-{'-'.join(group['days'])}"


def _display(stretch: Json, group: Json | None) -> str:
    if group is None or len(_groups(stretch)) == 1:
        return str(stretch["name"])
    return f"{stretch['name']}, {group['text']}"


def _time_of_day(text: str) -> str:
    """'07:05' -> '07:05:00' (FHIR time has seconds)."""
    if not _TIME.fullmatch(text):
        raise ValueError(f"plan time {text!r} is not HH:MM")
    return text if len(text) == 8 else f"{text}:00"


def _dose_text(stretch: Json, group: Json | None) -> str:
    """'Hold 15 s on each side (left, right, both); 1 repetition. Every day 07:05 and
    22:10 (lying down), local time in Europe/London.'"""
    sides = list(stretch.get("sides") or [])
    reps = int(stretch["reps"])
    hold = f"Hold {stretch['hold_s']} s"
    if sides:
        hold += f" on each side ({', '.join(sides)})"
    text = f"{hold}; {reps} repetition{'' if reps == 1 else 's'}."
    if group is not None and stretch.get("zone"):
        text += f" {group['text']}, local time in {stretch['zone']}."
    return text


# --- sessions -------------------------------------------------------------------------


def _procedure(session: Json, events: list[Json]) -> Json:
    """The session as a Procedure; ``events`` are the session's own."""
    own = sorted(events, key=lambda e: e["seq"])
    ending = _ending(own)
    start = _utc(session["started_utc"])
    period: Json = {"start": _iso(start)}
    if own:
        period["end"] = _iso(start + timedelta(milliseconds=max(e["offset_ms"] for e in own)))
    resource: Json = {
        "resourceType": "Procedure",
        "id": _session_id(session["id"]),
        "status": STATUS[ending] if ending else "unknown",
        "code": {"text": session["title"]},
        "subject": _patient(),
        "performedPeriod": period,
        "outcome": {"text": OUTCOME[ending] if ending else NO_ENDING},
    }
    if ending == "pain_stop":
        resource["statusReason"] = {"text": PAIN_STOP_NOTE}
        resource["note"] = [{"text": PAIN_STOP_NOTE}]
    elif ending == "quit":
        resource["statusReason"] = {"text": OUTCOME["quit"]}
    if session["rehearsal"]:
        rehearsal = REHEARSAL_NOTE.format(speed=f"{float(session['speed']):g}")
        resource["note"] = [*resource.get("note", []), {"text": rehearsal}]
    return resource


def _ending(events: list[Json]) -> str | None:
    """A session's last ending event's kind (None: it was cut off)."""
    endings = [e["kind"] for e in sorted(events, key=lambda e: e["seq"]) if e["kind"] in STATUS]
    return endings[-1] if endings else None


def _session_id(session_id: str) -> str:
    return f"session-{session_id}"


# --- pain -----------------------------------------------------------------------------


def _pain_observations(tables: dict[str, list[Json]], exported: set[str]) -> list[Json]:
    """Diary pain scores and session pain ratings, oldest first."""
    found: list[tuple[datetime, Json]] = []
    for row in tables.get("diary_entries", []):
        if row["pain"] is None:
            continue
        at = _utc(row["at_utc"])
        resource = _pain(f"pain-diary-{row['id']}", row["pain"], at)
        if row.get("share") and row.get("note"):
            resource["note"] = [{"text": _fhir_text(row["note"])}]
        found.append((at, resource))
    rehearsals = {row["id"] for row in tables.get("sessions", []) if row["rehearsal"]}
    for row in tables.get("pain_ratings", []):
        if row["session_id"] in rehearsals:
            continue  # never in the pain trend, as in the report, whatever its ending
        at = _utc(row["at_utc"])
        session_id, moment = row["session_id"], row["moment"]
        resource = _pain(f"pain-session-{session_id}-{moment}", row["value"], at)
        resource["note"] = [{"text": f"Rated {moment} the session"}]
        if session_id in exported:
            resource["partOf"] = [_reference("Procedure", _session_id(session_id))]
        found.append((at, resource))
    found.sort(key=lambda pair: (pair[0], pair[1]["id"]))
    return [resource for _, resource in found]


def _fhir_text(text: str) -> str:
    """FHIR strings allow no control characters but tab, CR and LF."""
    return "".join(c for c in text if c in "\t\r\n" or ord(c) >= 0x20)


def _pain(resource_id: str, value: int, at: datetime) -> Json:
    return {
        "resourceType": "Observation",
        "id": resource_id,
        "status": "final",
        "category": [{"coding": [{"system": CATEGORIES, "code": "survey", "display": "Survey"}]}],
        "code": {
            "coding": [{"system": LOINC, "code": PAIN_CODE, "display": PAIN_DISPLAY}],
            "text": "Pain (0-10)",
        },
        "subject": _patient(),
        "effectiveDateTime": _iso(at),
        "valueInteger": value,
    }


# --- PSFS -----------------------------------------------------------------------------


def _psfs_responses(tables: dict[str, list[Json]]) -> list[Json]:
    """One QuestionnaireResponse per rating occasion (ratings given at the same time)."""
    names = {row["id"]: row["name"] for row in tables.get("psfs_activities", [])}
    occasions: dict[datetime, list[Json]] = defaultdict(list)
    for row in tables.get("psfs_ratings", []):
        occasions[_utc(row["at_utc"])].append(row)
    responses: list[Json] = []
    for at, rows in sorted(occasions.items()):
        rows.sort(key=lambda row: (row["activity_id"], row.get("id", 0)))
        items: list[Json] = [
            {
                "linkId": f"activity-{row['activity_id']}",
                "text": names.get(row["activity_id"], f"Activity {row['activity_id']}"),
                "answer": [{"valueInteger": row["value"]}],
            }
            for row in rows
        ]
        mean = Decimal(sum(row["value"] for row in rows)) / len(rows)
        items.append(
            {
                "linkId": "mean",
                "text": PSFS_MEAN_TEXT,
                "answer": [{"valueDecimal": float(mean.quantize(Decimal("0.01"), ROUND_HALF_UP))}],
            }
        )
        responses.append(
            {
                "resourceType": "QuestionnaireResponse",
                "id": f"psfs-{_compact(at)}",
                "status": "completed",
                "subject": _patient(),
                "authored": _iso(at),
                "item": items,
            }
        )
    return responses


# --- shared ---------------------------------------------------------------------------


def _full_url(resource_type: str, resource_id: str) -> str:
    return f"urn:uuid:{uuid.uuid5(NAMESPACE, f'{resource_type}/{resource_id}')}"


def _reference(resource_type: str, resource_id: str, *, display: str | None = None) -> Json:
    reference: Json = {"reference": _full_url(resource_type, resource_id), "type": resource_type}
    if display:
        reference["display"] = display
    return reference


def _patient() -> Json:
    return _reference("Patient", PATIENT_ID)


def _utc(text: str) -> datetime:
    """An export time (naive means UTC) as an aware UTC datetime."""
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _iso(moment: datetime) -> str:
    return moment.isoformat()


def _compact(moment: datetime) -> str:
    """20261125T005300, with .ffffff when there are microseconds: a valid FHIR id part."""
    text = moment.strftime("%Y%m%dT%H%M%S")
    return f"{text}.{moment.microsecond:06d}" if moment.microsecond else text
