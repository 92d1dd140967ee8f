"""One patient's page, their report and FHIR export, and the prescription editor
(issue 13): open for the patient's own clinician only (404 for anyone else's, each
read in the audit log the patient sees), and a published prescription followed by
the patient's own Today. On a real PostgreSQL server."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from easeback.server.schema import audit
from easeback.server.tenancy import scoped
from easeback.store.diary import add_entry
from easeback.usecases.clock import wall_now
from helpers import screened_store
from server_helpers import Clinic, clinic, csrf_of


@pytest.fixture
def place(postgres_url: str) -> Iterator[Clinic]:
    with clinic(postgres_url) as made:
        for key in ("pat_a", "pat_b"):
            store = scoped(made.app.state.clinic, made.people[key].id)  # type: ignore[attr-defined]
            screened_store(store)
            for day in range(10):
                at = wall_now() - timedelta(days=day)
                add_entry(store, at=at, zone="UTC", pain=4, note=None)
        yield made


def audit_rows(place: Clinic) -> list[tuple[str | None, str | None, str, str]]:
    with place.app.state.clinic.connect() as connection:  # type: ignore[attr-defined]
        return [
            tuple(row)
            for row in connection.execute(
                select(audit.c.actor_id, audit.c.patient_id, audit.c.action, audit.c.outcome)
                .where(audit.c.action.in_(("progress page", "PDF report", "FHIR export")))
                .order_by(audit.c.id)
            )
        ]


def paths(place: Clinic, who: str) -> list[str]:
    base = f"/clinic/patients/{place.people[who].id}"
    return [base, f"{base}/report.pdf", f"{base}/export/fhir", f"{base}/prescription"]


def test_the_clinician_opens_their_patients_page_report_and_fhir(place: Clinic) -> None:
    client = place.client("dr_a")
    page, report, fhir, editor = (client.get(p) for p in paths(place, "pat_a"))

    assert page.status_code == 200
    soup = BeautifulSoup(page.text, "html.parser")
    assert soup.h1.get_text() == "Sam Patel"
    assert len(soup.select("section.chart-block svg")) == 3  # as on the progress page
    assert report.status_code == 200
    assert report.headers["content-type"] == "application/pdf"
    assert report.content.startswith(b"%PDF")
    assert fhir.status_code == 200
    bundle = json.loads(fhir.content)
    assert bundle["resourceType"] == "Bundle"
    observed = [
        e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Observation"
    ]
    assert len(observed) >= 10
    assert editor.status_code == 200
    doctor, patient = place.people["dr_a"].id, place.people["pat_a"].id
    assert audit_rows(place) == [
        (doctor, patient, "progress page", "ok"),
        (doctor, patient, "PDF report", "ok"),
        (doctor, patient, "FHIR export", "ok"),
    ]


@pytest.mark.parametrize("who", ["dr_b", "admin", "pat_b"])
def test_anyone_else_is_refused_each_of_a_patients_pages(place: Clinic, who: str) -> None:
    client = place.client(who)

    statuses = [client.get(p).status_code for p in paths(place, "pat_a")]

    assert statuses == ([404] * 4 if who == "dr_b" else [403] * 4)
    assert all(outcome != "ok" for *_, outcome in audit_rows(place))


def test_an_id_that_is_nobodys_is_a_404_like_anothers_patient(place: Clinic) -> None:
    client = place.client("dr_a")

    assert client.get("/clinic/patients/" + "0" * 32).status_code == 404
    assert client.get("/clinic/patients/not-an-id").status_code == 404


def test_the_patient_sees_each_read_on_their_account_page(place: Clinic) -> None:
    client = place.client("dr_a")
    for path in paths(place, "pat_a")[:3]:
        client.get(path)

    page = place.client("pat_a").get("/account").text

    rows = BeautifulSoup(page, "html.parser").find("tbody").find_all("tr")
    seen = [[td.get_text() for td in tr.find_all("td")][1:] for tr in rows]
    assert ["Dr Okafor (clinician)", "FHIR export"] in seen
    assert ["Dr Okafor (clinician)", "PDF report"] in seen
    assert ["Dr Okafor (clinician)", "progress page"] in seen


def form_of(client: object, path: str) -> dict[str, str]:
    """The editor's form as the page fills it: every field with its value."""
    page = client.get(path).text  # type: ignore[attr-defined]
    soup = BeautifulSoup(page, "html.parser")
    form = soup.find("form", attrs={"action": path})
    values: dict[str, str] = {}
    for field in form.find_all(["input", "textarea"]):
        if field.get("type") == "checkbox":
            if field.has_attr("checked"):
                values[field["name"]] = field["value"]
        elif field.name == "textarea":
            values[field["name"]] = field.get_text()
        else:
            values[field["name"]] = field.get("value", "")
    return values


def test_a_dose_outside_the_bounds_is_refused_beside_its_field(place: Clinic) -> None:
    client = place.client("dr_a")
    path = paths(place, "pat_a")[3]
    values = form_of(client, path) | {"knee-press-hold_s": "90"}

    refused = client.post(path, data=values)

    assert refused.status_code == 400
    soup = BeautifulSoup(refused.text, "html.parser")
    field = soup.find("input", id="knee-press-hold_s")
    assert field["aria-invalid"] == "true"
    error = soup.find(id="knee-press-hold_s-error").get_text()
    assert error.startswith("Hold 90 s is above the clinical bounds for knee-press: ")
    summary = soup.find("div", class_="error-summary")
    assert summary.find("a")["href"] == "#knee-press-hold_s"
    assert field["value"] == "90"  # what was typed is kept
    today = place.client("pat_a").get("/api/today").json()
    assert today["plan"]["source"] == "article"


def test_words_where_numbers_go_are_refused_by_name(place: Clinic) -> None:
    client = place.client("dr_a")
    path = paths(place, "pat_a")[3]
    values = form_of(client, path) | {"pelvic-tilt-reps": "ten", "flare-days": "2"}

    refused = client.post(path, data=values)

    soup = BeautifulSoup(refused.text, "html.parser")
    assert soup.find(id="pelvic-tilt-reps-error").get_text() == (
        "“ten” is not a number; give a whole number of repetitions."
    )


def test_publishing_makes_a_version_the_patients_today_follows(place: Clinic) -> None:
    client = place.client("dr_a")
    path = paths(place, "pat_a")[3]
    values = form_of(client, path)
    values |= {"knee-press-hold_s": "25", "knee-press-reps": "2", "note": "Slowly at first."}
    values.pop("chair-twist-on", None)

    published = client.post(path, data=values, follow_redirects=False)

    assert published.status_code == 303, published.text[:3000]
    today = place.client("pat_a").get("/api/today").json()
    assert today["plan"]["source"] == "prescription"
    assert today["plan"]["version"] == 1
    assert today["plan"]["clinician"]["name"] == "Dr Okafor"
    assert today["plan"]["note"] == "Slowly at first."
    doses = {s["id"]: s for slot in today["slots"] for s in slot["stretches"]}
    assert doses["knee-press"]["hold_s"] == 25 and doses["knee-press"]["reps"] == 2
    assert "chair-twist" not in doses
    # The next publication is version 2, from the form filled with version 1.
    again = form_of(client, path)
    assert again["knee-press-hold_s"] == "25"
    assert "chair-twist-on" not in again
    assert client.post(path, data=again, follow_redirects=False).status_code == 303
    assert place.client("pat_a").get("/api/today").json()["plan"]["version"] == 2


def test_a_flare_up_plan_harder_than_the_dose_is_refused(place: Clinic) -> None:
    client = place.client("dr_a")
    path = paths(place, "pat_a")[3]
    values = form_of(client, path) | {
        "flare-days": "3",
        "flare-advice": "Rest more.",
        "flare-contact": "Call the clinic.",
        "knee-press-flare_hold": "19",
        "knee-press-hold_s": "15",
    }

    refused = client.post(path, data=values)

    assert refused.status_code == 400
    soup = BeautifulSoup(refused.text, "html.parser")
    assert soup.find("input", id="knee-press-flare_hold")["aria-invalid"] == "true"
    assert (
        "a flare-up plan is easier, never harder"
        in soup.find(id="knee-press-flare_hold-error").get_text()
    )


def test_the_editor_refuses_a_form_from_elsewhere(place: Clinic) -> None:
    client = place.client("dr_a")
    path = paths(place, "pat_a")[3]
    values = form_of(client, path) | {"csrf": "forged"}

    assert client.post(path, data=values).status_code == 403
    assert csrf_of(client, path)


@pytest.mark.parametrize(
    ("changed", "field", "words"),
    [
        ({"start": "2999-01-01"}, "start", "2999-01-01 is after today ("),
        ({"end": "2001-01-01"}, "end", "2001-01-01 has passed; give today ("),
        ({"start": "soon"}, "start", "“soon” is not a date; give one like 2026-12-01."),
    ],
)
def test_days_the_plan_cannot_follow_are_refused_beside_their_field(
    place: Clinic, changed: dict[str, str], field: str, words: str
) -> None:
    client = place.client("dr_a")
    path = paths(place, "pat_a")[3]

    refused = client.post(path, data=form_of(client, path) | changed)

    assert refused.status_code == 400
    soup = BeautifulSoup(refused.text, "html.parser")
    assert soup.find(id=f"{field}-error").get_text().startswith(words)
    assert soup.find("input", id=field)["aria-invalid"] == "true"


def test_a_clinician_in_another_time_zone_leaves_the_patients_day_as_it_was(
    place: Clinic,
) -> None:
    """The patient's summary is kept in their device's zone; the clinician publishing
    from another continent must not move it (nor the week it counts) to theirs."""
    from easeback.server.schema import patient_status

    phone = place.client("pat_a")
    phone.cookies.set("easeback_zone", "Pacific/Auckland")
    token = csrf_of(phone, "/today")
    sent = phone.post(
        "/api/diary",
        json={
            "id": "0f4c3a1e-5b7d-4c2a-9e8f-1a2b3c4d5e6f",
            "at": wall_now().isoformat(),
            "pain": 3,
        },
        headers={"X-CSRF-Token": token},
    )
    assert sent.status_code == 201, sent.text

    def kept_zone() -> str:
        with place.app.state.clinic.connect() as connection:  # type: ignore[attr-defined]
            return str(
                connection.execute(
                    select(patient_status.c.zone).where(
                        patient_status.c.patient_id == place.people["pat_a"].id
                    )
                ).scalar_one()
            )

    assert kept_zone() == "Pacific/Auckland"
    doctor = place.client("dr_a")
    doctor.cookies.set("easeback_zone", "America/Los_Angeles")
    path = paths(place, "pat_a")[3]
    answer = doctor.post(path, data=form_of(doctor, path), follow_redirects=False)
    assert answer.status_code == 303, answer.text[:3000]
    assert kept_zone() == "Pacific/Auckland"
