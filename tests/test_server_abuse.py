"""Bad input and abuse on a clinic's server (issue 13, part 6): wrong passwords,
invitations that cannot be used, a patient's login tried on another patient's
records, a clinician asking for someone else's patient, ids that are not ids. Each is
refused without saying more than it must, changes nothing, and is kept in the audit
log, which (like the server's log) holds no health data, no names and no emails.

Time is a fake wall clock (``easeback.usecases.clock.wall_now``); nothing sleeps."""

from __future__ import annotations

import asyncio
import logging
import re
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import unquote

import pytest
from fastapi import FastAPI, Request
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

import easeback.usecases.clock
from easeback.server.accounts import (
    MAX_FAILURES_PER_ACCOUNT,
    MAX_FAILURES_PER_ADDRESS,
    make_invite,
)
from easeback.server.guard import patient_for
from easeback.server.schema import accounts, audit, invites
from easeback.server.tenancy import scoped
from easeback.store.schema import metadata as store_metadata
from helpers import browser_pain_stop, screened_store
from server_helpers import PASSWORD, PUBLIC_URL, SECRET, Clinic, clinic, csrf_of

WRONG = "The email address or the password is wrong. Check both and try again."
NOT_VALID = (
    "This invitation code is not valid: it may be mistyped, used already or expired "
    "(codes last 7 days). Ask your clinician for a new one."
)
NO_PATIENT = "There is no patient of yours at this address."
B_NOTE = "Numb toes since Tuesday"  # B's health data


class Wall:
    """The wall clock every server module reads, moved only by the test."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC).replace(microsecond=0)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, by: timedelta) -> None:
        self.now += by


@pytest.fixture
def wall(monkeypatch: pytest.MonkeyPatch) -> Wall:
    fake = Wall()
    monkeypatch.setattr(easeback.usecases.clock, "wall_now", fake)
    return fake


@pytest.fixture
def built(postgres_url: str, wall: Wall) -> Iterator[Clinic]:
    """A clinic whose two patients have each played a session stopped for pain and
    written a diary note; a clinician's page about one patient (``/clinic/patients/
    {patient_id}/probe``) reaches the patient the one way such pages do."""
    with clinic(postgres_url) as made:
        app: FastAPI = made.app  # type: ignore[assignment]

        @app.get("/clinic/patients/{patient_id}/probe")
        def probe(request: Request, patient_id: str) -> dict[str, str]:
            found, _ = patient_for(request, patient_id, "test page")
            return {"name": found.name}

        for patient in ("pat_a", "pat_b"):
            screened_store(scoped(app.state.clinic, made.people[patient].id))
        yield made


def browser(made: Clinic, who: str | None = None, address: str = "testclient") -> TestClient:
    client = TestClient(made.app, base_url=PUBLIC_URL, client=(address, 50000))  # type: ignore[arg-type]
    if who is not None:
        log_in(client, made.people[who].email)
    client.get("/login")
    client.headers["X-CSRF-Token"] = client.cookies["easeback_csrf"]
    return client


def log_in(client: TestClient, email: str, password: str = PASSWORD) -> Any:
    return client.post(
        "/login",
        data={"csrf": csrf_of(client), "email": email, "password": password},
        follow_redirects=False,
    )


def played(client: TestClient) -> str:
    """A session stopped for pain, and a diary note, as the phone sends them."""
    session_id: str = client.post("/api/sessions", json={"routine": "bed"}).json()["id"]
    events = browser_pain_stop(datetime.now(UTC))
    assert client.post(f"/api/sessions/{session_id}/events", json={"events": events}).is_success
    return session_id


def engine_of(made: Clinic) -> Engine:
    engine: Engine = made.app.state.clinic  # type: ignore[attr-defined]
    return engine


def store_counts(made: Clinic, who: str) -> dict[str, int]:
    with scoped(engine_of(made), made.people[who].id).connect() as connection:
        return {
            t.name: connection.execute(select(func.count()).select_from(t)).scalar_one()
            for t in store_metadata.sorted_tables
        }


def audit_rows(made: Clinic) -> list[dict[str, Any]]:
    with engine_of(made).connect() as connection:
        rows = connection.execute(select(audit).order_by(audit.c.id)).mappings().all()
    return [dict(r) for r in rows]


def account_count(made: Clinic) -> int:
    with engine_of(made).connect() as connection:
        return connection.execute(select(func.count()).select_from(accounts)).scalar_one()


# --- wrong passwords --------------------------------------------------------------------


def test_after_five_wrong_passwords_even_the_right_one_waits_15_minutes(
    built: Clinic, wall: Wall
) -> None:
    client = browser(built)
    email = built.people["pat_a"].email
    for _ in range(MAX_FAILURES_PER_ACCOUNT):
        wrong = log_in(client, email, "not my password at all")
        assert wrong.status_code == 400
        assert WRONG in wrong.text
        wall.advance(timedelta(minutes=2))

    throttled = log_in(client, email)

    assert throttled.status_code == 429
    assert "Too many wrong passwords for this account or from this network" in throttled.text
    # The first failure was 10 minutes ago: it stops counting in 5 minutes.
    assert int(throttled.headers["Retry-After"]) == 5 * 60 + 1
    assert "easeback_login" not in throttled.headers.get("set-cookie", "")
    wall.advance(timedelta(minutes=5, seconds=1))
    assert log_in(client, email).status_code == 303


def test_failures_older_than_15_minutes_do_not_count(built: Clinic, wall: Wall) -> None:
    client = browser(built)
    email = built.people["pat_a"].email
    for _ in range(MAX_FAILURES_PER_ACCOUNT - 1):
        log_in(client, email, "not my password at all")
    wall.advance(timedelta(minutes=15, seconds=1))
    for _ in range(MAX_FAILURES_PER_ACCOUNT - 1):
        log_in(client, email, "not my password at all")

    assert log_in(client, email).status_code == 303


def test_one_address_trying_many_accounts_is_throttled_after_30(built: Clinic) -> None:
    guesser = browser(built, address="203.0.113.9")
    for n in range(MAX_FAILURES_PER_ADDRESS):
        assert log_in(guesser, f"someone{n}@clinic.test", "summer2026!!").status_code == 400

    throttled = log_in(guesser, built.people["pat_b"].email)

    assert throttled.status_code == 429
    assert int(throttled.headers["Retry-After"]) == 15 * 60 + 1
    # Patient B on their own network is not held up by someone else's guessing.
    assert log_in(browser(built, address="198.51.100.7"), built.people["pat_b"].email).is_redirect


def test_one_ipv6_network_changing_address_at_each_guess_is_throttled_as_one(
    built: Clinic,
) -> None:
    """A single IPv6 connection is given a /64 of its own: 2**64 addresses to guess
    from, one each time, unless the network counts as one address."""
    for n in range(MAX_FAILURES_PER_ADDRESS):
        guesser = browser(built, address=f"2001:db8:5:7::{n + 1:x}")
        assert log_in(guesser, f"someone{n}@clinic.test", "summer2026!!").status_code == 400

    moved = browser(built, address="2001:db8:5:7:ffff::9")
    assert log_in(moved, built.people["pat_b"].email).status_code == 429
    # A neighbouring network is another household.
    assert log_in(
        browser(built, address="2001:db8:5:8::1"), built.people["pat_b"].email
    ).is_redirect


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example",
        "/\\evil.example",
        "/\t/evil.example",
        "/\n/evil.example",
        "\t//evil.example",
        "javascript:alert(1)",
    ],
)
def test_after_logging_in_the_next_page_is_always_on_this_site(built: Clinic, target: str) -> None:
    client = browser(built)
    form = {"csrf": csrf_of(client), "email": built.people["pat_a"].email}
    form |= {"password": PASSWORD, "next": target}

    answer = client.post("/login", data=form, follow_redirects=False)

    # A browser drops tabs and newlines from an address and reads \ as /.
    seen = re.sub(r"[\t\n\r]", "", answer.headers["location"]).replace("\\", "/")
    assert answer.status_code == 303
    assert seen.startswith("/")
    assert not seen.startswith("//")


# --- invitations ------------------------------------------------------------------------


def invite(made: Clinic, maker: str, name: str) -> str:
    """An invitation made now, by the fake clock."""
    with engine_of(made).begin() as connection:
        return make_invite(
            connection,
            SECRET,
            maker=made.people[maker],
            name=name,
            now=easeback.usecases.clock.wall_now(),
        )


def join(client: TestClient, code: str, email: str) -> Any:
    form = {"csrf": csrf_of(client, "/join"), "code": code, "email": email}
    form |= {"password": PASSWORD, "again": PASSWORD}
    return client.post("/join", data=form, follow_redirects=False)


def mistyped(code: str) -> str:
    swap = "7" if code[0] != "7" else "8"
    return swap + code[1:]


@pytest.mark.parametrize("how", ["expired", "used", "mistyped"])
def test_an_invitation_that_cannot_be_used_is_refused_in_the_same_words(
    built: Clinic, wall: Wall, how: str
) -> None:
    code = invite(built, "dr_a", "Robin Park")
    if how == "expired":
        wall.advance(timedelta(days=7, seconds=1))
    if how == "used":
        assert join(browser(built), code, "robin@example.org").status_code == 303
    if how == "mistyped":
        code = mistyped(code)
    before = account_count(built)

    refused = join(browser(built), code, "someone.else@example.org")

    assert refused.status_code == 400
    assert NOT_VALID in refused.text
    assert "Robin Park" not in refused.text
    assert account_count(built) == before
    assert audit_rows(built)[-1] | {"at_utc": None, "id": None} == {
        "id": None,
        "at_utc": None,
        "actor_id": None,
        "patient_id": None,
        "action": "join",
        "outcome": "400",
        "address": "testclient",
    }


def test_an_invitation_is_good_until_it_expires_and_then_only_once(
    built: Clinic, wall: Wall
) -> None:
    code = invite(built, "dr_a", "Robin Park")
    wall.advance(timedelta(days=6, hours=23))

    assert join(browser(built), code.lower().replace("-", " "), "robin@example.org").is_redirect
    with engine_of(built).connect() as connection:
        assert connection.execute(select(invites.c.used_utc)).scalar_one() is not None


# --- one patient's login on another's records -------------------------------------------


def test_a_patients_login_on_another_patients_session_finds_nothing_and_changes_nothing(
    built: Clinic,
) -> None:
    a, b = browser(built, "pat_a"), browser(built, "pat_b")
    played(a)
    b_session = played(b)
    b_before, a_before = store_counts(built, "pat_b"), store_counts(built, "pat_a")
    events = {"events": browser_pain_stop(datetime.now(UTC))}

    answers = [
        a.get(f"/api/sessions/{b_session}"),
        a.get(f"/api/sessions/{b_session}/track.mp3"),
        a.post(f"/api/sessions/{b_session}/events", json=events),
        a.post(f"/api/sessions/{b_session}/pain", json={"moment": "after", "value": 9}),
    ]

    assert [r.status_code for r in answers] == [404, 404, 404, 404]
    for answer in answers:
        assert answer.json()["detail"] == f"no session with id {b_session}"
    assert store_counts(built, "pat_b") == b_before
    assert store_counts(built, "pat_a") == a_before
    refusals = [r for r in audit_rows(built) if r["outcome"] == "404"]
    assert [(r["actor_id"], r["action"]) for r in refusals] == [
        (built.people["pat_a"].id, "GET /api/sessions/{session_id}"),
        (built.people["pat_a"].id, "GET /api/sessions/{session_id}/track.{fmt}"),
        (built.people["pat_a"].id, "POST /api/sessions/{session_id}/events"),
        (built.people["pat_a"].id, "POST /api/sessions/{session_id}/pain"),
    ]


def test_another_patients_event_ids_in_a_body_stay_in_the_senders_own_records(
    built: Clinic,
) -> None:
    a, b = browser(built, "pat_a"), browser(built, "pat_b")
    b_session = played(b)
    b_events = b.get(f"/api/sessions/{b_session}").json()["events"]
    b_before = store_counts(built, "pat_b")
    a_session = a.post("/api/sessions", json={"routine": "bed"}).json()["id"]
    same_ids = browser_pain_stop(datetime.now(UTC))
    assert {e["id"] for e in same_ids} == {e["id"] for e in b_events}

    answer = a.post(f"/api/sessions/{a_session}/events", json={"events": same_ids})

    assert answer.json()["stored"] == len(same_ids)
    assert [e["id"] for e in a.get(f"/api/sessions/{a_session}").json()["events"]] == [
        e["id"] for e in same_ids
    ]
    assert b.get(f"/api/sessions/{b_session}").json()["events"] == b_events
    assert store_counts(built, "pat_b") == b_before


# --- a clinician and someone else's patient ---------------------------------------------


def test_a_clinician_asking_for_someone_elses_patient_gets_the_answer_for_no_one(
    built: Clinic,
) -> None:
    a_id = built.people["pat_a"].id
    mine = browser(built, "dr_a").get(f"/clinic/patients/{a_id}/probe")
    other = browser(built, "dr_b")

    theirs = other.get(f"/clinic/patients/{a_id}/probe")
    nobody = other.get(f"/clinic/patients/{uuid.uuid4().hex}/probe")

    assert mine.status_code == 200
    assert (theirs.status_code, nobody.status_code) == (404, 404)
    assert NO_PATIENT in theirs.text
    assert theirs.text.replace(a_id, "ID") == nobody.text.replace(nobody.url.path[17:49], "ID")
    assert "Sam Patel" not in theirs.text
    rows = [(r["actor_id"], r["patient_id"], r["outcome"]) for r in audit_rows(built)]
    assert (built.people["dr_a"].id, a_id, "ok") in rows
    assert (built.people["dr_b"].id, a_id, "404") in rows
    # A sees who read their records, and not who was refused.
    account = browser(built, "pat_a").get("/account")
    assert "Dr Okafor" in account.text
    assert "Dr Berg" not in account.text


# --- ids that are not ids ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "path", "status"),
    [
        ("pat_a", "/api/sessions/not-a-uuid", 422),
        ("pat_a", f"/api/sessions/{uuid.UUID(int=7)}", 404),
        ("pat_a", "/api/sessions/' OR '1'='1", 422),
        ("pat_a", f"/api/sessions/{uuid.UUID(int=7)}/track.wav", 422),
        ("pat_a", "/stretches/..%2F..%2Fetc%2Fpasswd", 404),
        ("pat_a", "/stretches/" + "x" * 5000, 404),
        ("pat_a", "/export/passwd", 404),
        ("pat_a", "/pictures/knee-press/..%2Fsecret.svg", 404),
        ("dr_a", "/clinic/patients/not-an-id/probe", 404),
        ("dr_a", "/clinic/patients/" + "A" * 32 + "/probe", 404),
        ("dr_a", "/clinic/patients/p_x%3B DROP SCHEMA clinic/probe", 404),
        ("dr_a", "/clinic/patients/%00/probe", 404),
    ],
)
def test_ids_that_are_not_ids_are_not_found_never_a_server_error(
    built: Clinic, who: str, path: str, status: int
) -> None:
    answer = browser(built, who).get(path)

    assert answer.status_code == status
    assert "Traceback" not in answer.text


@pytest.mark.parametrize(
    "path",
    [
        "/static/../admin",
        "/static/..%2F..%2Fadmin",
        "/pictures/..%2F..%2Fadmin",
        "/pictures/../today",
        "//admin",
        "/admin/../today",
        "/ADMIN",
        "/login/../account",
    ],
)
def test_paths_dressed_as_public_ones_open_nothing(built: Clinic, path: str) -> None:
    status, body = sent_as_written(built.app, path)

    assert status in (303, 404), body[:200]
    assert "Clinicians" not in body
    assert "Your account" not in body


def sent_as_written(app: Any, path: str) -> tuple[int, str]:
    """GET ``path`` as written (curl --path-as-is), which an HTTP client would first
    tidy; the server hands the app the path percent-decoded, as uvicorn does."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "https",
        "path": unquote(path),
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"clinic.test")],
        "client": ("203.0.113.5", 50000),
        "server": ("clinic.test", 443),
    }
    answer: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        answer.append(message)

    # In a thread of its own: a browser test earlier in the run leaves Playwright's
    # event loop running in this one.
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(lambda: asyncio.run(app(scope, receive, send))).result()
    body = b"".join(m.get("body", b"") for m in answer if m["type"] == "http.response.body")
    return answer[0]["status"], body.decode()


# --- what the logs keep -----------------------------------------------------------------


def test_the_logs_of_every_attempt_hold_no_names_emails_or_health_data(
    built: Clinic, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    a, b, dr_a = browser(built, "pat_a"), browser(built, "pat_b"), browser(built, "dr_a")
    b_session = played(b)
    b.post("/diary", data={"csrf": b.cookies["easeback_csrf"], "pain": "7", "note": B_NOTE})
    before = len(audit_rows(built))

    log_in(browser(built), built.people["pat_b"].email, "wrong guess 1")
    join(browser(built), "ZZZZZ-ZZZZZ", "intruder@example.org")
    a.get(f"/api/sessions/{b_session}")
    a.get("/admin")
    dr_a.get(f"/clinic/patients/{built.people['pat_b'].id}/probe")
    browser(built).get("/diary")

    rows = audit_rows(built)[before:]
    assert [(r["action"], r["outcome"]) for r in rows] == [
        ("log in", "400"),
        ("join", "400"),
        ("GET /api/sessions/{session_id}", "404"),
        ("admin page", "403"),
        ("test page", "404"),
        ("patient page", "401"),
    ]
    people = [p for person in built.people.values() for p in (person.name, person.email)]
    # The server's own lines (the test's HTTP client logs the addresses it asks for).
    logged = [r.getMessage() for r in caplog.records if r.name.startswith("easeback")]
    kept = repr(rows) + "\n".join(logged)
    for secret in [*people, "intruder@example.org", B_NOTE, b_session, "ZZZZZ"]:
        assert secret not in kept
    assert len([line for line in logged if line.startswith("refused")]) == len(rows)
