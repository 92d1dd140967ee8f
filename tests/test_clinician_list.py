"""The clinician's patient list (issue 13): who needs attention and why, this week's
sessions against the plan, pain now against the start, search and sort; on a real
PostgreSQL server, with each patient's records written by the store's own functions."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import Engine

from easeback.clinician.status import refresh
from easeback.content.library import load_library, load_routine
from easeback.core.screening import QUESTION_IDS, assess
from easeback.core.timeline import build_timeline
from easeback.server.accounts import create_account
from easeback.server.tenancy import scoped
from easeback.store.diary import add_entry, entries
from easeback.store.records import event_record, write_now
from easeback.store.safety import record_screening
from easeback.store.sessions import open_session
from easeback.usecases.clock import wall_now
from easeback.usecases.prescription import start_flare
from helpers import browser_pain_stop, screened_store
from server_helpers import PASSWORD, Clinic, clinic, csrf_of


@pytest.fixture
def place(postgres_url: str) -> Iterator[Clinic]:
    with clinic(postgres_url) as made:
        yield made


def store_of(place: Clinic, who: str) -> Engine:
    return scoped(place.app.state.clinic, place.people[who].id)  # type: ignore[attr-defined]


def add_patient(place: Clinic, key: str, name: str, doctor: str = "dr_a") -> Engine:
    """Another patient of ``doctor``, joined a month ago (so a quiet week shows)."""
    engine: Engine = place.app.state.clinic  # type: ignore[attr-defined]
    with engine.begin() as connection:
        place.people[key] = create_account(
            connection,
            role="patient",
            email=f"{key}@clinic.test",
            name=name,
            password=PASSWORD,
            now=wall_now() - timedelta(days=30),
            clinician_id=place.people[doctor].id,
        )
    store = store_of(place, key)
    screened_store(store)
    return store


def play(
    store: Engine, started: datetime, ending: str = "completed", routine: str = "default"
) -> None:
    """A session of ``routine`` at normal speed started at ``started``, ended by
    ``ending``."""
    timeline = build_timeline(load_routine(routine), load_library())
    session = open_session(
        store,
        timeline,
        title="Morning",
        speed=1.0,
        started=started,
        zone="UTC",
        player="web",
        slot=None,
        plan_date=None,
    )
    common: dict[str, Any] = {"phase_index": 0, "position_ms": 0, "zone": "UTC"}
    write_now(
        store,
        [
            event_record(
                session, timeline, seq=0, kind="started", offset_ms=0, wall=started, **common
            ),
            event_record(
                session, timeline, seq=1, kind=ending, offset_ms=60_000, wall=started, **common
            ),
        ],
    )


def rows_of(page: str) -> dict[str, dict[str, str]]:
    """The list's table: patient name -> column heading -> cell text."""
    soup = BeautifulSoup(page, "html.parser")
    table = soup.find("table", class_="patients")
    assert table is not None, page[:2000]
    heads = [th.get_text(" ").split(",")[0].strip(" ↑↓\n") for th in table.find_all("th")]
    out = {}
    for tr in table.find("tbody").find_all("tr"):
        cells = [" ".join(td.get_text(" ").split()) for td in tr.find_all("td")]
        out[cells[0]] = dict(zip(heads, cells, strict=True))
    return out


def names_in_order(page: str) -> list[str]:
    return list(rows_of(page))


def test_each_reason_for_attention_is_shown_in_words(place: Clinic) -> None:
    now = wall_now()
    stopped = add_patient(place, "stop", "Ann Stop")
    play(stopped, now - timedelta(days=2), "pain_stop")
    warned = add_patient(place, "warn", "Bea Warning")
    play(warned, now - timedelta(days=1))
    answers = dict.fromkeys(QUESTION_IDS, False) | {"fever": True}
    record_screening(
        warned,
        answers=answers,
        result=assess(answers),
        reason="symptoms",
        at=wall_now(),  # after the first screening (the newest answers hold)
        zone="UTC",
    )
    flaring = add_patient(place, "flare", "Cy Flare")
    play(flaring, now - timedelta(days=1))
    start_flare(flaring, now=now)
    rising = add_patient(place, "rise", "Di Rising")
    for day in range(21):
        moment = now - timedelta(days=20 - day)
        play(rising, moment)
        add_entry(rising, at=moment, zone="UTC", pain=2 if day < 7 else 6, note=None)
    quiet = add_patient(place, "quiet", "Ed Quiet")
    play(quiet, now - timedelta(days=8))
    fine = add_patient(place, "fine", "Flo Fine")
    play(fine, now - timedelta(hours=3))
    clinic_engine = place.app.state.clinic  # type: ignore[attr-defined]
    for key in ("stop", "warn", "flare", "rise", "quiet", "fine"):
        refresh(clinic_engine, place.people[key].id, now)

    rows = rows_of(place.client("dr_a").get("/clinic").text)

    attention = {name: row["Needs attention"] for name, row in rows.items()}
    assert attention["Ann Stop"].startswith("Stopped for pain on ")
    assert attention["Bea Warning"] == (
        "Warning sign in the safety questions (advised: a doctor today)"
    )
    assert attention["Cy Flare"].startswith("Flare-up, until ")
    assert attention["Di Rising"] == "Pain rising: a meaningful worsening over the last 4 weeks"
    assert attention["Ed Quiet"] == "No session for 8 days"
    assert attention["Flo Fine"] == "No"
    # Sam Patel (dr_a's first patient) joined today and has not played yet: not late.
    assert attention["Sam Patel"] == "No"
    assert rows["Di Rising"]["Pain now"] == "6 / 10"
    assert rows["Di Rising"]["Since the start"] == "+4 (from 2)"
    # Needing attention first, then by name.
    assert names_in_order(place.client("dr_a").get("/clinic").text) == [
        "Ann Stop",
        "Bea Warning",
        "Cy Flare",
        "Di Rising",
        "Ed Quiet",
        "Flo Fine",
        "Sam Patel",
    ]


def test_a_patient_who_never_played_is_late_a_week_after_joining(place: Clinic) -> None:
    add_patient(place, "new", "Gus New")

    rows = rows_of(place.client("dr_a").get("/clinic").text)

    assert rows["Gus New"]["Needs attention"] == "No session yet for 30 days"
    assert rows["Gus New"]["This week"] == "nothing yet"  # not "0 of 0"


def test_quiet_days_are_counted_when_the_list_is_read_not_when_kept(place: Clinic) -> None:
    now = wall_now()
    store = add_patient(place, "p", "Hal Later")
    play(store, now - timedelta(days=9))
    # Kept five days ago, when it was only 4 days since the session.
    refresh(place.app.state.clinic, place.people["p"].id, now - timedelta(days=5))  # type: ignore[attr-defined]

    rows = rows_of(place.client("dr_a").get("/clinic").text)

    assert rows["Hal Later"]["Needs attention"] == "No session for 9 days"
    assert rows["Hal Later"]["This week"].startswith("0 of ")


@pytest.mark.xfail(
    strict=True,
    reason="known defect, issue 14's notes: the list's 'This week' counts no session stored "
    "without a slot (as the server's tests store them); this test passed only before 07:00 "
    "UTC, when it asserted nothing",
)
def test_this_weeks_sessions_are_counted_against_the_plans_week(
    place: Clinic, monkeypatch: pytest.MonkeyPatch
) -> None:
    import easeback.usecases.clock

    now = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)  # a Wednesday noon: three mornings
    monkeypatch.setattr(easeback.usecases.clock, "wall_now", lambda: now)
    store = add_patient(place, "p", "Ivy Week")
    monday = (now - timedelta(days=now.weekday())).replace(hour=0, minute=5, second=0)
    done = 0
    for day in range(now.weekday() + 1):
        moment = monday + timedelta(days=day)
        # The morning's stretches (lying down), at the morning slot's time: each fills it.
        morning = moment.replace(hour=7, minute=10)
        if morning < now:
            play(store, morning, routine="bed")
            done += 1
    refresh(place.app.state.clinic, place.people["p"].id, now)  # type: ignore[attr-defined]

    week = rows_of(place.client("dr_a").get("/clinic").text)["Ivy Week"]["This week"]

    # The article's plan: knee press, rotation and pelvic tilt morning and evening, the
    # chair twist in the day: at least two slots a day, every day.
    done_text, planned_text = week.split(" of ")
    assert int(planned_text) >= 14
    assert int(done_text) <= done
    assert int(done_text) == done


def test_a_patients_own_write_refreshes_their_row(place: Clinic) -> None:
    """The server's hook: a diary entry saved by the patient shows at once."""
    patient = place.client("pat_a")
    token = csrf_of(patient, "/diary")
    saved = patient.post(
        "/diary", data={"csrf": token, "pain": "7", "note": ""}, follow_redirects=False
    )
    assert saved.status_code == 303, saved.text[:500]

    rows = rows_of(place.client("dr_a").get("/clinic").text)

    assert rows["Sam Patel"]["Pain now"] == "7 / 10"
    assert rows["Sam Patel"]["Since the start"] == "no change (from 7)"


def test_a_clinician_sees_only_their_own_patients(place: Clinic) -> None:
    rows = rows_of(place.client("dr_b").get("/clinic").text)

    assert list(rows) == ["Kim Lee"]


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("name", ["Amy", "Bob", "Cat", "Sam Patel"]),
        ("-name", ["Sam Patel", "Cat", "Bob", "Amy"]),
        ("pain", ["Cat", "Amy", "Bob", "Sam Patel"]),
        ("-pain", ["Bob", "Amy", "Cat", "Sam Patel"]),
        ("nonsense", ["Sam Patel", "Amy", "Bob", "Cat"]),
    ],
)
def test_the_list_sorts_by_a_column_either_way(
    place: Clinic, sort: str, expected: list[str]
) -> None:
    now = wall_now()
    for key, name, pain in (("a", "Amy", 5), ("b", "Bob", 8), ("c", "Cat", 1)):
        store = add_patient(place, key, name)
        play(store, now - timedelta(hours=2))
        add_entry(store, at=now - timedelta(hours=1), zone="UTC", pain=pain, note=None)
        refresh(place.app.state.clinic, place.people[key].id, now)  # type: ignore[attr-defined]
    # Sam Patel: never played, joined today: no attention, no pain yet.
    if sort == "nonsense":
        # Needing attention first: make Sam the only one.
        add_entry(store_of(place, "pat_a"), at=now, zone="UTC", pain=3, note=None)
        play(store_of(place, "pat_a"), now - timedelta(days=3), "pain_stop")
        refresh(place.app.state.clinic, place.people["pat_a"].id, now)  # type: ignore[attr-defined]

    page = place.client("dr_a").get("/clinic", params={"sort": sort}).text

    assert names_in_order(page) == expected


def test_sorting_links_keep_the_search_and_say_their_direction(place: Clinic) -> None:
    page = place.client("dr_a").get("/clinic", params={"sort": "name", "q": "sam"}).text
    soup = BeautifulSoup(page, "html.parser")

    active = soup.find("th", attrs={"aria-sort": True})
    assert active is not None and active["aria-sort"] == "ascending"
    assert active.a["href"] == "/clinic?sort=-name&q=sam"
    others = [th.a["href"] for th in soup.find_all("th") if th is not active]
    assert "/clinic?sort=pain&q=sam" in others


def test_search_finds_patients_by_part_of_their_name(place: Clinic) -> None:
    for key, name in (("a", "Jo Smith"), ("b", "Jon Smithers"), ("c", "Kit Brown")):
        add_patient(place, key, name)
    client = place.client("dr_a")

    assert sorted(rows_of(client.get("/clinic", params={"q": "SMITH"}).text)) == [
        "Jo Smith",
        "Jon Smithers",
    ]
    none = client.get("/clinic", params={"q": "100%_"}).text
    assert "No patient of yours has “100%_” in their name." in none


def test_inviting_a_patient_shows_the_code_once_with_its_link_and_qr(place: Clinic) -> None:
    client = place.client("dr_a")
    token = csrf_of(client, "/clinic")

    made = client.post("/clinic/invite", data={"csrf": token, "name": "  Lee   Park "})

    assert made.status_code == 200
    soup = BeautifulSoup(made.text, "html.parser")
    section = soup.find("section", class_="invite")
    assert section.h2.get_text() == "Invitation for Lee Park"
    code = section.find("p", class_="code").get_text().strip()
    assert section.find("a")["href"].endswith(f"/join?code={code}")
    assert section.find("svg") is not None
    again = client.get("/clinic").text
    assert code not in again
    stranger = place.client()
    joined = stranger.post(
        "/join",
        follow_redirects=False,
        data={
            "csrf": csrf_of(stranger, "/join"),
            "code": code,
            "email": "lee@clinic.test",
            "password": PASSWORD,
            "again": PASSWORD,
        },
    )
    assert joined.status_code == 303, joined.text[:500]


def test_an_invitation_without_a_name_is_refused_beside_the_field(place: Clinic) -> None:
    client = place.client("dr_a")

    refused = client.post("/clinic/invite", data={"csrf": csrf_of(client, "/clinic"), "name": " "})

    assert refused.status_code == 400
    soup = BeautifulSoup(refused.text, "html.parser")
    assert soup.find("input", id="name")["aria-invalid"] == "true"
    assert soup.find(id="name-error").get_text() == (
        "Give a name, as the person would like to be called."
    )


def test_a_patient_or_an_admin_cannot_open_the_list(place: Clinic) -> None:
    assert place.client("pat_a").get("/clinic").status_code == 403
    assert place.client("admin").get("/clinic").status_code == 403
    assert place.client().get("/clinic", follow_redirects=False).status_code == 303


def kept_at(place: Clinic, who: str) -> Any:
    from sqlalchemy import select

    from easeback.server.schema import patient_status

    with place.app.state.clinic.connect() as connection:  # type: ignore[attr-defined]
        return connection.execute(
            select(patient_status.c.refreshed_utc).where(
                patient_status.c.patient_id == place.people[who].id
            )
        ).scalar()


def test_a_pain_stop_from_the_phone_shows_once_its_ending_arrives(place: Clinic) -> None:
    """Events that leave a session going change nothing on the list and are not read
    again; the batch that ends it with a pain stop is."""
    screened_store(store_of(place, "pat_a"))
    phone = place.client("pat_a")
    phone.headers["X-CSRF-Token"] = csrf_of(phone, "/today")
    opened = phone.post("/api/sessions", json={"routine": "default"})
    assert opened.status_code == 201, opened.text
    after_opening = kept_at(place, "pat_a")
    assert after_opening is not None
    events = browser_pain_stop(wall_now())
    path = f"/api/sessions/{opened.json()['id']}/events"

    assert phone.post(path, json={"events": events[:2]}).status_code < 300
    assert kept_at(place, "pat_a") == after_opening
    assert phone.post(path, json={"events": events[2:]}).status_code < 300

    rows = rows_of(place.client("dr_a").get("/clinic").text)
    assert rows["Sam Patel"]["Needs attention"].startswith("Stopped for pain on ")
    assert rows["Sam Patel"]["Last pain stop"] != "never"


def test_a_long_list_comes_in_pages_sorted_across_all_of_them(place: Clinic) -> None:
    """53 patients: the list reads their summary rows only (these have no store at
    all), sorts all of them, and draws 50 a page."""
    from sqlalchemy import insert

    from easeback.server.schema import accounts
    from easeback.store.schema import to_utc

    with place.app.state.clinic.begin() as connection:  # type: ignore[attr-defined]
        connection.execute(
            insert(accounts),
            [
                {
                    "id": f"{n:032x}",
                    "role": "patient",
                    "email": f"many{n}@clinic.test",
                    "name": f"Many {n:02d}",
                    "password_hash": "x",
                    "clinician_id": place.people["dr_a"].id,
                    "created_utc": to_utc(wall_now()),
                }
                for n in range(52)
            ],
        )
    client = place.client("dr_a")

    first = client.get("/clinic", params={"sort": "-name"}).text
    second = client.get("/clinic", params={"sort": "-name", "page": "2"}).text

    assert names_in_order(first)[:2] == ["Sam Patel", "Many 51"]
    assert len(names_in_order(first)) == 50
    assert names_in_order(second) == ["Many 02", "Many 01", "Many 00"]
    soup = BeautifulSoup(first, "html.parser")
    pages = soup.find("nav", attrs={"aria-label": "Pages of the list"})
    assert " ".join(pages.p.get_text().split()).startswith("Patients 1 to 50 of 53.")
    assert pages.a["href"] == "/clinic?sort=-name&page=2"
    assert names_in_order(client.get("/clinic", params={"page": "99"}).text)[-1] == "Sam Patel"


def test_a_summary_that_cannot_be_kept_neither_fails_nor_hides_the_patients_write(
    place: Clinic, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """The list's summary is kept for the clinician; a fault while keeping it must not
    turn the patient's saved entry into an error (the phone would resend it forever
    and refuse to begin a session while it waits)."""
    from easeback.clinician import status

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("the summary could not be kept")

    monkeypatch.setattr(status, "refresh", broken)
    patient = place.client("pat_a")
    token = csrf_of(patient, "/today")
    sent = patient.post(
        "/api/diary",
        json={"id": "6b1f0c9e-2d4a-4e8b-9c7d-0a1b2c3d4e5f", "at": wall_now().isoformat()}
        | {"pain": 6, "note": "a private note"},
        headers={"X-CSRF-Token": token},
    )

    assert sent.status_code == 201, sent.text[:500]
    assert [e.pain for e in entries(store_of(place, "pat_a"))][-1] == 6
    kept = [r for r in caplog.records if "summary" in r.getMessage()]
    assert kept and all("private" not in r.getMessage() for r in caplog.records)
