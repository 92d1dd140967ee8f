"""The pages: first run, the safety check, today, stretches, settings and errors.
Read as a person would: by headings, labels and the text shown."""

from __future__ import annotations

from typing import Any

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient

from easeback.core.screening import QUESTION_IDS
from easeback.store.safety import current_gate, last_screening
from easeback.usecases import clock
from easeback.web.pages import DAY_NAMES as DAYS
from easeback.web.static_files import static_url
from easeback.wording import messages
from helpers import screened_store


def page(response: Any) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html.parser")


def text(response: Any) -> str:
    return " ".join(page(response).get_text(" ").split())


def all_no(token: str, **extra: str) -> dict[str, str]:
    return {"csrf": token, **dict.fromkeys(QUESTION_IDS, "no"), **extra}


# --- first run and the check ----------------------------------------------------------


def test_a_first_visit_goes_to_the_clinician_check_and_questions(client: TestClient) -> None:
    response = client.get("/", follow_redirects=True)

    soup = page(response)
    assert soup.h1.get_text() == "Before your first session"
    legends = [legend.get_text(" ", strip=True) for legend in soup.find_all("legend")]
    assert legends[0] == messages.CONSENT_QUESTION
    assert len(legends) == 1 + len(QUESTION_IDS)
    assert messages.NOT_ADVICE in text(response)


def test_answering_everything_no_opens_the_routine(client: TestClient, app: Any) -> None:
    response = client.post("/check", data=all_no(client.token, clinician_checked="yes"))

    assert response.status_code == 200
    assert messages.ADVICE["none"] in text(response)
    assert current_gate(app.state.engine, _now()).allows
    assert client.get("/", follow_redirects=False).status_code == 200


def test_unanswered_questions_are_named_and_the_given_answers_kept(
    client: TestClient, app: Any
) -> None:
    form = all_no(client.token, clinician_checked="yes")
    del form["fever"], form["lump"]

    response = client.post("/check", data=form)

    assert response.status_code == 400
    soup = page(response)
    summary = soup.find(role="alert")
    assert "Please answer 2 more questions" in summary.get_text()
    assert [a["href"] for a in summary.find_all("a")] == ["#fever", "#lump"]
    assert soup.find(id="fever")["aria-describedby"] == "fever-error"
    assert soup.find(id="clinician_checked-yes").has_attr("checked")
    assert soup.find(id="injury-no").has_attr("checked")
    assert last_screening(app.state.engine, clock.wall_now()) is None


def test_a_no_to_the_clinician_check_stores_nothing_and_says_what_to_do(
    client: TestClient, app: Any
) -> None:
    response = client.post("/check", data=all_no(client.token, clinician_checked="no"))

    assert messages.WEB_CONSENT_DECLINED in text(response)
    assert current_gate(app.state.engine, _now()).reason == "consent"


@pytest.mark.parametrize(
    ("yes", "advice"),
    [
        ("bladder-bowel", messages.ADVICE["emergency"]),
        ("fever", messages.ADVICE["urgent"]),
        ("age", messages.WEB_ADVICE["clinician"]),
    ],
)
def test_a_warning_sign_gives_the_advice_and_blocks_the_player(
    client: TestClient, yes: str, advice: str
) -> None:
    response = client.post(
        "/check", data={**all_no(client.token, clinician_checked="yes"), yes: "yes"}
    )

    assert advice in text(response)
    assert messages.ADVICE_NOTE in text(response)
    blocked = client.get("/play?routine=default")
    assert page(blocked).h1.get_text() == "Not now"
    assert client.post("/api/sessions", json={"routine": "default"}).status_code == 409


# --- today and the stretches ----------------------------------------------------------


def test_today_lists_the_slots_with_doses_and_a_play_link(client: TestClient, app: Any) -> None:
    screened_store(app.state.engine)
    every_day = settings_form(client.token, wake="07:00", bed="22:30", zone="UTC")
    every_day.update(work_start="09:00", work_end="17:00", work_days=list(DAYS))
    client.post("/settings", data=every_day)  # a work day whatever day the test runs

    soup = page(client.get("/today"))
    next_slot = client.get("/api/today").json()["next"]

    slots = {s.h2.get_text(" ", strip=True): s for s in soup.select("ol.slots > li")}
    assert sorted(slots) == [
        "07:05 First thing (lying down)",
        "13:00 During the day (at work)",
        "22:10 Before bed (lying down)",
    ]
    first = [
        li.get_text("", strip=True)
        for li in slots["07:05 First thing (lying down)"].select(".stretch-list li")
    ]
    assert first == [
        "Knee press: hold 15 s",
        "Lower-back rotation: hold 10 s",
        "Pelvic tilt: hold 7 s, 5 times",
    ]
    assert soup.find("a", href=f"/play?slot={next_slot or 'morning'}") is not None


@pytest.mark.parametrize(
    ("hhmm", "first"),
    [("05:00", "morning"), ("14:00", "daytime"), ("22:20", "evening"), ("23:30", "")],
)
def test_today_shows_the_next_slot_first_then_the_rest_of_the_day(
    client: TestClient, app: Any, monkeypatch: pytest.MonkeyPatch, hhmm: str, first: str
) -> None:
    from datetime import UTC, datetime

    import easeback.usecases.clock

    # Everything happens at the test's time of day, whatever the real one: a safety
    # check stamped later than "now" would not count yet.
    today = datetime.now(UTC).date().isoformat()
    now = datetime.fromisoformat(f"{today}T{hhmm}:00+00:00")
    monkeypatch.setattr(easeback.usecases.clock, "wall_now", lambda: now)
    screened_store(app.state.engine)
    every_day = settings_form(client.token, wake="07:00", bed="22:30", zone="UTC")
    every_day.update(work_start="09:00", work_end="17:00", work_days=list(DAYS))
    client.post("/settings", data=every_day)

    soup = page(client.get("/today"))

    shown = [li.h2.span.get_text() for li in soup.select("ol.slots > li")]
    times = {"morning": "07:05", "daytime": "13:00", "evening": "22:10"}
    day_order = sorted(times.values())
    if not first:  # the day is over: nothing is next, the slots keep the day's order
        assert shown == day_order
        return
    assert shown == [times[first], *(t for t in day_order if t != times[first])]
    top = soup.select_one("ol.slots > li a.button.primary")
    assert top is not None and top["href"] == f"/play?slot={first}"


def test_each_session_offered_says_how_long_the_session_it_plays_lasts(
    client: TestClient, app: Any
) -> None:
    from easeback.wording.days import length_words

    screened_store(app.state.engine)
    soup = page(client.get("/today"))
    links = [a for a in soup.select("main a.button") if a["href"].startswith("/play?")]

    assert len(links) >= 4  # at least one slot, and the three routines for any time
    for link in links:
        query = link["href"].split("?", 1)[1]
        name, value = query.split("=", 1)
        played = client.post("/api/sessions", json={name: value})
        assert played.status_code == 201, played.text
        length = length_words(played.json()["timeline"]["total_ms"])
        assert link.get_text(strip=True).endswith(f", {length}"), link


def test_the_library_page_links_one_page_per_stretch_with_figures(client: TestClient) -> None:
    soup = page(client.get("/stretches"))
    links = [a["href"] for a in soup.select(".cards h2 a")]

    assert links == [
        "/stretches/knee-press",
        "/stretches/lower-back-rotation",
        "/stretches/pelvic-tilt",
        "/stretches/chair-twist",
    ]
    for img in soup.select(".cards img"):
        assert client.get(img["src"]).status_code == 200
    for link in links:
        stretch = page(client.get(link))
        figures = stretch.find_all("figure")
        assert len(figures) >= 3  # the start, then each step's start and hold
        for figure in figures:
            svg = figure.svg
            title = svg.find("title")
            assert svg["role"] == "img"
            assert svg["aria-labelledby"] == title["id"]
            assert title.get_text(strip=True), link
            assert figure.figcaption.get_text(strip=True)


def test_knee_press_page_gives_the_seed_hold_and_timing(client: TestClient) -> None:
    words = text(client.get("/stretches/knee-press"))

    assert "Hold each position 15-20 seconds" in words
    assert "As soon as you wake up" in words


def test_an_unknown_stretch_is_a_real_404_page(client: TestClient) -> None:
    response = client.get("/stretches/cobra")

    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "There is no stretch called 'cobra'." in text(response)
    assert page(response).find("a", href="/today")


@pytest.mark.parametrize(
    ("query", "status", "problem"),
    [
        (
            "routine=yoga",
            404,
            "there is no routine called 'yoga'; choose one of default, bed, office",
        ),
        (
            "slot=noon",
            404,
            "there is no time of day called 'noon'; choose morning, daytime or evening",
        ),
        (
            "speed=0",
            400,
            "speed 0 cannot be played: a session plays at speed 1 (real time) or, as a "
            "rehearsal, up to 500 times faster",
        ),
        ("speed=fast", 400, "speed must be a number, such as 1.5"),
        ("routine=default&slot=morning", 400, "give a slot or a routine, not both"),
        ("routine=../../etc/passwd", 404, "there is no routine called '../../etc/passwd'; choose"),
    ],
)
def test_a_wrong_player_address_says_what_is_wrong_in_our_words(
    client: TestClient, app: Any, query: str, status: int, problem: str
) -> None:
    screened_store(app.state.engine)

    response = client.get(f"/play?{query}")

    assert response.status_code == status
    shown = page(response).find("main").find("p").get_text()
    assert shown.startswith(f"This address has a wrong value: {problem}")
    assert shown.endswith(". Open the page from Today instead.")


def test_an_unknown_page_is_a_404_page_not_a_traceback(client: TestClient) -> None:
    response = client.get("/admin")

    assert response.status_code == 404
    assert "There is no page at this address." in text(response)
    assert "Traceback" not in response.text


def test_the_player_page_has_the_controls_and_the_pain_button(client: TestClient, app: Any) -> None:
    screened_store(app.state.engine)

    soup = page(client.get("/play?routine=default"))

    buttons = {b.get_text(strip=True) for b in soup.find_all("button")}
    assert {"Begin", "Pause", "Skip", "End the session", messages.WEB_PAIN_KEY} <= buttons
    assert soup.find(attrs={"aria-live": "polite"}) is not None
    assert messages.WEB_NO_SCRIPT in soup.noscript.get_text()
    assert soup.find("script", src=static_url("js/play.js"))["type"] == "module"


# --- settings --------------------------------------------------------------------------


def settings_form(token: str, **values: str) -> dict[str, Any]:
    form: dict[str, Any] = {
        "csrf": token,
        "wake": "06:30",
        "bed": "23:00",
        "work_start": "08:30",
        "work_end": "17:00",
        "work_days": ["mon", "tue", "wed", "thu", "fri"],
        "zone": "Europe/London",
    }
    form.update(values)
    return form


def test_settings_are_saved_and_shape_today(client: TestClient) -> None:
    response = client.post("/settings", data=settings_form(client.token))

    assert response.status_code == 200  # followed the redirect
    assert "Saved." in text(response)
    assert page(response).find(id="wake")["value"] == "06:30"
    today = client.get("/api/today").json()
    assert today["zone"] == "Europe/London"
    assert today["slots"][0]["time"] == "06:35"


def test_a_bed_time_after_midnight_is_saved_and_ends_the_day(client: TestClient) -> None:
    response = client.post("/settings", data=settings_form(client.token, bed="00:30"))

    assert response.status_code == 200  # followed the redirect
    assert page(response).find(id="bed")["value"] == "00:30"
    today = client.get("/api/today").json()
    assert [slot["time"] for slot in today["slots"]][-1] == "00:10"


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"wake": "6.30"}, "wake", "'6.30' is not a time; write it as HH:MM"),
        ({"bed": "07:00", "wake": "08:00"}, "bed", "leaves only 1 h 0 min until waking at 08:00"),
        ({"zone": "Europe/Lndon"}, "zone", "Unknown time zone 'Europe/Lndon'"),
        ({"zone": "Europe"}, "zone", "Unknown time zone 'Europe'"),
        ({"work_start": "18:00"}, "work_start", "Work ends (17:00) at or before it starts"),
        ({"work_end": ""}, "work_start", "Give when work starts and ends"),
        ({"zone": ""}, "zone", "Please fill this in."),
    ],
)
def test_a_wrong_setting_comes_back_named_with_the_input_kept(
    client: TestClient, change: dict[str, str], field: str, message: str
) -> None:
    response = client.post("/settings", data=settings_form(client.token, **change))

    assert response.status_code == 400
    soup = page(response)
    error = soup.find(id=f"{field}-error")
    assert error is not None and message in error.get_text()
    summary = soup.find(role="alert")
    assert summary.find("a", href=f"#{field}") is not None
    assert "Nothing was changed" in summary.get_text()
    for name, value in change.items():
        if name == "zone":  # a list: what was sent is the option chosen
            assert soup.find(id="zone").find("option", selected=True)["value"] == value
        elif name != "work_days":
            assert soup.find(id=name)["value"] == value
    assert client.get("/api/today").json()["set_up"] is False


def test_history_shows_no_sessions_yet_then_a_session(client: TestClient, app: Any) -> None:
    assert "No sessions yet." in text(client.get("/history"))
    screened_store(app.state.engine)
    client.post("/api/sessions", json={"routine": "bed", "pain_before": 4})

    soup = page(client.get("/history"))

    row = soup.select_one("tbody tr:not(.day)").get_text(" ", strip=True)
    assert "Morning and night, lying down" in row
    assert messages.OUTCOME_WORDS["playing"] in row  # opened just now, no ending yet
    assert "4 → \u2013" in row


def _now() -> Any:
    from datetime import UTC, datetime

    return datetime.now(UTC)


def test_a_warning_sign_is_kept_and_comes_first_even_when_the_pain_has_not_settled(
    client: TestClient, app: Any
) -> None:
    from easeback.store.sessions import list_sessions

    screened_store(app.state.engine)
    session = client.post("/api/sessions", json={"routine": "default"}).json()
    event = {
        "id": "00000000-0000-4000-8000-000000000001",
        "seq": 0,
        "kind": "started",
        "phase": 0,
        "position_ms": 0,
        "offset_ms": 0,
        "at": _now().isoformat(),
    }
    stop = {**event, "id": "00000000-0000-4000-8000-000000000002", "seq": 1, "kind": "pain_stop"}
    client.post(f"/api/sessions/{session['id']}/events", json={"events": [event, stop]})
    assert list_sessions(app.state.engine, now=_now())[0].outcome == "pain_stop"

    response = client.post(
        "/check", data={**all_no(client.token), "pain_settled": "no", "bladder-bowel": "yes"}
    )

    shown = text(response)
    assert shown.index(messages.ADVICE["emergency"]) < shown.index(messages.PAIN_NOT_SETTLED)
    assert last_screening(app.state.engine, clock.wall_now()).group == "emergency"
    assert current_gate(app.state.engine, _now()).reason == "emergency"


@pytest.mark.parametrize("zone", ["Europe", "US", "Etc", "x" * 300, "../../etc/passwd"])
def test_a_zone_that_names_a_folder_or_is_too_long_is_a_named_error(
    client: TestClient, zone: str
) -> None:
    response = client.post("/settings", data=settings_form(client.token, zone=zone))

    assert response.status_code == 400
    assert "Unknown time zone" in page(response).find(id="zone-error").get_text()


def test_answers_meeting_a_held_store_come_back_kept_with_the_cause(
    client: TestClient, app: Any, db_path: Any
) -> None:
    from helpers import HeldLock

    form = {**all_no(client.token, clinician_checked="yes"), "fever": "yes"}
    lock = HeldLock(db_path)
    try:
        held = client.post("/check", data=form)
    finally:
        lock.release()

    assert held.status_code == 503
    soup = page(held)
    alert = soup.find(role="alert")
    assert alert.p.get_text() == messages.WEB_FORM_NOT_SAVED.format(
        cause=messages.WEB_STORE_CAUSES["locked"]
    )
    assert soup.find(id="clinician_checked-yes").has_attr("checked")
    assert soup.find(id="fever-yes").has_attr("checked")
    assert soup.find(id="injury-no").has_attr("checked")
    assert last_screening(app.state.engine, clock.wall_now()) is None
    assert messages.ADVICE["urgent"] in text(client.post("/check", data=form))  # once free


def test_days_and_times_are_shown_one_way_on_the_24_hour_clock(
    client: TestClient, app: Any
) -> None:
    import re
    from datetime import UTC, datetime

    from easeback.store.diary import add_entry
    from easeback.store.sessions import open_session
    from helpers import ROTATION_TIMELINE

    evening = datetime(2026, 3, 2, 19, 5, tzinfo=UTC)  # London keeps UTC in March
    engine = app.state.engine
    screened_store(engine)
    open_session(
        engine,
        ROTATION_TIMELINE,
        title="Just the rotation",
        speed=1.0,
        started=evening,
        zone="Europe/London",
        player="web",
        slot=None,
        plan_date=None,
    )
    add_entry(engine, at=evening, zone="Europe/London", pain=3, note=None)

    history = page(client.get("/history"))
    diary = page(client.get("/diary"))

    # The day in words, its year only when it is not this year.
    day = "Monday 2 March" + ("" if datetime.now(UTC).year == 2026 else " 2026")
    assert history.select_one("tbody tr.day").get_text(strip=True) == day
    assert history.select_one("tbody tr:not(.day) td").get_text() == "19:05"
    assert diary.find(class_="records").li.get_text() == f"{day}, 19:05: pain 3/10"
    for path in ("/today", "/history", "/diary", "/progress", "/check", "/play?routine=bed"):
        shown = text(client.get(path))
        assert not re.search(r"\d\s*[AaPp]\.?[Mm]\b", shown), path
