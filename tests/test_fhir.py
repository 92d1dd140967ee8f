"""The FHIR export: the easeback export and the plan as an R4B collection Bundle."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from fhir.resources.R4B.bundle import Bundle
from sqlalchemy import Engine

from easeback.core.player import Player
from easeback.reports.fhir import fhir_bundle
from easeback.store.diary import add_entry, rate_activities, set_activities
from easeback.store.dump import TABLES, dump
from easeback.store.safety import record_pain
from easeback.store.sessions import SessionLog
from helpers import ROTATION_TIMELINE

EXPORTED = "2026-11-25T09:00:00"
SESSION = "0b6f3c1e-6a43-4d8e-9c51-2f0d7a9e4b10"
OTHER = "7d2a9b4c-1e5f-4a6b-8c3d-9e0f1a2b3c4d"
REHEARSAL = "c4e5f6a7-b8c9-4d0e-8f1a-2b3c4d5e6f70"


# --- building an export by hand: every column, as dump() writes it ------------------


def export(**tables: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "format": "easeback-export",
        "version": 1,
        "exported_utc": EXPORTED,
        "tables": {name: tables.get(name, []) for name in TABLES},
    }


def session(
    id: str,
    started: str = "2026-11-24T07:05:00",
    *,
    title: str = "Morning stretches",
    rehearsal: bool = False,
) -> dict[str, Any]:
    return {
        "id": id,
        "routine": "morning",
        "title": title,
        "timeline": "{}",
        "total_ms": 60000,
        "speed": 4.0 if rehearsal else 1.0,
        "rehearsal": rehearsal,
        "started_utc": started,
        "zone": "Europe/London",
        "player": "terminal",
        "slot": None,
        "plan_date": None,
    }


def events(session_id: str, *kinds_and_offsets: tuple[str, int]) -> list[dict[str, Any]]:
    return [
        {
            "id": seq + 1,
            "session_id": session_id,
            "seq": seq,
            "kind": kind,
            "phase_index": 0,
            "phase_kind": "hold",
            "stretch": "knee-press",
            "side": "left",
            "direction": None,
            "rep": 1,
            "position_ms": offset,
            "offset_ms": offset,
            "wall_utc": "2026-11-24T07:05:00",
            "zone": "Europe/London",
            "client_id": None,
        }
        for seq, (kind, offset) in enumerate(kinds_and_offsets)
    ]


def pain_rating(session_id: str, moment: str, value: int, at: str) -> dict[str, Any]:
    return {
        "id": 1 if moment == "before" else 2,
        "session_id": session_id,
        "moment": moment,
        "value": value,
        "at_utc": at,
        "zone": "Europe/London",
    }


def diary(
    id: int, at: str, pain: int | None, note: str | None = None, *, share: bool = False
) -> dict[str, Any]:
    return {
        "id": id,
        "at_utc": at,
        "zone": "Europe/London",
        "pain": pain,
        "note": note,
        "share": share,
    }


EVERY_DAY = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


def group(days: list[str], times: tuple[str, ...], text: str) -> dict[str, Any]:
    """One group of days with the same times, as plan_for_export builds it."""
    return {"days": days, "times": list(times), "where": ["lying down"] * len(times), "text": text}


def stretch(
    id: str = "knee-press",
    name: str = "Knee press",
    schedule: tuple[dict[str, Any], ...] = (
        group(EVERY_DAY, ("07:05", "22:10"), "Every day 07:05 and 22:10 (lying down)"),
    ),
    *,
    hold_s: int = 15,
    reps: int = 1,
    sides: tuple[str, ...] = ("left", "right", "both"),
) -> dict[str, Any]:
    """One stretch of the plan, as the caller builds it."""
    return {
        "id": id,
        "name": name,
        "hold_s": hold_s,
        "reps": reps,
        "schedule": list(schedule),
        "zone": "Europe/London",
        "summary": "Draw one knee, then the other, then both, towards your chest.",
        "sides": list(sides),
    }


TILT = stretch(
    "pelvic-tilt",
    "Pelvic tilt",
    (group(EVERY_DAY, ("12:30",), "Every day 12:30 (lying down)"),),
    hold_s=7,
    reps=5,
    sides=(),
)
PLAN = [stretch(), TILT]
TWIST = stretch(
    "chair-twist",
    "Chair twist",
    (
        group(EVERY_DAY[:5], ("12:45",), "Mon-Fri 12:45 (at work)"),
        group(EVERY_DAY[5:], ("14:45",), "Sat-Sun 14:45 (at home)"),
    ),
    hold_s=7,
    reps=2,
    sides=("right", "left"),
)


# --- reading the bundle --------------------------------------------------------------


def resources(bundle: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


def by_id(bundle: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {r["id"]: r for r in resources(bundle, kind)}


def full_url(bundle: dict[str, Any], kind: str, id: str) -> str:
    return str(
        next(
            e["fullUrl"]
            for e in bundle["entry"]
            if e["resource"]["resourceType"] == kind and e["resource"]["id"] == id
        )
    )


def references(value: Any) -> list[str]:
    """Every Reference.reference anywhere in a resource."""
    if isinstance(value, dict):
        found = [value["reference"]] if isinstance(value.get("reference"), str) else []
        return found + [r for v in value.values() for r in references(v)]
    if isinstance(value, list):
        return [r for v in value for r in references(v)]
    return []


def parse(when: str) -> datetime:
    return datetime.fromisoformat(when.replace("Z", "+00:00"))


# --- the bundle ----------------------------------------------------------------------


def test_bundle_is_a_valid_r4b_collection_stamped_with_the_export_time() -> None:
    data = export(
        sessions=[session(SESSION)],
        events=events(SESSION, ("started", 0), ("completed", 61000)),
        diary_entries=[diary(1, "2026-11-24T20:00:00", 3)],
    )

    bundle = fhir_bundle(data, PLAN)

    parsed = Bundle.model_validate(bundle)
    assert parsed.type == "collection"
    assert parse(bundle["timestamp"]) == datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
    assert [e["resource"]["resourceType"] for e in bundle["entry"]] == [
        "Patient",
        "CarePlan",
        "ServiceRequest",
        "ServiceRequest",
        "Procedure",
        "Observation",
    ]


def test_every_reference_points_at_an_entry_of_the_bundle() -> None:
    data = export(
        sessions=[session(SESSION)],
        events=events(SESSION, ("started", 0), ("pain_stop", 9000)),
        pain_ratings=[pain_rating(SESSION, "before", 2, "2026-11-24T07:04:30")],
        diary_entries=[diary(1, "2026-11-24T20:00:00", 3)],
        psfs_activities=[
            {"id": 1, "name": "Gardening", "added_utc": EXPORTED, "retired_utc": None}
        ],
        psfs_ratings=[{"id": 1, "activity_id": 1, "value": 4, "at_utc": EXPORTED, "zone": "UTC"}],
    )

    bundle = fhir_bundle(data, PLAN)

    urls = [e["fullUrl"] for e in bundle["entry"]]
    assert len(set(urls)) == len(urls)
    assert all(url.startswith("urn:uuid:") for url in urls)
    used = references(bundle["entry"])
    assert used and set(used) <= set(urls)


def test_the_same_export_gives_the_same_bundle() -> None:
    data = export(sessions=[session(SESSION)], diary_entries=[diary(1, "2026-11-24T20:00:00", 3)])

    assert fhir_bundle(data, PLAN) == fhir_bundle(data, PLAN)


def test_with_nothing_given_the_patient_is_an_id_only() -> None:
    bundle = fhir_bundle(export(), PLAN)

    (patient,) = resources(bundle, "Patient")
    assert patient == {"resourceType": "Patient", "id": "patient"}
    for personal in ("name", "telecom", "address", "birthDate", "identifier", "gender"):
        assert personal not in patient


def test_an_export_with_no_data_still_gives_a_valid_bundle_with_the_care_plan() -> None:
    bundle = fhir_bundle(export(), [])

    Bundle.model_validate(bundle)
    (plan,) = resources(bundle, "CarePlan")
    assert plan["status"] == "active"
    assert plan["intent"] == "plan"
    assert plan["title"] == "easeback stretching routine"
    assert "Not medical advice" in plan["description"]
    assert "activity" not in plan
    assert plan["subject"]["reference"] == full_url(bundle, "Patient", "patient")
    assert {r["resourceType"] for r in (e["resource"] for e in bundle["entry"])} == {
        "Patient",
        "CarePlan",
    }


def test_something_else_than_an_easeback_export_is_refused() -> None:
    with pytest.raises(ValueError, match="not an easeback export"):
        fhir_bundle({"format": "other"}, PLAN)
    with pytest.raises(ValueError, match="version"):
        fhir_bundle({**export(), "version": 2}, PLAN)


# --- the plan ------------------------------------------------------------------------


def test_care_plan_has_one_activity_per_stretch_each_a_service_request() -> None:
    bundle = fhir_bundle(export(), PLAN)

    (plan,) = resources(bundle, "CarePlan")
    assert [a["reference"]["reference"] for a in plan["activity"]] == [
        full_url(bundle, "ServiceRequest", "stretch-knee-press"),
        full_url(bundle, "ServiceRequest", "stretch-pelvic-tilt"),
    ]
    assert [a["reference"]["display"] for a in plan["activity"]] == ["Knee press", "Pelvic tilt"]


PRESCRIBED = {
    "source": "prescription",
    "id": "3f8a2c1e-7b4d-4e9a-8c2f-1d6e5b4a3c21",
    "version": 2,
    "clinician": {
        "name": "Dr Ada Okafor",
        "role": "Physiotherapist",
        "organisation": "Riverside Physio",
        "contact": "ada@riverside.example",
    },
    "issued": "2026-11-19",
    "start": "2026-11-20",
    "end": None,
    "note": "Go gently.",
    "text": "Prescribed by Dr Ada Okafor (Physiotherapist, Riverside Physio) on 2026-11-19, "
    "version 2",
}


def test_a_plan_that_follows_a_prescription_is_based_on_it_by_its_identifier() -> None:
    bundle = fhir_bundle(export(), PLAN, PRESCRIBED)

    Bundle.model_validate(bundle)
    (plan,) = resources(bundle, "CarePlan")
    assert plan["basedOn"] == [
        {
            "type": "CarePlan",
            "identifier": {
                "system": "https://easeback.invalid/fhir/prescription",
                "value": "3f8a2c1e-7b4d-4e9a-8c2f-1d6e5b4a3c21",
            },
            "display": "Prescribed by Dr Ada Okafor (Physiotherapist, Riverside Physio) on "
            "2026-11-19, version 2",
        }
    ]
    assert references(plan["basedOn"]) == []  # the prescription is not in this Bundle
    assert len(plan["activity"]) == 2


@pytest.mark.parametrize(
    "source",
    [
        None,
        {"source": "article"},
        {"source": "article", "notice": "The prescription from Dr Ada Okafor ended on ..."},
    ],
    ids=["none given", "the article's", "the article's after a prescription ended"],
)
def test_the_articles_plan_is_based_on_nothing(source: dict[str, Any] | None) -> None:
    bundle = fhir_bundle(export(), PLAN, source)

    (plan,) = resources(bundle, "CarePlan")
    assert "basedOn" not in plan
    assert bundle == fhir_bundle(export(), PLAN)


def test_the_prescriptions_identifier_is_the_one_its_own_bundle_carries() -> None:
    from easeback.prescribing.bundle import PRESCRIPTION_SYSTEM
    from easeback.reports import fhir

    assert fhir.PRESCRIPTION_SYSTEM == PRESCRIPTION_SYSTEM


def test_service_request_timing_has_the_plan_times() -> None:
    bundle = fhir_bundle(export(), PLAN)

    requests = by_id(bundle, "ServiceRequest")
    knee = requests["stretch-knee-press"]
    assert knee["status"] == "active"
    assert knee["intent"] == "plan"
    assert knee["code"] == {"text": "Knee press"}
    assert knee["subject"]["reference"] == full_url(bundle, "Patient", "patient")
    assert knee["occurrenceTiming"]["repeat"] == {
        "frequency": 2,
        "period": 1.0,
        "periodUnit": "d",
        "timeOfDay": ["07:05:00", "22:10:00"],
    }
    tilt = requests["stretch-pelvic-tilt"]
    assert tilt["occurrenceTiming"]["repeat"]["frequency"] == 1
    assert tilt["occurrenceTiming"]["repeat"]["timeOfDay"] == ["12:30:00"]


def test_service_request_note_gives_hold_repetitions_sides_times_and_zone() -> None:
    bundle = fhir_bundle(export(), PLAN)

    requests = by_id(bundle, "ServiceRequest")
    assert requests["stretch-knee-press"]["note"] == [
        {
            "text": "Hold 15 s on each side (left, right, both); 1 repetition. Every day "
            "07:05 and 22:10 (lying down), local time in Europe/London."
        }
    ]
    assert requests["stretch-pelvic-tilt"]["note"][0]["text"].startswith("Hold 7 s; 5 repetitions.")


def test_a_stretch_at_other_times_on_other_days_has_a_request_for_each_group_of_days() -> None:
    bundle = fhir_bundle(export(), [TWIST])

    Bundle.model_validate(bundle)
    requests = by_id(bundle, "ServiceRequest")
    assert {id: r["occurrenceTiming"]["repeat"] for id, r in requests.items()} == {
        "stretch-chair-twist-mon-tue-wed-thu-fri": {
            "frequency": 1,
            "period": 1.0,
            "periodUnit": "d",
            "dayOfWeek": ["mon", "tue", "wed", "thu", "fri"],
            "timeOfDay": ["12:45:00"],
        },
        "stretch-chair-twist-sat-sun": {
            "frequency": 1,
            "period": 1.0,
            "periodUnit": "d",
            "dayOfWeek": ["sat", "sun"],
            "timeOfDay": ["14:45:00"],
        },
    }
    assert [r["note"][0]["text"] for r in requests.values()] == [
        "Hold 7 s on each side (right, left); 2 repetitions. Mon-Fri 12:45 (at work), "
        "local time in Europe/London.",
        "Hold 7 s on each side (right, left); 2 repetitions. Sat-Sun 14:45 (at home), "
        "local time in Europe/London.",
    ]
    (plan,) = resources(bundle, "CarePlan")
    assert [(a["reference"]["reference"], a["reference"]["display"]) for a in plan["activity"]] == [
        (
            full_url(bundle, "ServiceRequest", "stretch-chair-twist-mon-tue-wed-thu-fri"),
            "Chair twist, Mon-Fri 12:45 (at work)",
        ),
        (
            full_url(bundle, "ServiceRequest", "stretch-chair-twist-sat-sun"),
            "Chair twist, Sat-Sun 14:45 (at home)",
        ),
    ]


def test_a_stretch_without_times_has_no_timing() -> None:
    bundle = fhir_bundle(export(), [stretch(schedule=())])

    Bundle.model_validate(bundle)
    request = by_id(bundle, "ServiceRequest")["stretch-knee-press"]
    assert "occurrenceTiming" not in request
    assert request["note"] == [
        {"text": "Hold 15 s on each side (left, right, both); 1 repetition."}
    ]


# --- pain ----------------------------------------------------------------------------


def test_pain_scores_become_loinc_72514_3_observations() -> None:
    data = export(
        sessions=[session(SESSION)],
        events=events(SESSION, ("started", 0), ("completed", 61000)),
        pain_ratings=[
            pain_rating(SESSION, "before", 4, "2026-11-24T07:04:30.250000"),
            pain_rating(SESSION, "after", 2, "2026-11-24T07:06:10"),
        ],
        diary_entries=[
            diary(1, "2026-11-24T20:00:00", 0),
            diary(2, "2026-11-24T21:00:00", None, "a note alone"),
            diary(3, "2026-11-25T08:15:00", 6),
        ],
    )

    bundle = fhir_bundle(data, PLAN)

    observations = resources(bundle, "Observation")
    for observation in observations:
        assert observation["status"] == "final"
        assert observation["code"]["coding"] == [
            {
                "system": "http://loinc.org",
                "code": "72514-3",
                "display": "Pain severity - 0-10 verbal numeric rating [Score] - Reported",
            }
        ]
        assert observation["category"][0]["coding"][0]["code"] == "survey"
        assert observation["subject"]["reference"] == full_url(bundle, "Patient", "patient")
    assert [(o["id"], parse(o["effectiveDateTime"]), o["valueInteger"]) for o in observations] == [
        (
            f"pain-session-{SESSION}-before",
            datetime(2026, 11, 24, 7, 4, 30, 250000, tzinfo=UTC),
            4,
        ),
        (f"pain-session-{SESSION}-after", datetime(2026, 11, 24, 7, 6, 10, tzinfo=UTC), 2),
        ("pain-diary-1", datetime(2026, 11, 24, 20, 0, tzinfo=UTC), 0),
        ("pain-diary-3", datetime(2026, 11, 25, 8, 15, tzinfo=UTC), 6),
    ]


def test_session_pain_says_before_or_after_and_is_part_of_the_session() -> None:
    data = export(
        sessions=[session(SESSION)],
        events=events(SESSION, ("started", 0), ("completed", 61000)),
        pain_ratings=[
            pain_rating(SESSION, "before", 4, "2026-11-24T07:04:30"),
            pain_rating(SESSION, "after", 2, "2026-11-24T07:06:10"),
        ],
    )

    bundle = fhir_bundle(data, PLAN)

    found = by_id(bundle, "Observation")
    before = found[f"pain-session-{SESSION}-before"]
    after = found[f"pain-session-{SESSION}-after"]
    assert before["note"] == [{"text": "Rated before the session"}]
    assert after["note"] == [{"text": "Rated after the session"}]
    procedure = full_url(bundle, "Procedure", f"session-{SESSION}")
    assert before["partOf"] == [{"reference": procedure, "type": "Procedure"}]
    assert after["partOf"] == before["partOf"]


def test_diary_notes_go_in_only_when_the_person_chose_to_share_them() -> None:
    data = export(
        diary_entries=[
            diary(1, "2026-11-24T20:00:00", 3, "stiff after the drive", share=True),
            diary(2, "2026-11-24T21:00:00", 5, "private words", share=False),
        ]
    )

    bundle = fhir_bundle(data, PLAN)

    found = by_id(bundle, "Observation")
    assert found["pain-diary-1"]["note"] == [{"text": "stiff after the drive"}]
    assert "note" not in found["pain-diary-2"]
    assert "private words" not in str(bundle)


# --- sessions ------------------------------------------------------------------------


def test_a_pain_stopped_session_is_a_procedure_with_status_stopped() -> None:
    data = export(
        sessions=[session(SESSION, title="Just the rotation")],
        events=events(SESSION, ("started", 0), ("phase", 3000), ("pain_stop", 9500)),
    )

    bundle = fhir_bundle(data, PLAN)

    procedure = by_id(bundle, "Procedure")[f"session-{SESSION}"]
    assert procedure["status"] == "stopped"
    assert procedure["code"] == {"text": "Just the rotation"}
    assert procedure["statusReason"] == {"text": "stopped because of pain"}
    assert procedure["note"] == [{"text": "stopped because of pain"}]
    assert procedure["outcome"] == {"text": "Stopped because of pain"}
    assert parse(procedure["performedPeriod"]["start"]) == datetime(2026, 11, 24, 7, 5, tzinfo=UTC)
    assert parse(procedure["performedPeriod"]["end"]) == datetime(
        2026, 11, 24, 7, 5, 9, 500000, tzinfo=UTC
    )


def test_session_status_follows_its_last_ending_event() -> None:
    cut_off = "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d"
    data = export(
        sessions=[
            session(SESSION, "2026-11-24T07:05:00"),
            session(OTHER, "2026-11-24T12:30:00"),
            session(cut_off, "2026-11-24T22:10:00"),
        ],
        events=[
            *events(SESSION, ("started", 0), ("completed", 61000)),
            *events(OTHER, ("started", 0), ("quit", 4000)),
            *events(cut_off, ("started", 0), ("phase", 3000)),
        ],
    )

    bundle = fhir_bundle(data, PLAN)

    found = by_id(bundle, "Procedure")
    assert list(found) == [f"session-{SESSION}", f"session-{OTHER}", f"session-{cut_off}"]
    assert found[f"session-{SESSION}"]["status"] == "completed"
    assert "note" not in found[f"session-{SESSION}"]
    assert found[f"session-{OTHER}"]["status"] == "stopped"
    assert found[f"session-{OTHER}"]["outcome"] == {"text": "Stopped early by the person"}
    assert found[f"session-{cut_off}"]["status"] == "unknown"
    assert parse(found[f"session-{cut_off}"]["performedPeriod"]["end"]) == datetime(
        2026, 11, 24, 22, 10, 3, tzinfo=UTC
    )


def test_a_session_without_events_has_no_end_and_status_unknown() -> None:
    bundle = fhir_bundle(export(sessions=[session(SESSION)]), PLAN)

    procedure = by_id(bundle, "Procedure")[f"session-{SESSION}"]
    assert procedure["status"] == "unknown"
    assert "end" not in procedure["performedPeriod"]


def test_rehearsals_are_left_out() -> None:
    data = export(
        sessions=[session(SESSION), session(REHEARSAL, rehearsal=True)],
        events=[
            *events(SESSION, ("started", 0), ("completed", 61000)),
            *events(REHEARSAL, ("started", 0), ("completed", 15000)),
        ],
        pain_ratings=[pain_rating(REHEARSAL, "before", 1, "2026-11-24T07:04:00")],
    )

    bundle = fhir_bundle(data, PLAN)

    assert list(by_id(bundle, "Procedure")) == [f"session-{SESSION}"]
    assert REHEARSAL not in " ".join(e["fullUrl"] for e in bundle["entry"])
    # its ratings too, as in the report and progress: a rehearsal is not a session
    assert f"pain-session-{REHEARSAL}-before" not in by_id(bundle, "Observation")


def test_a_rehearsal_stopped_for_pain_goes_in_marked_as_a_rehearsal() -> None:
    data = export(
        sessions=[session(REHEARSAL, rehearsal=True)],
        events=events(REHEARSAL, ("started", 0), ("pain_stop", 2500)),
        pain_ratings=[pain_rating(REHEARSAL, "before", 1, "2026-11-24T07:04:00")],
    )

    bundle = fhir_bundle(data, PLAN)

    procedure = by_id(bundle, "Procedure")[f"session-{REHEARSAL}"]
    assert procedure["status"] == "stopped"
    assert procedure["statusReason"] == {"text": "stopped because of pain"}
    assert procedure["note"][-1]["text"].startswith("a rehearsal, played at 4x speed")
    assert f"pain-session-{REHEARSAL}-before" not in by_id(bundle, "Observation")


# --- PSFS ----------------------------------------------------------------------------


def test_psfs_occasion_is_a_questionnaire_response_with_names_values_and_mean() -> None:
    first, second = "2026-11-10T19:00:00", "2026-11-24T19:00:00.500000"
    data = export(
        psfs_activities=[
            {"id": 1, "name": "Gardening", "added_utc": first, "retired_utc": None},
            {"id": 2, "name": "Putting on socks", "added_utc": first, "retired_utc": None},
            {"id": 3, "name": "Driving an hour", "added_utc": first, "retired_utc": None},
        ],
        psfs_ratings=[
            {"id": 1, "activity_id": 1, "value": 3, "at_utc": first, "zone": "UTC"},
            {"id": 2, "activity_id": 2, "value": 5, "at_utc": first, "zone": "UTC"},
            {"id": 3, "activity_id": 3, "value": 6, "at_utc": first, "zone": "UTC"},
            {"id": 4, "activity_id": 1, "value": 4, "at_utc": second, "zone": "UTC"},
            {"id": 5, "activity_id": 2, "value": 7, "at_utc": second, "zone": "UTC"},
            {"id": 6, "activity_id": 3, "value": 7, "at_utc": second, "zone": "UTC"},
        ],
    )

    bundle = fhir_bundle(data, PLAN)

    responses = resources(bundle, "QuestionnaireResponse")
    assert [r["id"] for r in responses] == ["psfs-20261110T190000", "psfs-20261124T190000.500000"]
    earlier, later = responses
    assert earlier["status"] == "completed"
    assert "questionnaire" not in earlier
    assert parse(earlier["authored"]) == datetime(2026, 11, 10, 19, 0, tzinfo=UTC)
    assert earlier["subject"]["reference"] == full_url(bundle, "Patient", "patient")
    assert [(i["linkId"], i["text"], i["answer"]) for i in earlier["item"][:3]] == [
        ("activity-1", "Gardening", [{"valueInteger": 3}]),
        ("activity-2", "Putting on socks", [{"valueInteger": 5}]),
        ("activity-3", "Driving an hour", [{"valueInteger": 6}]),
    ]
    assert earlier["item"][3]["linkId"] == "mean"
    assert earlier["item"][3]["answer"] == [{"valueDecimal": 4.67}]
    assert later["item"][3]["answer"] == [{"valueDecimal": 6.0}]


# --- through a real store ------------------------------------------------------------


def test_a_real_store_export_becomes_a_valid_bundle(engine: Engine) -> None:
    started = datetime(2026, 11, 24, 7, 5, tzinfo=UTC)
    log = SessionLog(
        engine,
        ROTATION_TIMELINE,
        title="Just the rotation",
        speed=1,
        started=started,
        zone="Europe/London",
        player="terminal",
    )
    player = Player(ROTATION_TIMELINE)
    for event in player.start(0.0) + player.pain_stop(4.0):
        log.append(event, wall=started, offset_ms=round(event.at * 1000))
    record_pain(
        engine, session_id=log.id, moment="before", value=3, at=started, zone="Europe/London"
    )
    add_entry(
        engine,
        at=datetime(2026, 11, 24, 20, 0, 0, 465000, tzinfo=UTC),
        zone="Europe/London",
        pain=5,
        note="after the walk",
        share=True,
    )
    activities = set_activities(engine, ["Gardening", "Putting on socks"], at=started)
    rate_activities(engine, {activities[0].id: 2, activities[1].id: 5}, at=started, zone="UTC")

    bundle = fhir_bundle(dump(engine, exported=datetime(2026, 11, 25, tzinfo=UTC)), PLAN)

    Bundle.model_validate(bundle)
    assert parse(bundle["timestamp"]) == datetime(2026, 11, 25, tzinfo=UTC)
    assert by_id(bundle, "Procedure")[f"session-{log.id}"]["status"] == "stopped"
    pain = {o["id"]: o for o in resources(bundle, "Observation")}
    assert pain[f"pain-session-{log.id}-before"]["valueInteger"] == 3
    (diary_pain,) = (o for key, o in pain.items() if key.startswith("pain-diary-"))
    assert diary_pain["valueInteger"] == 5
    assert parse(diary_pain["effectiveDateTime"]) == datetime(
        2026, 11, 24, 20, 0, 0, 465000, tzinfo=UTC
    )
    (psfs,) = resources(bundle, "QuestionnaireResponse")
    assert [i["text"] for i in psfs["item"]] == [
        "Gardening",
        "Putting on socks",
        "PSFS score: mean of the activity ratings (0-10)",
    ]
    assert psfs["item"][-1]["answer"] == [{"valueDecimal": 3.5}]
