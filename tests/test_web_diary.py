"""The diary and progress pages, and the clinician's downloads, in the web app."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient

from easeback.store.diary import add_entry, entries, ratings
from easeback.usecases.diary_input import NAME_LIMIT, NOTE_LIMIT
from easeback.wording import messages
from helpers import HeldLock


def page(response: Any) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html.parser")


def test_a_pain_entry_with_a_note_is_saved(client: TestClient, app: Any) -> None:
    response = client.post(
        "/diary", data={"csrf": client.token, "pain": "4", "note": "stiff", "share": "yes"}
    )

    assert response.status_code == 200
    assert "Saved in your diary." in response.text
    [entry] = entries(app.state.engine)
    assert (entry.pain, entry.note, entry.share) == (4, "stiff", True)
    assert "pain 4/10" in page(client.get("/diary")).find(class_="records").get_text()


@pytest.mark.parametrize(
    ("form", "field", "message"),
    [
        ({}, "pain", "Choose how much it hurts, or write a note"),
        ({"pain": "11"}, "pain", "Choose a number from 0 (no pain) to 10"),
        ({"pain": "\u00b2"}, "pain", "Choose a number from 0 (no pain) to 10"),
        ({"pain": "3", "note": "x" * 2001}, "note", "please keep it to 2000"),
    ],
)
def test_a_wrong_diary_entry_comes_back_named_and_kept(
    client: TestClient, app: Any, form: dict[str, str], field: str, message: str
) -> None:
    response = client.post("/diary", data={"csrf": client.token, **form})

    assert response.status_code == 400
    soup = page(response)
    assert message in soup.find(id=f"{field}-error").get_text()
    if "note" in form:
        assert soup.find(id="note").get_text() == form["note"]
    assert entries(app.state.engine) == []


def psfs_form(token: str, names: list[str], values: list[str]) -> dict[str, str]:
    form = {"csrf": token}
    for i in range(5):
        form[f"activity-{i}"] = names[i] if i < len(names) else ""
        form[f"rating-{i}"] = values[i] if i < len(values) else ""
    return form


def test_psfs_activities_are_named_and_rated(client: TestClient, app: Any) -> None:
    response = client.post(
        "/diary/psfs", data=psfs_form(client.token, ["Socks", "Garden", "Sit"], ["4", "3", "6"])
    )

    assert response.status_code == 200
    assert [r.value for r in ratings(app.state.engine)] == [4, 3, 6]
    soup = page(client.get("/diary"))
    assert soup.find(id="activity-1")["value"] == "Garden"
    assert "4.3" in soup.get_text()


@pytest.mark.parametrize(
    ("names", "values", "field", "message"),
    [
        (["A", "B"], ["1", "2"], "activity-0", "Name 3 to 5 activities"),
        (["A", "B", "C"], ["1", "2", "x"], "rating-2", "from 0 (unable) to 10"),
        (["A", "B", "C"], ["1", "2", "11"], "rating-2", "from 0 (unable) to 10"),
        (["A", "B", "C"], ["1", "2", "\u00b2"], "rating-2", "from 0 (unable) to 10"),
        (["A", "B", "a"], ["1", "2", "3"], "activity-0", "Each activity once"),
    ],
)
def test_a_wrong_psfs_form_is_named_and_nothing_stored(
    client: TestClient, app: Any, names: list[str], values: list[str], field: str, message: str
) -> None:
    response = client.post("/diary/psfs", data=psfs_form(client.token, names, values))

    assert response.status_code == 400
    assert message in page(response).find(id=f"{field}-error").get_text()
    assert page(response).find(id="activity-0")["value"] == names[0]
    assert ratings(app.state.engine) == []


def test_progress_shows_charts_with_tables_and_the_verdict(client: TestClient, app: Any) -> None:
    now = datetime.now(UTC)
    for day, value in ((20, 7), (19, 7), (2, 4), (1, 3)):
        add_entry(app.state.engine, at=now - timedelta(days=day), zone="UTC", pain=value, note=None)

    soup = page(client.get("/progress"))

    assert "meaningful improvement" in soup.get_text()
    svgs = soup.find_all("svg")
    assert len(svgs) == 3
    for svg in svgs:
        assert svg["role"] == "img" and svg.find("title") is not None
        assert not svg.find_all(attrs={"style": True})
    tables = soup.select("details table")
    assert len(tables) == 3
    assert any("7" in td.get_text() for td in tables[1].find_all("td"))


def test_progress_on_an_empty_period_says_what_to_do(client: TestClient) -> None:
    soup = page(client.get("/progress?start=2020-01-01&end=2020-01-31"))

    said = "Nothing was recorded from Wednesday 1 January 2020 to Friday 31 January 2020."
    assert said in soup.get_text()


@pytest.mark.parametrize(
    ("query", "field", "error"),
    [
        ("start=soon", "start", "'soon' is not a date; write it as YYYY-MM-DD, e.g. 2026-11-01."),
        ("end=2026-13-01", "end", "'2026-13-01' is not a date; write it as YYYY-MM-DD, e.g. "),
        ("start=1990-01-01", "start", "1990-01-01 is outside the days easeback can hold; give "),
        ("end=1990-01-01", "end", "1990-01-01 is outside the days easeback can hold; give "),
        (
            "start=2026-11-20&end=2026-11-01",
            "end",
            "The first day 2026-11-20 is after the last 2026-11-01.",
        ),
    ],
)
def test_a_wrong_period_stays_on_the_page_with_the_error_beside_its_field(
    client: TestClient, query: str, field: str, error: str
) -> None:
    response = client.get(f"/progress?{query}")

    assert response.status_code == 400
    soup = page(response)
    assert soup.h1.get_text() == "Progress"
    assert soup.find(id=f"{field}-error").get_text().startswith(error)
    box = soup.find(id=field)
    assert box["aria-invalid"] == "true" and box["aria-describedby"] == f"{field}-error"
    given = dict(part.split("=") for part in query.split("&"))
    assert box["value"] == given.get(field, "")
    summary = soup.find(role="alert")
    assert summary.has_attr("autofocus")
    assert summary.find("a", href=f"#{field}") is not None
    assert soup.find(class_="chart") is None


def test_the_downloads_are_files_of_the_right_kind(client: TestClient, app: Any) -> None:
    add_entry(app.state.engine, at=datetime.now(UTC), zone="UTC", pain=5, note=None)

    pdf = client.get("/report.pdf")
    sheet = client.get("/sheet.pdf")
    fhir = client.get("/export/fhir")
    data = client.get("/export/json")
    tables = client.get("/export/csv")

    assert pdf.content.startswith(b"%PDF") and sheet.content.startswith(b"%PDF")
    assert "attachment" in pdf.headers["content-disposition"]
    assert pdf.headers["cache-control"] == "no-store"
    assert json.loads(fhir.content)["resourceType"] == "Bundle"
    assert json.loads(data.content)["format"] == "easeback-export"
    assert "diary_entries.csv" in zipfile.ZipFile(io.BytesIO(tables.content)).namelist()
    assert client.get("/export/xml").status_code == 404


def test_the_downloads_follow_a_prescription_as_the_commands_do(
    client: TestClient, app: Any
) -> None:
    from pypdf import PdfReader

    from helpers import RX_ID, prescribe

    now = datetime.now(UTC)
    add_entry(app.state.engine, at=now, zone="UTC", pain=5, note=None)
    prescribe(app.state.engine, at=now, start=now.date() - timedelta(days=1))

    texts = {
        path: " ".join(
            " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).split()
        )
        for path, pdf in (
            (path, client.get(path).content) for path in ("/report.pdf", "/sheet.pdf")
        )
    }
    fhir = json.loads(client.get("/export/fhir").content)

    for text in texts.values():
        assert "Prescribed by Dr Ada Okafor (Physiotherapist, Riverside Physio)" in text
        assert "Note from Dr Ada Okafor: Go gently for the first week." in text
    (care_plan,) = (
        e["resource"] for e in fhir["entry"] if e["resource"]["resourceType"] == "CarePlan"
    )
    assert care_plan["basedOn"][0]["identifier"]["value"] == RX_ID


def test_a_report_for_an_empty_period_is_a_404_page(client: TestClient) -> None:
    response = client.get("/report.pdf?start=2020-01-01&end=2020-01-02")

    assert response.status_code == 404
    assert "Nothing was recorded" in response.text


# --- another program holds the store ----------------------------------------------------


def not_saved_box(response: Any) -> str:
    alert = page(response).find(role="alert")
    assert alert.h2.get_text() == "Not saved yet"
    text: str = alert.p.get_text()
    return text


HELD = messages.WEB_FORM_NOT_SAVED.format(cause=messages.WEB_STORE_CAUSES["locked"])


def test_a_diary_entry_meeting_a_held_store_comes_back_kept_with_the_cause(
    client: TestClient, app: Any, db_path: Any
) -> None:
    form = {"csrf": client.token, "pain": "4", "note": "stiff after the drive", "share": "yes"}
    lock = HeldLock(db_path)
    try:
        held = client.post("/diary", data=form)
    finally:
        lock.release()

    assert held.status_code == 503
    assert held.headers["retry-after"] == "2"
    assert not_saved_box(held) == HELD
    soup = page(held)
    assert soup.find(id="note").get_text() == "stiff after the drive"
    assert soup.find(id="pain-4").has_attr("checked")
    assert soup.find(id="share").has_attr("checked")
    assert entries(app.state.engine) == []
    assert client.post("/diary", data=form).status_code == 200  # once it is free
    assert [e.note for e in entries(app.state.engine)] == ["stiff after the drive"]


def test_psfs_ratings_meeting_a_held_store_come_back_kept_with_the_cause(
    client: TestClient, app: Any, db_path: Any
) -> None:
    form = psfs_form(client.token, ["Socks", "Garden", "Sit"], ["4", "3", "6"])
    lock = HeldLock(db_path)
    try:
        held = client.post("/diary/psfs", data=form)
    finally:
        lock.release()

    assert held.status_code == 503
    assert not_saved_box(held) == HELD
    soup = page(held)
    assert [soup.find(id=f"activity-{i}")["value"] for i in range(3)] == ["Socks", "Garden", "Sit"]
    assert [soup.find(id=f"rating-{i}")["value"] for i in range(3)] == ["4", "3", "6"]
    assert ratings(app.state.engine) == []


# --- what each field may hold ------------------------------------------------------------


def _names(index: int, value: str) -> list[str]:
    names = ["B", "C", "D", "E", "F"][: max(3, index + 1)]
    names[index] = value
    return names


def _sized(field: str, length: int) -> str:
    """A value of ``length`` characters that the field would take if it were short
    enough: a note or a name of x's, a rating of 10, 100, 1000..."""
    if field.startswith("rating"):
        return ("1" + "0" * length)[:length]
    return "x" * length


def _post(token: str, field: str, value: str) -> tuple[str, dict[str, str]]:
    """Where a value for ``field`` is posted, with the rest of its form valid."""
    if field == "note":
        return "/diary", {"csrf": token, "pain": "3", "note": value}
    index = int(field.rsplit("-", 1)[1])
    names = _names(index, value) if field.startswith("activity") else _names(index, "A")
    values = ["1"] * len(names)
    if field.startswith("rating"):
        values[index] = value
    return "/diary/psfs", psfs_form(token, names, values)


FORM_PAGES = ["/diary", "/check", "/progress"]


def test_every_field_takes_exactly_what_the_server_keeps(client: TestClient) -> None:
    fields = {}
    for path in FORM_PAGES:
        for box in page(client.get(path)).select(
            "form textarea, form input:not([type=hidden], [type=radio], [type=checkbox], "
            "[type=date], [type=submit])"
        ):
            fields[box["id"]] = int(box["maxlength"])
    assert set(fields) == {"note", *(f"{k}-{i}" for k in ("activity", "rating") for i in range(5))}

    for field, limit in fields.items():
        url, form = _post(client.token, field, _sized(field, limit))
        taken = client.post(url, data=form)
        url, form = _post(client.token, field, _sized(field, limit + 1))
        refused = client.post(url, data=form)

        assert taken.status_code == 200, (field, page(taken).find(role="alert"))
        assert refused.status_code == 400, field
        assert page(refused).find(id=f"{field}-error") is not None, field


@pytest.mark.parametrize(
    ("field", "limit"), [("note", NOTE_LIMIT), ("activity-0", NAME_LIMIT), ("rating-0", 2)]
)
def test_the_page_limits_are_the_servers_rules(client: TestClient, field: str, limit: int) -> None:
    assert page(client.get("/diary")).find(id=field)["maxlength"] == str(limit)
