"""The JSON API the browser player uses: sessions, events stored once whatever the
retries, ratings with their follow-ups, and 422 answers that name the field. Each test
runs with the store in a SQLite file and on PostgreSQL; those about another program
holding a SQLite file's lock are marked ``sqlite_only``."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from easeback.content.library import load_library, load_routine
from easeback.core.player import Player
from easeback.core.timeline import build_timeline
from easeback.store.safety import current_gate, safety_records
from easeback.store.sessions import list_sessions, session_events
from easeback.web.app import Settings, create_app
from easeback.web.bodies import UUID_PATTERN
from easeback.web.pictures import picture_url
from easeback.wording import messages
from helpers import WEB_PORT, HeldLock, screened_store
from stores import store_on

AT = "2026-11-25T07:00:00Z"


@pytest.fixture(params=["sqlite", "postgresql"])
def app(request: pytest.FixtureRequest, db_path: Path) -> Iterator[Any]:
    """The web app with its store in a SQLite file, then on PostgreSQL; its engine is
    disposed afterwards (a PostgreSQL connection left to the garbage collector warns)."""
    with store_on(request.param, db_path, request) as store:
        url = store.url.render_as_string(hide_password=False)
        made = create_app(
            Settings(db=str(db_path) if url.startswith("sqlite") else url, port=WEB_PORT)
        )
        try:
            yield made
        finally:
            made.state.engine.dispose()


@pytest.fixture
def ready(client: TestClient, app: Any) -> TestClient:
    screened_store(app.state.engine)
    return client


def open_session(client: TestClient, **body: Any) -> dict[str, Any]:
    response = client.post("/api/sessions", json={"routine": "default", **body})
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()
    return data


def played(timeline: dict[str, Any], script: list[tuple[float, str]]) -> list[dict[str, Any]]:
    """Events as the browser sends them, made by the reference player."""
    from easeback.core.timeline import Timeline

    player = Player(Timeline.from_json(timeline), speed=1)
    made = []
    for now, action in script:
        made += {
            "start": player.start,
            "tick": player.tick,
            "pause": player.toggle_pause,
            "skip": player.skip,
            "pain": player.pain_stop,
            "quit": player.quit,
        }[action](now)
    return [
        {
            "id": str(uuid.uuid4()),
            "seq": seq,
            "kind": e.kind,
            "phase": e.phase,
            "position_ms": e.position_ms,
            "offset_ms": round(e.at * 1000),
            "at": AT,
        }
        for seq, e in enumerate(made)
    ]


def send(client: TestClient, session_id: str, events: list[dict[str, Any]]) -> Any:
    return client.post(f"/api/sessions/{session_id}/events", json={"events": events})


def test_a_session_plays_the_timeline_the_core_builds(ready: TestClient) -> None:
    session = open_session(ready)

    expected = build_timeline(load_routine("default"), load_library()).to_json()
    assert session["timeline"] == expected
    assert len(session["labels"]) == len(expected["phases"])
    assert session["labels"][1]["label"] == "Hold · left side"
    assert session["labels"][1]["figure"] == {
        "src": picture_url("knee-press/left-move"),
        "alt": "Lying on the back, both hands drawing the left knee in to the chest; "
        "the right foot stays flat on the mat.",
        "motion": "hold",
    }
    assert session["labels"][3]["label"] == "Hold · right side"
    assert session["labels"][3]["figure"]["src"] == picture_url("knee-press/right-move")


def test_events_sent_twice_are_stored_once(ready: TestClient, app: Any) -> None:
    session = open_session(ready)
    events = played(session["timeline"], [(0, "start"), (12, "tick"), (20, "quit")])

    first = send(ready, session["id"], events)
    again = send(ready, session["id"], events)
    overlapping = send(ready, session["id"], events[1:])

    assert first.status_code == again.status_code == overlapping.status_code == 200
    assert (first.json()["stored"], again.json()["stored"]) == (len(events), 0)
    assert again.json()["already_stored"] == len(events)
    stored = session_events(app.state.engine, session["id"])
    assert [r["client_id"] for r in stored] == [e["id"] for e in events]
    assert [r["kind"] for r in stored] == [e["kind"] for e in events]
    assert list_sessions(app.state.engine, now=_now())[0].outcome == "quit"


def test_events_arriving_in_separate_batches_keep_their_order(ready: TestClient, app: Any) -> None:
    session = open_session(ready)
    events = played(session["timeline"], [(0, "start"), (9, "tick"), (30, "tick"), (31, "pause")])

    for event in events:
        assert send(ready, session["id"], [event]).status_code == 200

    stored = session_events(app.state.engine, session["id"])
    assert [(r["seq"], r["kind"], r["phase_index"]) for r in stored] == [
        (e["seq"], e["kind"], e["phase"]) for e in events
    ]


def test_an_event_taking_a_used_place_is_a_conflict_and_nothing_of_its_batch_is_kept(
    ready: TestClient, app: Any
) -> None:
    session = open_session(ready)
    events = played(session["timeline"], [(0, "start"), (12, "tick")])
    send(ready, session["id"], events[:1])
    impostor = {**events[0], "id": str(uuid.uuid4())}

    response = send(ready, session["id"], [events[1], impostor])

    assert response.status_code == 409
    assert "seq 0 already holds another event" in response.json()["detail"]
    assert len(session_events(app.state.engine, session["id"])) == 1


def test_a_pain_stop_is_followed_up_and_the_questions_come_back(
    ready: TestClient, app: Any
) -> None:
    session = open_session(ready, pain_before=3)
    events = played(session["timeline"], [(0, "start"), (20, "pain")])

    send(ready, session["id"], events)
    send(ready, session["id"], events)  # a retry does not follow up twice

    engine = app.state.engine
    assert list_sessions(engine, now=_now())[0].outcome == "pain_stop"
    kinds = [r.detail.get("after") for r in safety_records(engine) if r.kind == "followup"]
    assert kinds == ["pain_stop"]
    assert current_gate(engine, _now()).reason == "pain"
    refused = ready.post("/api/sessions", json={"routine": "default"})
    assert refused.status_code == 409
    assert messages.GATE["pain"][0] in refused.json()["detail"]


def test_pain_rising_two_points_after_a_session_is_followed_up(ready: TestClient, app: Any) -> None:
    session = open_session(ready, pain_before=2)
    send(ready, session["id"], played(session["timeline"], [(0, "start"), (400, "tick")]))

    response = ready.post(
        f"/api/sessions/{session['id']}/pain", json={"moment": "after", "value": 5}
    )
    again = ready.post(f"/api/sessions/{session['id']}/pain", json={"moment": "after", "value": 1})

    assert response.status_code == again.status_code == 200
    assert response.json()["messages"] == [messages.WORSENED.format(rise=3)]
    assert again.json()["messages"] == []  # the first rating stands
    summary = list_sessions(app.state.engine, now=_now())[0]
    assert (summary.outcome, summary.pain_before, summary.pain_after) == ("completed", 2, 5)
    assert current_gate(app.state.engine, _now()).reason == "pain"


def test_a_skipped_rating_stores_nothing(ready: TestClient, app: Any) -> None:
    session = open_session(ready)

    response = ready.post(
        f"/api/sessions/{session['id']}/pain", json={"moment": "after", "value": None}
    )

    assert response.status_code == 200
    assert list_sessions(app.state.engine, now=_now())[0].pain_after is None


def test_a_completed_slot_session_counts_for_today(ready: TestClient) -> None:
    session = ready.post("/api/sessions", json={"slot": "evening"}).json()
    send(ready, session["id"], played(session["timeline"], [(0, "start"), (10_000, "tick")]))

    today = ready.get("/api/today").json()

    assert {s["id"]: s["status"] for s in today["slots"]}["evening"] == "done"


def test_the_session_read_back_has_every_event(ready: TestClient) -> None:
    session = open_session(ready)
    events = played(session["timeline"], [(0, "start"), (12, "skip")])
    send(ready, session["id"], events)

    body = ready.get(f"/api/sessions/{session['id']}").json()

    assert [e["id"] for e in body["events"]] == [e["id"] for e in events]
    assert body["outcome"] == "playing"  # no ending yet, and it could still be running


KINDS = "'started', 'phase', 'paused', 'resumed', 'skipped', 'pain_stop', 'completed' or 'quit'"


@pytest.mark.parametrize(
    ("event", "field", "msg"),
    [
        ({"kind": "jump"}, "kind", f"must be one of {KINDS}"),
        ({"id": "not-a-uuid"}, "id", f"must match the form {UUID_PATTERN}"),
        ({"seq": -1}, "seq", "must be 0 or more"),
        ({"seq": 4.5}, "seq", "must be a whole number, such as 4"),
        ({"seq": True}, "seq", "must be a whole number, such as 4"),
        ({"at": "yesterday"}, "at", "must be an ISO 8601 time such as 2026-11-25T07:00:00Z"),
        ({"at": "2026-11-25T07:00:00"}, "at", "must carry its offset from UTC, e.g. a trailing Z"),
        ({"phase": 999}, "phase", "must be 0 to 45: the phases of this session"),
        ({"position_ms": "12"}, "position_ms", "must be a whole number, such as 4"),
        ({"extra": 1}, "extra", "is not a field of this request; leave it out"),
    ],
)
def test_a_wrong_event_is_answered_422_naming_the_field_in_our_words(
    ready: TestClient, app: Any, event: dict[str, Any], field: str, msg: str
) -> None:
    session = open_session(ready)
    good = played(session["timeline"], [(0, "start")])[0]

    response = send(ready, session["id"], [{**good, **event}])

    assert response.status_code == 422
    assert response.json() == {
        "detail": f"events[0].{field} {msg}",
        "errors": [{"loc": ["body", "events", 0, field], "msg": msg}],
        "cause": None,
    }
    assert session_events(app.state.engine, session["id"]) == []


def test_whole_numbers_written_with_a_point_zero_are_taken(ready: TestClient, app: Any) -> None:
    session = open_session(ready, pain_before=4.0)
    event = played(session["timeline"], [(0, "start")])[0]
    lax = {**event, "seq": 0.0, "phase": 0.0, "position_ms": 0.0, "offset_ms": 0.0}

    response = send(ready, session["id"], [lax])
    rating = ready.post(
        f"/api/sessions/{session['id']}/pain", json={"moment": "after", "value": 3.0}
    )

    assert (response.status_code, rating.status_code) == (200, 200)
    assert [
        (r["seq"], r["phase_index"]) for r in session_events(app.state.engine, session["id"])
    ] == [(0, 0)]
    summary = list_sessions(app.state.engine, now=_now())[0]
    assert (summary.pain_before, summary.pain_after) == (4, 3)


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        ({"routine": "yoga"}, "routine must be one of 'default', 'bed' or 'office'"),
        ({"slot": "noon"}, "slot must be one of 'morning', 'daytime' or 'evening'"),
        ({"speed": 0}, "speed must be 1 or more"),
        ({"speed": 1000}, "speed must be 500 or less"),
        ({"speed": "fast"}, "speed must be a number, such as 1.5"),
        ({"pain_before": 11}, "pain_before must be 10 or less"),
        ({"pain_before": 4.5}, "pain_before must be a whole number, such as 4"),
        ({"pain_before": 4, "mood": "ok"}, "mood is not a field of this request; leave it out"),
        ({"routine": "default", "slot": "morning"}, "give a slot or a routine, not both"),
    ],
)
def test_a_wrong_session_request_is_refused_with_a_reason(
    ready: TestClient, body: dict[str, Any], detail: str
) -> None:
    response = ready.post("/api/sessions", json=body)

    assert response.status_code == 422
    assert response.json()["detail"] == detail


def test_a_body_that_is_not_json_is_named_as_such(ready: TestClient) -> None:
    response = ready.post(
        "/api/sessions", content=b"{routine: bed}", headers={"Content-Type": "application/json"}
    )

    assert response.status_code == 422
    assert response.json()["detail"].startswith("the request body is not valid JSON (")


def test_an_unknown_session_is_404(ready: TestClient) -> None:
    missing = str(uuid.uuid4())

    assert ready.get(f"/api/sessions/{missing}").status_code == 404
    assert send(ready, missing, played(_timeline(), [(0, "start")])).status_code == 404
    assert ready.get("/api/sessions/not-a-uuid").status_code == 422


def _timeline() -> dict[str, Any]:
    return build_timeline(load_routine("default"), load_library()).to_json()


def _now() -> Any:
    from datetime import UTC, datetime

    return datetime.now(UTC)


def test_a_session_after_which_pain_rose_does_not_count_towards_a_step_up(
    ready: TestClient, app: Any
) -> None:
    from easeback.store.plan import latest_snapshot

    for _ in range(3):
        session = open_session(ready, pain_before=2)
        send(ready, session["id"], played(session["timeline"], [(0, "start"), (400, "tick")]))
        ready.post(f"/api/sessions/{session['id']}/pain", json={"moment": "after", "value": 6})
        answers = {"pain_settled": True}
        from easeback.core.screening import QUESTION_IDS
        from easeback.usecases.checkup import record_answers, record_settled

        engine = app.state.engine
        record_settled(engine, answers["pain_settled"], at=_now(), zone="UTC")
        record_answers(
            engine,
            dict.fromkeys(QUESTION_IDS, False),
            current_gate(engine, _now()),
            at=_now(),
            zone="UTC",
        )
        # Pain rose twice within 7 days: the routine waits for a clinician's go-ahead.
        from easeback.store.safety import record_clearance

        record_clearance(engine, at=_now(), zone="UTC", cleared_on="2026-11-28", by=None)

    # Three sessions, each with pain 2 -> 6: none is "comfortable", so no dose rises
    # (a session counted before its rating would have stepped every stretch up).
    snapshot = latest_snapshot(app.state.engine)
    assert snapshot is not None
    assert {(dose["level"], dose["streak"]) for dose in snapshot.values()} == {(0, 0)}


def test_a_skipped_rating_still_counts_the_session(ready: TestClient, app: Any) -> None:
    from easeback.store.plan import unfolded_sessions

    session = open_session(ready)
    send(ready, session["id"], played(session["timeline"], [(0, "start"), (400, "tick")]))
    assert [u.id for u in unfolded_sessions(app.state.engine, now=_now())] == [session["id"]]

    ready.post(f"/api/sessions/{session['id']}/pain", json={"moment": "after", "value": None})

    assert unfolded_sessions(app.state.engine, now=_now()) == []


def test_a_session_paused_for_days_is_still_stored(ready: TestClient, app: Any) -> None:
    session = open_session(ready)
    events = played(session["timeline"], [(0, "start"), (3 * 86_400.0, "pain")])

    response = send(ready, session["id"], events)

    assert response.status_code == 200, response.text
    assert list_sessions(app.state.engine, now=_now())[0].outcome == "pain_stop"


def test_a_session_playing_in_another_tab_is_not_counted_when_another_starts(
    ready: TestClient, app: Any
) -> None:
    from datetime import timedelta

    from easeback.store.plan import unfolded_sessions

    first = open_session(ready)
    send(ready, first["id"], played(first["timeline"], [(0, "start"), (12, "tick")]))

    second = open_session(ready, routine="bed")  # starting counts what has finished

    engine = app.state.engine
    assert [s.outcome for s in list_sessions(engine, now=_now())] == ["playing", "playing"]
    assert unfolded_sessions(engine, now=_now()) == []
    assert ready.get(f"/api/sessions/{first['id']}").json()["outcome"] == "playing"
    later = _now() + timedelta(hours=1)  # nobody could still be playing either
    assert [u.id for u in unfolded_sessions(engine, now=later)] == [first["id"], second["id"]]
    assert [s.outcome for s in list_sessions(engine, now=later)] == ["interrupted"] * 2


@pytest.mark.parametrize(
    ("method", "path", "extra", "status"),
    [
        ("GET", "/api/today", {"headers": {"Host": "example.com"}}, 400),
        ("POST", "/api/sessions", {"json": {}, "headers": {"X-CSRF-Token": "x" * 43}}, 403),
        ("GET", f"/api/sessions/{uuid.UUID(int=1)}", {}, 404),
        ("GET", "/api/nothing-here", {}, 404),
        ("DELETE", "/api/today", {}, 405),
        ("POST", "/api/sessions", {"json": {"routine": "bed"}}, 409),  # no safety check yet
        ("GET", "/api/sessions?limit=0", {}, 422),
    ],
)
def test_every_error_the_api_answers_has_the_one_shape(
    client: TestClient, method: str, path: str, extra: dict[str, Any], status: int
) -> None:
    from easeback.web.bodies import ErrorBody

    response = client.request(method, path, **extra)

    assert response.status_code == status
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert set(body) == {"detail", "errors", "cause"}
    assert ErrorBody.model_validate(body).detail


# --- another program holds the store ---------------------------------------------------

LOCKED = (
    "another program is using {path} (a backup, an import or a second easeback, perhaps), "
    "so easeback could not save just now. Nothing already saved is lost; try again when it "
    "has finished."
)


def followups_of(engine: Any, session_id: str) -> list[str]:
    return [
        r.detail["after"]
        for r in safety_records(engine)
        if r.kind == "followup" and r.detail["session"] == session_id
    ]


@pytest.mark.sqlite_only
@pytest.mark.parametrize("app", ["sqlite"], indirect=True)
def test_while_another_program_holds_the_store_events_wait_then_land_once_with_the_follow_up(
    ready: TestClient, app: Any, db_path: Any
) -> None:
    session = open_session(ready)
    events = played(session["timeline"], [(0, "start"), (20, "pain")])
    lock = HeldLock(db_path)
    try:
        refused = send(ready, session["id"], events)
    finally:
        lock.release()

    landed = send(ready, session["id"], events)
    again = send(ready, session["id"], events)

    assert refused.status_code == 503
    assert refused.headers["retry-after"] == "2"
    assert refused.json() == {
        "detail": LOCKED.format(path=db_path),
        "errors": [],
        "cause": "locked",
    }
    assert (landed.status_code, landed.json()["stored"]) == (200, len(events))
    assert (again.json()["stored"], again.json()["already_stored"]) == (0, len(events))
    engine = app.state.engine
    assert [r["kind"] for r in session_events(engine, session["id"])] == [
        "started",
        "phase",
        "phase",
        "pain_stop",
    ]
    assert followups_of(engine, session["id"]) == ["pain_stop"]
    assert current_gate(engine, _now()).reason == "pain"


@pytest.mark.sqlite_only
@pytest.mark.parametrize("app", ["sqlite"], indirect=True)
def test_a_session_cannot_open_while_another_program_holds_the_store(
    ready: TestClient, db_path: Any
) -> None:
    lock = HeldLock(db_path)
    try:
        refused = ready.post("/api/sessions", json={"routine": "bed"})
    finally:
        lock.release()

    assert refused.status_code == 503
    assert refused.json()["cause"] == "locked"
    assert ready.post("/api/sessions", json={"routine": "bed"}).status_code == 201


def test_a_pain_stop_stored_by_a_try_cut_short_is_followed_up_when_the_page_tries_again(
    ready: TestClient, app: Any
) -> None:
    from easeback.store.sessions import NewEvent, add_events, find_session

    session = open_session(ready)
    events = played(session["timeline"], [(0, "start"), (20, "pain")])
    engine = app.state.engine
    # The first try stored the events, then the store was taken before the follow-up.
    stored = find_session(engine, session["id"], now=_now())
    add_events(
        engine,
        stored,
        [
            NewEvent(e["id"], e["seq"], e["kind"], e["phase"], e["position_ms"], 0, _now())
            for e in events
        ],
    )
    assert followups_of(engine, session["id"]) == []

    retried = send(ready, session["id"], events)
    send(ready, session["id"], events)  # and once more: still one follow-up

    assert retried.json()["stored"] == 0
    assert followups_of(engine, session["id"]) == ["pain_stop"]


def test_a_rise_in_pain_stored_by_a_try_cut_short_is_followed_up_when_the_page_tries_again(
    ready: TestClient, app: Any
) -> None:
    from easeback.usecases.aftercare import save_pain

    session = open_session(ready, pain_before=2)
    send(ready, session["id"], played(session["timeline"], [(0, "start"), (400, "tick")]))
    save_pain(app.state.engine, session["id"], "after", 5)  # then the store was taken

    retried = ready.post(
        f"/api/sessions/{session['id']}/pain", json={"moment": "after", "value": 5}
    )
    again = ready.post(f"/api/sessions/{session['id']}/pain", json={"moment": "after", "value": 5})

    assert retried.json()["messages"] == [messages.WORSENED.format(rise=3)]
    assert again.json()["messages"] == []
    assert followups_of(app.state.engine, session["id"]) == ["worsening"]
