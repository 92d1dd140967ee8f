"""On the web, as in the terminal: clean answers after pain twice within 7 days say
one thing (talk to your clinician first), no button to the stretches, and the
clinician's go-ahead can be recorded on a page of its own."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from bs4 import BeautifulSoup
from fastapi.testclient import TestClient

from easeback.core.player import Player
from easeback.core.screening import QUESTION_IDS
from easeback.store.safety import current_gate
from easeback.store.sessions import SessionLog
from easeback.wording import messages
from easeback.wording.days import date_words
from helpers import ROTATION_TIMELINE, browser_pain_stop, screened_store


def page(response: Any) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html.parser")


def said(response: Any) -> list[str]:
    """The advice paragraphs a page shows, as a screen reader reads them."""
    box = page(response).find(class_="advice")
    return [p.get_text(" ", strip=True) for p in box.find_all("p")] if box else []


def buttons(response: Any) -> list[str]:
    return [a.get_text(strip=True) for a in page(response).select("a.button")]


def pain_stop(engine: Any) -> None:
    now = datetime.now(UTC)
    log = SessionLog(
        engine, ROTATION_TIMELINE, title="t", speed=1, started=now, zone="UTC", player="web"
    )
    player = Player(ROTATION_TIMELINE)
    for event in player.start(0.0) + player.pain_stop(4.0):
        log.append(event, wall=now, offset_ms=round(event.at * 1000))


def settled_and_all_no(client: TestClient) -> Any:
    return client.post(
        "/check",
        data={"csrf": client.token, "pain_settled": "yes", **dict.fromkeys(QUESTION_IDS, "no")},
    )


def pain_twice_then_clean_answers(client: TestClient, engine: Any) -> Any:
    screened_store(engine)
    pain_stop(engine)
    settled_and_all_no(client)
    pain_stop(engine)
    return settled_and_all_no(client)


def test_clean_answers_after_pain_twice_say_only_talk_to_your_clinician_first(
    client: TestClient, app: Any
) -> None:
    response = pain_twice_then_clean_answers(client, app.state.engine)

    assert said(response) == [messages.WEB_REPEATED_PAIN_WAIT]
    assert buttons(response) == ["Record your clinician's go-ahead", "Back to today"]
    assert "See today's stretches" not in response.text


def test_the_player_waits_and_points_to_the_go_ahead_page(client: TestClient, app: Any) -> None:
    pain_twice_then_clean_answers(client, app.state.engine)

    response = client.get("/play?routine=office")

    assert page(response).h1.get_text() == "Not now"
    assert said(response) == [messages.GATE["repeated-pain"][0]]
    assert buttons(response) == ["Record your clinician's go-ahead"]
    started = client.post("/api/sessions", json={"routine": "office"})
    assert started.status_code == 409


def test_the_go_ahead_page_records_it_and_the_routine_goes_on(client: TestClient, app: Any) -> None:
    pain_twice_then_clean_answers(client, app.state.engine)
    form = page(client.get("/clear")).form
    labels = [label.get_text(" ", strip=True) for label in form.find_all("label")]

    response = client.post("/clear", data={"csrf": client.token, "on": "", "by": "Dr Okafor"})

    assert labels == [
        "The day they said so (YYYY-MM-DD; leave empty for today)",
        "Who (optional, e.g. Dr Okafor)",
    ]
    today = datetime.now(UTC).date()
    said_day = date_words(today, today)  # 'Sunday 29 November'
    assert said(response) == [f"Noted: a clinician cleared you on {said_day} (Dr Okafor)."]
    assert "See today's stretches" in buttons(response)
    assert current_gate(app.state.engine, datetime.now(UTC)).allows


def test_a_wrong_day_on_the_go_ahead_page_is_named_beside_its_field_and_kept(
    client: TestClient, app: Any
) -> None:
    pain_twice_then_clean_answers(client, app.state.engine)
    yesterday = (datetime.now(UTC).date() - timedelta(days=1)).isoformat()

    bad = client.post("/clear", data={"csrf": client.token, "on": "next week", "by": ""})
    early = client.post("/clear", data={"csrf": client.token, "on": yesterday, "by": ""})

    assert bad.status_code == 400
    field = page(bad).find(id="on")
    assert field["value"] == "next week"
    assert field["aria-describedby"] == "on-error"
    assert page(bad).find(id="on-error").get_text().startswith("'next week' is not a date")
    assert page(early).find(id="on-error").get_text().startswith(f"{yesterday} is before the pain")
    assert current_gate(app.state.engine, datetime.now(UTC)).reason == "repeated-pain"


def test_the_go_ahead_cannot_lift_a_same_day_answer(client: TestClient, app: Any) -> None:
    client.post(
        "/check",
        data={
            "csrf": client.token,
            "clinician_checked": "yes",
            **dict.fromkeys(QUESTION_IDS, "no"),
            "fever": "yes",
        },
    )

    response = client.post("/clear", data={"csrf": client.token, "on": "", "by": ""})

    assert said(response) == [messages.WEB_CLEAR_CANNOT.format(advice=messages.ADVICE["urgent"])]
    assert current_gate(app.state.engine, datetime.now(UTC)).reason == "urgent"


def test_after_a_form_error_the_error_summary_takes_the_focus(client: TestClient, app: Any) -> None:
    pain_twice_then_clean_answers(client, app.state.engine)

    bad = client.post("/clear", data={"csrf": client.token, "on": "soon", "by": ""})

    summary = page(bad).find(class_="error-summary")
    assert summary.has_attr("autofocus") and summary["role"] == "alert"


def test_a_go_ahead_meeting_a_held_store_comes_back_kept_with_the_cause(
    client: TestClient, app: Any, db_path: Any
) -> None:
    from helpers import HeldLock

    pain_twice_then_clean_answers(client, app.state.engine)
    lock = HeldLock(db_path)
    try:
        held = client.post("/clear", data={"csrf": client.token, "on": "", "by": "Dr Okafor"})
    finally:
        lock.release()

    assert held.status_code == 503
    assert held.headers["retry-after"] == "2"
    assert page(held).find(id="by")["value"] == "Dr Okafor"
    assert page(held).find(role="alert").h2.get_text() == "Not saved yet"
    assert current_gate(app.state.engine, datetime.now(UTC)).reason == "repeated-pain"


def test_a_second_pain_stop_in_the_browser_says_to_record_the_go_ahead_here(
    client: TestClient, app: Any
) -> None:
    screened_store(app.state.engine)
    pain_stop(app.state.engine)
    settled_and_all_no(client)
    session = client.post("/api/sessions", json={"routine": "office"}).json()
    events = browser_pain_stop(datetime.now(UTC))

    answer = client.post(f"/api/sessions/{session['id']}/events", json={"events": events})
    refused = client.post("/api/sessions", json={"routine": "office"})

    assert answer.json()["messages"] == [messages.WEB_REPEATED_PAIN]
    assert "easeback clear" not in messages.WEB_REPEATED_PAIN
    assert refused.status_code == 409
    assert refused.json()["detail"].startswith(messages.GATE["pain"][0])


def test_a_pain_stop_dated_ahead_by_the_devices_clock_still_brings_the_questions_back(
    client: TestClient, app: Any
) -> None:
    screened_store(app.state.engine)
    session = client.post("/api/sessions", json={"routine": "office"}).json()
    ahead = datetime.now(UTC) + timedelta(hours=2)

    client.post(f"/api/sessions/{session['id']}/events", json={"events": browser_pain_stop(ahead)})

    assert current_gate(app.state.engine, datetime.now(UTC)).reason == "pain"
    with app.state.engine.connect() as connection:
        latest = connection.exec_driver_sql("SELECT MAX(wall_utc) FROM events").scalar()
    assert datetime.fromisoformat(latest) <= datetime.now(UTC).replace(tzinfo=None)
