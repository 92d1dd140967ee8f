"""Who may open what on a clinic's server, as one table (issue 13, part 6).

Every route of the server app, read from ``app.routes`` (so a route added later with
no row here fails ``test_every_route_has_a_row``), is tried by six callers: nobody,
patient A, patient B, A's clinician, a clinician of neither, and the admin. Path
parameters hold patient A's real ids, so B and the other clinician are trying A's
things. The sync protocol's routes (issue 14) want a device's token, never a cookie:
every caller above is refused there, and A's own device token, sent alone, opens
nothing else. The expected status comes from rules by kind of route (public, patient,
clinician, one patient's page for their clinician, admin) plus a few overrides.
Every refusal must leave the data as it was and name nothing of A's.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
from bs4 import BeautifulSoup
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from easeback.server.accounts import Account, create_account
from easeback.server.schema import metadata as clinic_metadata
from easeback.server.tenancy import scoped
from easeback.store.schema import metadata as store_metadata
from easeback.usecases.clock import wall_now
from helpers import browser_pain_stop, screened_store
from postgres import fresh_database
from server_helpers import PASSWORD, Clinic, clinic

CALLERS = ("anonymous", "pat_a", "pat_b", "dr_a", "dr_c", "admin")
# A's linked device, with its token and no login cookie: as anonymous everywhere but sync.
DEVICE = "device_a"
SYNC = {"Easeback-Sync": "1"}
ROLE = {"pat_a": "patient", "pat_b": "patient", "dr_a": "clinician", "dr_c": "clinician"}
ROLE["admin"] = "admin"
# What a clinic keeps that a refused request may still add to: the record of it.
LOGGED = {"audit", "login_failures"}
A_NOTE = "Pins and needles down the left leg after gardening"  # A's health data


# --- the routes -------------------------------------------------------------------------


def server_routes(routes: list[Any]) -> list[tuple[str, str]]:
    """(method, path template) of every route, however the routers are nested; a
    mounted folder of files is one GET route."""
    found: list[tuple[str, str]] = []
    for route in routes:
        inner = getattr(route, "original_router", None)
        if inner is not None:
            found += server_routes(inner.routes)
        elif getattr(route, "methods", None):
            found += [(m, route.path) for m in sorted(route.methods - {"HEAD"})]
        else:  # a Mount
            found.append(("GET", route.path + "/{path}"))
    return found


PUBLIC = (
    "/login",
    "/join",
    "/logout",
    "/static/{path}",
    "/pictures/{stretch}/{picture}.svg",
    "/manifest.webmanifest",
    "/sw.js",
    "/favicon.ico",
    "/healthz",
    "/api/devices",
)
SYNC_PREFIX = "/api/sync/"
ONE_PATIENT = "/clinic/patients/{patient_id}"


def kind_of(template: str) -> str:
    """public, admin, clinician, one-patient (a clinician's page about one patient),
    sync (a device's, with its token) or patient (the person's own app)."""
    if template in PUBLIC:
        return "public"
    if template.startswith(SYNC_PREFIX):
        return "sync"
    if template == ONE_PATIENT or template.startswith(ONE_PATIENT + "/"):
        return "one-patient"
    for prefix, kind in (("/admin", "admin"), ("/clinic", "clinician")):
        if template == prefix or template.startswith(prefix + "/"):
            return kind
    return "patient"


# --- the world the callers share --------------------------------------------------------


@dataclass
class World:
    clinic: Clinic
    people: dict[str, Account]
    clients: dict[str, TestClient]
    sessions: dict[str, str]  # patient key -> one of their session ids
    secrets: list[str] = field(default_factory=list)  # what no refusal may show of A
    device: str = ""  # A's linked device's id

    @property
    def app(self) -> FastAPI:
        return self.clinic.app  # type: ignore[return-value]

    @property
    def engine(self) -> Engine:
        engine: Engine = self.app.state.clinic
        return engine


def session_of(client: TestClient) -> str:
    """A session stopped for pain, played through the API as the phone does."""
    started = client.post("/api/sessions", json={"routine": "bed", "pain_before": 3})
    assert started.status_code == 201, started.text
    session_id: str = started.json()["id"]
    events = browser_pain_stop(datetime.now(UTC))
    stored = client.post(f"/api/sessions/{session_id}/events", json={"events": events})
    assert stored.status_code == 200, stored.text
    return session_id


def logged_in(world_clinic: Clinic, who: str) -> TestClient:
    """A browser logged in as ``who`` ("anonymous": nobody) holding its CSRF token, which
    API calls echo in their header and forms in their ``csrf`` field."""
    client = world_clinic.client(None if who == "anonymous" else who)
    client.get("/login")
    client.headers["X-CSRF-Token"] = client.cookies["easeback_csrf"]
    return client


@pytest.fixture(scope="module")
def clinic_url(postgres_server: str) -> Iterator[str]:
    """One database for the module: the table's requests share one clinic."""
    with fresh_database(postgres_server) as url:
        yield url


@pytest.fixture(scope="module")
def world(clinic_url: str) -> Iterator[World]:
    """A's and B's records alike (screened, a session stopped for pain, a diary note),
    so B asking for B's own things answers as A does for A's."""
    with clinic(clinic_url) as built:
        engine = built.app.state.clinic  # type: ignore[attr-defined]
        with engine.begin() as connection:
            built.people["dr_c"] = create_account(
                connection,
                role="clinician",
                email="dr_c@clinic.test",
                name="Dr Castellanos",
                password=PASSWORD,
                now=wall_now(),
            )
        for patient in ("pat_a", "pat_b"):
            screened_store(scoped(engine, built.people[patient].id))
        clients = {who: logged_in(built, who) for who in CALLERS}
        sessions = {p: session_of(clients[p]) for p in ("pat_a", "pat_b")}
        for patient, words in (("pat_a", A_NOTE), ("pat_b", "Stiff after the drive")):
            token = clients[patient].cookies["easeback_csrf"]
            note = clients[patient].post("/diary", data={"csrf": token, "pain": "6", "note": words})
            assert note.status_code == 200, note.text[:300]
        a = built.people["pat_a"]
        linked = clients["anonymous"].post(
            "/api/devices",
            json={"code": None, "email": a.email, "password": PASSWORD, "device": "A's laptop"},
            headers=SYNC,
        )
        assert linked.status_code == 201, linked.text
        clients[DEVICE] = logged_in(built, "anonymous")
        clients[DEVICE].headers["Authorization"] = f"Bearer {linked.json()['token']}"
        clients[DEVICE].headers.update(SYNC)
        secrets = [a.name, a.email, a.id, sessions["pat_a"], A_NOTE, "A's laptop"]
        yield World(built, built.people, clients, sessions, secrets, linked.json()["device"])
        for client in clients.values():
            client.close()


# --- what to send -----------------------------------------------------------------------

PARAMS: dict[str, Callable[[World], str]] = {
    "patient_id": lambda w: w.people["pat_a"].id,
    "session_id": lambda w: w.sessions["pat_a"],
    "stretch_id": lambda w: "knee-press",
    "stretch": lambda w: "knee-press",
    "picture": lambda w: "start",
    "kind": lambda w: "csv",
    "fmt": lambda w: "mp3",
    "path": lambda w: "app.css",
    "device_id": lambda w: w.device,
}


def fill(template: str, world: World) -> str:
    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        assert name in PARAMS, f"no value for the path parameter {{{name}}}: add it to PARAMS"
        return PARAMS[name](world)

    return re.sub(r"\{(\w+)\}", value, template)


def all_no() -> dict[str, str]:
    from easeback.core.screening import QUESTION_IDS

    return {**dict.fromkeys(QUESTION_IDS, "no"), "clinician_checked": "yes", "pain_settled": "yes"}


SETTINGS = {
    "wake": "06:30",
    "bed": "23:00",
    "work_start": "08:30",
    "work_end": "17:00",
    "work_days": ["mon", "tue", "wed", "thu", "fri"],
    "zone": "Europe/London",
}
EVENT = {
    "id": "0e5a7c1e-9d1b-4c55-8a7e-3f2b1c0d9e8f",
    "seq": 9,
    "kind": "paused",
    "phase": 0,
    "position_ms": 0,
    "offset_ms": 50,
    "at": "2026-03-02T07:00:00+00:00",
}

# A minimal valid body for each route that changes data: JSON for the API, a form
# (its CSRF field added when sent) for pages. A route that changes data and has no row
# here fails the table, so that what is asserted is who may call it, not the body.
BODIES: dict[tuple[str, str], Callable[[str], dict[str, Any]]] = {
    ("POST", "/api/sessions"): lambda who: {"json": {"routine": "bed"}},
    ("POST", "/api/sessions/{session_id}/events"): lambda who: {"json": {"events": [EVENT]}},
    ("POST", "/api/sessions/{session_id}/pain"): lambda who: {
        "json": {"moment": "after", "value": 2}
    },
    ("POST", "/settings"): lambda who: {"data": SETTINGS},
    ("POST", "/check"): lambda who: {"data": all_no()},
    ("POST", "/clear"): lambda who: {"data": {"on": "", "by": ""}},
    ("POST", "/diary"): lambda who: {"data": {"pain": "4", "note": ""}},
    ("POST", "/api/diary"): lambda who: {
        "json": {"id": str(uuid.uuid4()), "at": "2026-11-29T07:00:00Z", "pain": 4}
    },
    ("POST", "/diary/psfs"): lambda who: {
        "data": {"activity-0": "Socks", "rating-0": "5", "activity-1": "Sit", "rating-1": "4"}
        | {"activity-2": "Garden", "rating-2": "3"}
    },
    ("POST", "/prescription"): lambda who: {
        "data": {},
        "files": {"file": ("rx.json", b"{}", "application/json")},
    },
    ("POST", "/prescription/confirm"): lambda who: {"data": {"pending": "gone"}},
    ("POST", "/prescription/remove"): lambda who: {"data": {}},
    ("POST", "/flare-up"): lambda who: {"data": {}},
    ("POST", "/flare-up/check"): lambda who: {"data": {"answer": "better"}},
    ("POST", "/flare-up/end"): lambda who: {"data": {}},
    # Public forms, sent with what does no harm: an unknown address, a wrong code.
    ("POST", "/login"): lambda who: {
        "data": {"email": f"nobody-{who}@clinic.test", "password": "not the password"}
    },
    ("POST", "/join"): lambda who: {
        "data": {"code": "ZZZZ-ZZZZ", "email": "x@clinic.test", "password": "p", "again": "p"}
    },
    ("POST", "/logout"): lambda who: {"data": {}},
    ("POST", "/admin/invite"): lambda who: {"data": {"name": "Dr Newcomer"}},
    # Linking: a login that does not exist. Unlinking A's device: A's or an admin's.
    ("POST", "/api/devices"): lambda who: {
        "json": {"code": None, "email": f"nobody-{who}@clinic.test", "password": "wrong"}
        | {"device": "Laptop"},
        "headers": SYNC,
    },
    ("POST", "/account/devices/{device_id}/revoke"): lambda who: {"data": {}},
    ("POST", "/admin/devices/{device_id}/revoke"): lambda who: {"data": {}},
    # Erasing: nobody has this address, so nothing of A's is erased by the table.
    ("POST", "/admin/patient/erase"): lambda who: {
        "data": {"email": "nobody@clinic.test", "confirm": "nobody@clinic.test"}
    },
}

# --- what to expect ---------------------------------------------------------------------

# What the rightful caller gets when it is not 200 (a form that redirects after saving,
# a page that has nothing to confirm).
OWNER: dict[tuple[str, str], int] = {
    ("GET", "/prescription/confirm"): 400,  # nothing uploaded to confirm
    ("POST", "/api/sessions"): 201,
    ("POST", "/api/sessions/{session_id}/events"): 200,
    ("POST", "/api/sessions/{session_id}/pain"): 200,
    ("POST", "/settings"): 303,
    ("POST", "/check"): 200,
    ("POST", "/clear"): 200,
    ("POST", "/diary"): 303,
    ("POST", "/api/diary"): 201,
    ("POST", "/diary/psfs"): 303,
    ("POST", "/prescription"): 400,  # {} is no prescription: the form says why
    ("POST", "/prescription/confirm"): 400,  # nothing pending: the form says it expired
    ("POST", "/prescription/remove"): 303,
    ("POST", "/flare-up"): 303,
    ("POST", "/flare-up/check"): 303,
    ("POST", "/flare-up/end"): 303,
    ("POST", "/admin/invite"): 200,
    ("POST", "/account/devices/{device_id}/revoke"): 303,
    ("POST", "/admin/devices/{device_id}/revoke"): 303,
    ("POST", "/admin/patient/erase"): 400,  # no patient has the address
}
LOGGED_IN = tuple(c for c in CALLERS if c != "anonymous")
# Public routes: the same for everyone unless said otherwise.
PUBLIC_STATUS: dict[tuple[str, str], dict[str, int]] = {
    ("GET", "/login"): {"anonymous": 200} | dict.fromkeys(LOGGED_IN, 303),  # to their home
    ("POST", "/login"): dict.fromkeys(CALLERS, 400),  # wrong password
    ("GET", "/join"): dict.fromkeys(CALLERS, 200),
    ("POST", "/join"): dict.fromkeys(CALLERS, 400),  # no such invitation
    ("POST", "/logout"): dict.fromkeys(CALLERS, 303),
    ("GET", "/static/{path}"): dict.fromkeys(CALLERS, 200),
    ("GET", "/pictures/{stretch}/{picture}.svg"): dict.fromkeys(CALLERS, 200),
    ("GET", "/manifest.webmanifest"): dict.fromkeys(CALLERS, 200),
    ("GET", "/sw.js"): dict.fromkeys(CALLERS, 200),
    ("GET", "/favicon.ico"): dict.fromkeys(CALLERS, 200),
    ("GET", "/healthz"): dict.fromkeys(CALLERS, 200),
    ("POST", "/api/devices"): dict.fromkeys(CALLERS, 401),  # no such login
}
# Anyone logged in is sent on from the front door to their own home.
# The account page (where everyone logs out) is for every role.
OVERRIDES: dict[tuple[str, str], dict[str, int]] = {
    ("GET", "/"): dict.fromkeys(LOGGED_IN, 303),
    ("GET", "/account"): dict.fromkeys(LOGGED_IN, 200),
}
PAST_THE_GUARD = 0  # a clinician's form with no body row: any answer but a refusal
REFUSED = (401, 403, 404)


def expected(method: str, template: str, who: str) -> int:
    """The status ``who`` must get from this route with A's ids in its path."""
    key = (method, template)
    kind = kind_of(template)
    if kind == "sync":
        return 401  # a cookie opens no sync route; A's own token is tried elsewhere
    if who == DEVICE:
        who = "anonymous"  # a device's token opens nothing but sync
    if kind == "public":
        return PUBLIC_STATUS[key][who]
    if who in OVERRIDES.get(key, {}):
        return OVERRIDES[key][who]
    if who == "anonymous":
        return 303 if method == "GET" and not template.startswith("/api/") else 401
    needed = "clinician" if kind == "one-patient" else kind
    if ROLE[who] != needed:
        return 403
    if kind == "one-patient" and who != "dr_a":
        return 404  # not theirs: as if A did not exist
    if (
        kind == "patient"
        and who == "pat_b"
        and ("{session_id}" in template or "{device_id}" in template)
    ):
        return 404
    if key in OWNER:
        return OWNER[key]
    if method == "GET":
        return 200
    assert kind in ("clinician", "one-patient"), f"no row for {method} {template}: add one"
    return PAST_THE_GUARD


def has_row(method: str, template: str) -> bool:
    key = (method, template)
    if kind_of(template) == "public":
        return key in PUBLIC_STATUS
    if method == "GET" or kind_of(template) == "sync":
        return True
    return (key in BODIES and key in OWNER) or kind_of(template) in ("clinician", "one-patient")


# --- what a refusal may not do ----------------------------------------------------------


def counts(world: World) -> dict[str, int]:
    """Rows in every table of A's store and of the clinic (but the logs of attempts)."""
    found: dict[str, int] = {}
    with scoped(world.engine, world.people["pat_a"].id).connect() as connection:
        for table in store_metadata.sorted_tables:
            found[f"A.{table.name}"] = connection.execute(
                select(func.count()).select_from(table)
            ).scalar_one()
    with world.engine.connect() as connection:
        for table in clinic_metadata.sorted_tables:
            if table.name not in LOGGED:
                found[table.name] = connection.execute(
                    select(func.count()).select_from(table)
                ).scalar_one()
    return found


def send(world: World, who: str, method: str, template: str) -> tuple[Any, str]:
    """The request, and everything the caller typed (path and body) as text."""
    path = fill(template, world)
    client = world.clients[who]
    if (method, template) == ("POST", "/logout") and who != DEVICE:
        client = logged_in(world.clinic, who)  # a login of its own to end
    kwargs: dict[str, Any] = {}
    if kind_of(template) == "sync":
        kwargs["headers"] = SYNC  # the protocol's version: refused for the token, not it
    if method != "GET":
        kwargs |= BODIES.get((method, template), lambda who: {"data": {}})(who)
        if "json" not in kwargs:
            kwargs["data"] = {**kwargs.get("data", {}), "csrf": client.cookies["easeback_csrf"]}
    response = client.request(method, path, follow_redirects=False, **kwargs)
    return response, path + repr(kwargs)


def said(response: Any) -> str:
    """The words of an answer, for a failure's message."""
    if "html" not in response.headers.get("content-type", ""):
        return response.text[:200]
    main = BeautifulSoup(response.text, "html.parser").find("main")
    return " ".join((main or BeautifulSoup(response.text, "html.parser")).get_text(" ").split())[
        :300
    ]


def check(world: World, who: str, method: str, template: str) -> list[str]:
    """What is wrong with this caller's answer from this route (nothing: [])."""
    want = expected(method, template, who)
    before = counts(world)
    response, sent = send(world, who, method, template)
    after = counts(world)
    got = response.status_code
    where = f"{method} {template} as {who}"
    problems: list[str] = []
    if want == PAST_THE_GUARD:
        if got in REFUSED or got >= 500:
            problems.append(f"{where}: {got}, expected an answer past the guard")
    elif got != want:
        problems.append(f"{where}: {got}, expected {want}: {said(response)}")
    to_login = response.headers.get("location", "").startswith("/login?next=")
    guarded = kind_of(template) != "public"
    if who in ("anonymous", DEVICE) and guarded and got == 303 and not to_login:
        problems.append(f"{where}: sent to {response.headers['location']!r}, not to log in")
    refused = want in REFUSED or (who in ("anonymous", DEVICE) and guarded)
    if who not in ("pat_a", "dr_a"):
        changed = {k for k in before if k.startswith("A.") and before[k] != after[k]}
        if changed:
            problems.append(f"{where}: changed A's records: {sorted(changed)}")
    if refused:
        changed = {k for k in before if before[k] != after[k]}
        if changed:
            problems.append(f"{where}: a refusal changed {sorted(changed)}")
        shown = [s for s in world.secrets if s in response.text and s not in sent]
        if shown:
            problems.append(f"{where}: the refusal shows A's {shown}")
    return problems


# --- the table --------------------------------------------------------------------------


def test_every_route_has_a_row(world: World) -> None:
    missing = [
        f"{method} {template}"
        for method, template in server_routes(world.app.routes)
        if not has_row(method, template)
    ]
    assert missing == []


def test_the_table_sees_the_routes_of_every_kind(world: World) -> None:
    kinds = {kind_of(t) for _, t in server_routes(world.app.routes)}
    assert {"public", "patient", "admin", "sync"} <= kinds
    assert len(server_routes(world.app.routes)) > 40


@pytest.mark.parametrize("who", CALLERS)
def test_each_route_answers_each_caller_as_the_rules_say(world: World, who: str) -> None:
    problems: list[str] = []
    for method, template in server_routes(world.app.routes):
        if has_row(method, template):
            problems += check(world, who, method, template)
    assert not problems, "\n".join(problems)


def test_a_devices_token_alone_opens_no_page_and_no_api_but_sync(world: World) -> None:
    problems: list[str] = []
    for method, template in server_routes(world.app.routes):
        if has_row(method, template) and kind_of(template) != "sync":
            problems += check(world, DEVICE, method, template)
    assert not problems, "\n".join(problems)
    # The token is a real one all along (A may have unlinked it in the table by now).
    still = world.clients[DEVICE].delete("/api/sync/device")
    assert still.status_code == 204 or still.json()["problem"] == "revoked", still.text


@pytest.mark.parametrize(
    ("who", "template", "want"),
    [
        ("dr_a", "/clinic/patients/{patient_id}", 200),
        ("dr_c", "/clinic/patients/{patient_id}", 404),
        ("pat_b", "/clinic/patients/{patient_id}", 403),
        ("admin", "/clinic/patients/{patient_id}/report.pdf", 403),
        ("anonymous", "/clinic/patients/{patient_id}", 303),
        ("dr_c", "/clinic", 200),
        ("pat_a", "/clinic", 403),
        ("pat_b", "/api/sessions/{session_id}/events", 404),
        ("admin", "/api/today", 403),
        ("anonymous", "/api/today", 401),
        ("dr_a", "/today", 403),
        ("dr_a", "/account", 200),
        ("admin", "/account", 200),
        ("pat_a", "/api/sync/device", 401),
        ("admin", "/admin/patient", 200),
        ("dr_a", "/admin/patient", 403),
        (DEVICE, "/api/today", 401),
        (DEVICE, "/account", 303),
    ],
)
def test_the_rules_read_as_the_issue_says(who: str, template: str, want: int) -> None:
    method = "POST" if template.endswith("/events") else "GET"
    assert expected(method, template, who) == want
