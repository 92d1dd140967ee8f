"""A session the page opens itself, as it must with no network: its own id, when it
began, sent now or later from the outbox, and more than once. The same request twice
opens one session; another request under that id is refused; a late start is stored
as it happened; the safety rules still decide. And what the page fetches beforehand
so that it can begin offline (GET /api/play)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from easeback.content.library import load_library, load_routine
from easeback.core.timeline import build_timeline
from easeback.store.safety import current_gate, session_pain
from easeback.store.sessions import list_sessions, session_events
from easeback.web.sessions import refusal_words
from easeback.wording import messages
from helpers import browser_pain_stop, screened_store


@pytest.fixture
def ready(client: TestClient, app: Any) -> TestClient:
    screened_store(app.state.engine)
    return client


def screened_days_ago(engine: Any, days: int) -> None:
    """Consent and a clean screening given ``days`` ago, as a person who has used the
    app for a while has them."""
    from easeback.core.screening import QUESTION_IDS, Gate
    from easeback.store.consents import record_consent
    from easeback.usecases.checkup import record_answers

    then = datetime.now(UTC) - timedelta(days=days)
    record_consent(engine, wording="1", given=then, zone="UTC")
    record_answers(
        engine,
        dict.fromkeys(QUESTION_IDS, False),
        Gate(kind="due", reason="first"),
        at=then,
        zone="UTC",
    )


def opening(**changes: Any) -> dict[str, Any]:
    """A request to open a session as the page makes it."""
    started = datetime.now(UTC) - timedelta(minutes=3)
    body = {
        "id": str(uuid.uuid4()),
        "routine": "default",
        "speed": 1,
        "pain_before": 3,
        "started": started.isoformat().replace("+00:00", "Z"),
        "zone": "Europe/Paris",
    }
    return {**body, **changes}


def test_the_same_request_twice_opens_one_session(ready: TestClient, app: Any) -> None:
    body = opening()

    first = ready.post("/api/sessions", json=body)
    again = ready.post("/api/sessions", json=body)

    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"] == body["id"]
    assert again.json()["timeline"] == first.json()["timeline"]
    assert again.json()["labels"] == first.json()["labels"]
    stored = list_sessions(app.state.engine, now=datetime.now(UTC))
    assert [s.id for s in stored] == [body["id"]]
    assert session_pain(app.state.engine, body["id"]) == {"before": 3}


def test_an_id_made_in_capitals_is_the_same_session(ready: TestClient, app: Any) -> None:
    body = opening()
    ready.post("/api/sessions", json=body)

    again = ready.post("/api/sessions", json={**body, "id": body["id"].upper()})

    assert again.status_code == 200
    assert len(list_sessions(app.state.engine, now=datetime.now(UTC))) == 1


@pytest.mark.parametrize(
    "change",
    [
        {"routine": "bed"},
        {"speed": 20},
        {"pain_before": 6},
        {"zone": "Europe/London"},
        {"started": "2026-01-01T07:00:00Z"},
    ],
    ids=["routine", "speed", "pain", "zone", "started"],
)
def test_another_request_under_a_stored_id_is_refused_and_changes_nothing(
    ready: TestClient, app: Any, change: dict[str, Any]
) -> None:
    body = opening()
    ready.post("/api/sessions", json=body)

    clash = ready.post("/api/sessions", json={**body, **change})

    assert clash.status_code == 409
    assert clash.json()["detail"] == messages.WEB_SESSION_CLASH.format(id=body["id"])
    (only,) = list_sessions(app.state.engine, now=datetime.now(UTC))
    assert (only.routine, only.speed, only.zone, only.pain_before) == (
        "default",
        1.0,
        "Europe/Paris",
        3,
    )


def test_a_session_played_offline_is_opened_late_as_it_happened(
    client: TestClient, app: Any
) -> None:
    screened_days_ago(app.state.engine, 2)
    ready = client
    began = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=5)
    body = opening(started=began.isoformat(), zone="America/New_York")

    opened = ready.post("/api/sessions", json=body)
    events = ready.post(
        f"/api/sessions/{body['id']}/events",
        json={"events": browser_pain_stop(began + timedelta(seconds=20))},
    )

    assert opened.status_code == 201
    assert events.status_code == 200
    (stored,) = list_sessions(app.state.engine, now=datetime.now(UTC))
    assert stored.started_utc == began.replace(tzinfo=None)
    assert stored.zone == "America/New_York"
    assert stored.outcome == "pain_stop"
    assert len(session_events(app.state.engine, body["id"])) == 3


def test_a_start_well_after_the_servers_time_is_a_wrong_clock(ready: TestClient) -> None:
    ahead = datetime.now(UTC) + timedelta(minutes=30)

    refused = ready.post("/api/sessions", json=opening(started=ahead.isoformat()))

    assert refused.status_code == 422
    assert refused.json()["errors"] == [
        {"loc": ["body", "started"], "msg": messages.WEB_START_AHEAD}
    ]


def test_a_late_start_is_judged_by_the_safety_rules_as_they_stood_when_it_began(
    client: TestClient, app: Any
) -> None:
    # Played offline an hour before the safety questions had ever been answered: the
    # page had no go-ahead then, so no session could have begun.
    screened_store(app.state.engine)
    began = datetime.now(UTC) - timedelta(hours=1)

    refused = client.post("/api/sessions", json=opening(started=began.isoformat()))

    assert refused.status_code == 409
    assert list_sessions(app.state.engine, now=datetime.now(UTC)) == []


@pytest.mark.parametrize(
    ("change", "where", "text"),
    [
        ({"started": "yesterday"}, "started", "ISO 8601"),
        ({"started": "2026-11-25T07:00:00"}, "started", "offset from UTC"),
        ({"zone": "Mars/Olympus"}, "zone", "IANA time zone"),
        ({"id": "not-a-uuid"}, "id", "must match the form"),
    ],
)
def test_a_wrong_id_time_or_zone_is_named(
    ready: TestClient, change: dict[str, Any], where: str, text: str
) -> None:
    refused = ready.post("/api/sessions", json=opening(**change))

    assert refused.status_code == 422
    (problem,) = refused.json()["errors"]
    assert problem["loc"] == ["body", where]
    assert text in problem["msg"]


def test_the_safety_rules_still_refuse_a_session_opened_by_the_page(
    ready: TestClient, app: Any
) -> None:
    earlier = ready.post("/api/sessions", json=opening(started=None, zone=None)).json()
    ready.post(
        f"/api/sessions/{earlier['id']}/events",
        json={"events": browser_pain_stop(datetime.now(UTC))},
    )
    assert current_gate(app.state.engine, datetime.now(UTC)).reason == "pain"

    body = opening(started=datetime.now(UTC).isoformat())
    refused = ready.post("/api/sessions", json=body)
    again = ready.post("/api/sessions", json=body)

    assert refused.status_code == again.status_code == 409
    assert refused.json()["detail"] == refusal_words("pain")
    assert [s.id for s in list_sessions(app.state.engine, now=datetime.now(UTC))] == [earlier["id"]]


def test_the_player_fetches_what_it_needs_to_begin_offline(ready: TestClient) -> None:
    plan = ready.get("/api/play", params={"routine": "bed"})

    assert plan.status_code == 200
    assert plan.headers["cache-control"] == "no-cache"
    data = plan.json()
    assert (data["allowed"], data["refusal"], data["slot"]) == (True, None, None)
    expected = build_timeline(load_routine("bed"), load_library()).to_json()
    assert data["timeline"] == expected
    assert len(data["labels"]) == len(expected["phases"])
    # What the page plays offline is what the server would have answered online.
    opened = ready.post("/api/sessions", json=opening(routine="bed")).json()
    assert (opened["timeline"], opened["labels"]) == (data["timeline"], data["labels"])


def test_the_plan_kept_for_offline_says_when_the_safety_rules_refuse(
    ready: TestClient, app: Any
) -> None:
    earlier = ready.post("/api/sessions", json=opening()).json()
    ready.post(
        f"/api/sessions/{earlier['id']}/events",
        json={"events": browser_pain_stop(datetime.now(UTC))},
    )

    data = ready.get("/api/play", params={"slot": "morning"}).json()

    assert data["allowed"] is False
    assert data["refusal"] == refusal_words("pain")


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"routine": "nap"}, 404),
        ({"slot": "noon"}, 404),
        ({"slot": "morning", "routine": "bed"}, 422),
    ],
)
def test_a_plan_for_no_such_routine_is_refused(
    ready: TestClient, params: dict[str, str], status: int
) -> None:
    assert ready.get("/api/play", params=params).status_code == status
