"""The Your day page, read as a person would (by labels, hints and the text shown):
24-hour time fields, the time zone picked from a list, and who the clinician's
documents are about (name, date of birth, clinic identifier), which no other page shows."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient

from easeback.core.profile import Profile
from easeback.store.diary import add_entry
from easeback.store.plan import latest_settings
from easeback.store.profile import latest_profile, save_profile
from helpers import screened_store


def page(response: Any) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html.parser")


def form(token: str, **values: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "csrf": token,
        "wake": "06:30",
        "bed": "23:00",
        "work_start": "08:30",
        "work_end": "17:00",
        "work_days": ["mon", "tue", "wed", "thu", "fri"],
        "zone": "Europe/London",
        "name": "",
        "birth_date": "",
        "clinic_id": "",
    }
    data.update(values)
    return data


def hint_of(soup: BeautifulSoup, field: str) -> str:
    """The text of every hint and error a field's aria-describedby names."""
    ids = soup.find(id=field)["aria-describedby"].split()
    return " ".join(soup.find(id=i).get_text(" ", strip=True) for i in ids)


# --- times ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "label", "example"),
    [
        ("wake", "When you usually get up", "For example 07:00."),
        (
            "bed",
            "When you go to bed",
            "For example 22:30, or 00:30 when you go to bed after midnight.",
        ),
        ("work_start", "Start", "For example 09:00."),
        ("work_end", "End", "For example 17:30."),
    ],
)
def test_times_are_24_hour_text_fields_with_an_example(
    client: TestClient, field: str, label: str, example: str
) -> None:
    soup = page(client.get("/settings"))

    box = soup.find(id=field)
    assert soup.find("label", attrs={"for": field}).get_text(strip=True) == label
    assert box.name == "input" and box["type"] == "text"
    # nothing in the page limits the time to one day (a bed time after midnight)
    assert not {"max", "min", "pattern", "maxlength"} & set(box.attrs)
    assert hint_of(soup, field) == example
    assert "Times are 24-hour, HH:MM" in soup.form.get_text(" ")


def test_saved_times_come_back_in_24_hour_form(client: TestClient) -> None:
    client.post("/settings", data=form(client.token, wake="06:05", bed="23:45"))

    soup = page(client.get("/settings"))

    assert (soup.find(id="wake")["value"], soup.find(id="bed")["value"]) == ("06:05", "23:45")


# --- the time zone -------------------------------------------------------------------


def zone_list(soup: BeautifulSoup) -> Any:
    return soup.find("select", id="zone")


def test_the_time_zone_is_picked_from_a_list_grouped_by_region(client: TestClient) -> None:
    select = zone_list(page(client.get("/settings")))

    regions = [group["label"] for group in select.find_all("optgroup")]
    values = {option["value"] for option in select.find_all("option")}
    london = select.find("option", value="Europe/London")
    new_york = select.find("option", value="America/New_York")
    assert regions[:2] == ["Africa", "America"] and "Europe" in regions
    assert london.get_text() == "London" and london.parent["label"] == "Europe"
    assert new_york.get_text() == "New York"
    assert {"UTC", "Asia/Kolkata", "Asia/Calcutta", "America/Argentina/Buenos_Aires"} <= values
    assert not {"US/Eastern", "GB", "Etc/GMT+5", "localtime", "Factory"} & values
    assert select.get("aria-describedby") == "zone-hint"


def test_before_anything_is_saved_the_browser_fills_in_its_zone(client: TestClient) -> None:
    soup = page(client.get("/settings"))

    assert zone_list(soup)["data-fill"] == "browser"
    assert soup.find("script", src="/static/js/settings.js")["type"] == "module"
    assert soup.find(id="zone-from-browser") is not None


def test_once_saved_the_zone_shown_is_the_saved_one(client: TestClient) -> None:
    client.post("/settings", data=form(client.token, zone="Asia/Tokyo"))

    select = zone_list(page(client.get("/settings")))

    assert select.find("option", selected=True)["value"] == "Asia/Tokyo"
    assert len(select.find_all("option", selected=True)) == 1
    assert not select.has_attr("data-fill")


def test_a_saved_zone_the_list_does_not_offer_is_kept(client: TestClient, app: Any) -> None:
    from easeback.core.plan import DaySettings
    from easeback.store.plan import save_settings

    save_settings(app.state.engine, DaySettings(zone="US/Eastern"), at=datetime.now(UTC))

    select = zone_list(page(client.get("/settings")))
    client.post("/settings", data=form(client.token, zone="US/Eastern"))

    chosen = select.find("option", selected=True)
    assert (chosen["value"], chosen.get_text()) == ("US/Eastern", "US/Eastern")
    stored = latest_settings(app.state.engine)
    assert stored is not None and stored.zone == "US/Eastern"


# --- who the documents are about ------------------------------------------------------


def test_name_birth_date_and_clinic_identifier_are_saved_and_shown_back(
    client: TestClient, app: Any
) -> None:
    response = client.post(
        "/settings",
        data=form(client.token, name=" Sam Doe ", birth_date="1974-05-02", clinic_id="AB-123"),
    )

    assert response.status_code == 200  # followed the redirect
    soup = page(response)
    assert "Saved." in soup.find(role="status").get_text()
    assert [soup.find(id=f)["value"] for f in ("name", "birth_date", "clinic_id")] == [
        "Sam Doe",
        "1974-05-02",
        "AB-123",
    ]
    assert latest_profile(app.state.engine) == Profile("Sam Doe", date(1974, 5, 2), "AB-123")
    fields = soup.find("legend", string="For your clinician").parent
    assert "easeback shows them nowhere else" in fields.get_text(" ")
    assert soup.find(id="name")["autocomplete"] == "name"
    assert soup.find(id="birth_date")["autocomplete"] == "bday"
    assert "YYYY-MM-DD" in hint_of(soup, "birth_date")


def test_an_empty_field_clears_what_was_given(client: TestClient, app: Any) -> None:
    client.post("/settings", data=form(client.token, name="Sam Doe", clinic_id="AB-123"))

    client.post("/settings", data=form(client.token, name="", clinic_id="AB-123"))

    assert latest_profile(app.state.engine) == Profile(None, None, "AB-123")


def test_saving_the_day_again_adds_no_profile_row(client: TestClient, app: Any) -> None:
    from sqlalchemy import func, select

    from easeback.store.schema import profiles

    for _ in range(3):
        client.post("/settings", data=form(client.token, name="Sam Doe"))

    with app.state.engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(profiles)).scalar() == 1


TOMORROW = (datetime.now(UTC) + timedelta(days=2)).date().isoformat()


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        (
            {"name": "Sam\tDoe"},
            "name",
            "The name has a control character (such as a tab or a line break) at character 4; "
            "type it as one line of plain text.",
        ),
        ({"name": "x" * 121}, "name", "The name has 121 characters; keep it to 120."),
        (
            {"birth_date": "02/05/1974"},
            "birth_date",
            "'02/05/1974' is not a date; write it as YYYY-MM-DD, e.g. 1974-05-02.",
        ),
        (
            {"birth_date": TOMORROW},
            "birth_date",
            f"{TOMORROW} is in the future; give your date of birth as YYYY-MM-DD, e.g. 1974-05-02.",
        ),
        (
            {"birth_date": "1899-12-31"},
            "birth_date",
            "1899-12-31 is before 1900; check the year (YYYY-MM-DD, e.g. 1974-05-02).",
        ),
        ({"clinic_id": "9" * 65}, "clinic_id", "The identifier has 65 characters; keep it to 64."),
    ],
)
def test_a_wrong_profile_value_comes_back_named_and_nothing_is_saved(
    client: TestClient, app: Any, change: dict[str, str], field: str, message: str
) -> None:
    response = client.post("/settings", data=form(client.token, wake="05:00", **change))

    assert response.status_code == 400
    soup = page(response)
    assert soup.find(id=f"{field}-error").get_text() == message
    assert soup.find(id=field)["aria-invalid"] == "true"
    summary = soup.find(role="alert")
    assert summary.find("a", href=f"#{field}").get_text() == message
    assert "Nothing was changed" in summary.get_text()
    assert soup.find(id=field)["value"] == next(iter(change.values()))
    assert soup.find(id="wake")["value"] == "05:00"
    assert latest_profile(app.state.engine) == Profile()
    assert latest_settings(app.state.engine) is None


def test_a_wrong_day_and_a_wrong_name_are_both_named(client: TestClient, app: Any) -> None:
    response = client.post(
        "/settings", data=form(client.token, zone="Mars/Olympus", name="n" * 130)
    )

    errors = [a["href"] for a in page(response).find(role="alert").find_all("a")]
    assert errors == ["#zone", "#name"]
    assert latest_profile(app.state.engine) == Profile()


def test_the_name_is_shown_on_no_other_page(client: TestClient, app: Any) -> None:
    engine = app.state.engine
    screened_store(engine)
    add_entry(engine, at=datetime.now(UTC), zone="UTC", pain=4, note="stiff", share=True)
    client.post("/api/sessions", json={"routine": "bed", "pain_before": 3})
    save_profile(
        engine, Profile("Quentin Zebedee", date(1961, 7, 30), "CLINIC-77"), at=datetime.now(UTC)
    )

    pages = [
        "/today",
        "/diary",
        "/progress",
        "/history",
        "/stretches",
        "/stretches/knee-press",
        "/check",
        "/play?routine=default",
        "/api/today",
        "/api/sessions",
    ]
    for path in pages:
        shown = client.get(path).text
        for given in ("Quentin", "Zebedee", "1961-07-30", "30 Jul 1961", "CLINIC-77"):
            assert given not in shown, (path, given)
    assert "Quentin Zebedee" in client.get("/settings").text


def test_the_pdfs_from_the_web_app_say_who_they_are_about(client: TestClient, app: Any) -> None:
    import io

    from pypdf import PdfReader

    add_entry(app.state.engine, at=datetime.now(UTC), zone="UTC", pain=4, note=None)
    client.post("/settings", data=form(client.token, name="Sam Doe", birth_date="1974-05-02"))

    for path in ("/report.pdf", "/sheet.pdf"):
        response = client.get(path)
        assert response.status_code == 200, path
        text = " ".join(PdfReader(io.BytesIO(response.content)).pages[0].extract_text().split())
        assert "Name: Sam Doe · Date of birth: 02 May 1974" in text, path


def test_your_day_meeting_a_held_store_comes_back_kept_with_the_cause(
    client: TestClient, app: Any, db_path: Any
) -> None:
    from helpers import HeldLock

    form = {
        "csrf": client.token,
        "wake": "06:30",
        "bed": "00:30",
        "work_start": "08:30",
        "work_end": "17:00",
        "work_days": ["mon", "tue"],
        "zone": "Europe/London",
        "name": "Sam Doe",
        "birth_date": "",
        "clinic_id": "",
    }
    lock = HeldLock(db_path)
    try:
        held = client.post("/settings", data=form)
    finally:
        lock.release()

    assert held.status_code == 503
    soup = BeautifulSoup(held.text, "html.parser")
    assert soup.find(role="alert").h2.get_text() == "Not saved yet"
    assert soup.find(role="alert").has_attr("autofocus")
    assert soup.find(id="bed")["value"] == "00:30"
    assert soup.find(id="name")["value"] == "Sam Doe"
    again = client.post("/settings", data=form, follow_redirects=False)
    assert again.status_code == 303  # once it is free
