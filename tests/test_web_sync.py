"""The local web app's Sync page, and the sync that follows a session played in the
browser: the status in words, "Sync now" with its outcome after the redirect, the
menu entry while linked, and no such page on a clinic's server."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from sqlalchemy import func, select

import easeback.usecases.clock
import easeback.usecases.syncing
from easeback.server.tenancy import scoped
from easeback.store.schema import sessions
from easeback.usecases import syncing
from easeback.web.sync_pages import syncs_of
from helpers import screened_store
from server_helpers import Clinic, clinic
from sync_helpers import START, device, play
from sync_shells import CLINIC, SERVER, StandIn, canned, linked_here, reach

NOW = START + timedelta(days=3)  # Thursday 5 March 2026, 07:00 UTC


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(easeback.usecases.clock, "wall_now", lambda: NOW)
    monkeypatch.setenv("TZ", "UTC")


@pytest.fixture
def hub(postgres_url: str) -> Iterator[Clinic]:
    with clinic(postgres_url) as made:
        yield made


@pytest.fixture
def server(hub: Clinic, monkeypatch: pytest.MonkeyPatch, db_path: Path) -> StandIn:
    """The clinic, with this test's store linked to it as "laptop"."""
    made = StandIn(hub)
    reach(monkeypatch, made)
    device(db_path.parent, made.account, "laptop")
    made.add("laptop")
    return made


def soup(response: Any) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html.parser")


def menu(response: Any) -> list[str]:
    nav = soup(response).find("nav", attrs={"aria-label": "Main"})
    assert nav is not None
    return [a.get_text(strip=True) for a in nav.find_all("a")]


def facts(response: Any) -> dict[str, str]:
    """The status list: each <dt> with its <dd>, as a screen reader reads them."""
    found = soup(response).find("dl")
    assert found is not None, response.text
    terms = [dt.get_text(" ", strip=True) for dt in found.find_all("dt")]
    values = [dd.get_text(" ", strip=True) for dd in found.find_all("dd")]
    return dict(zip(terms, values, strict=True))


def phone_sessions(hub: Clinic, who: str = "pat_a") -> int:
    phone = scoped(hub.app.state.clinic, hub.people[who].id)  # type: ignore[attr-defined]
    with phone.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(sessions)).scalar_one())


# --- the page ------------------------------------------------------------------------


def test_the_menu_shows_sync_only_while_the_store_is_linked(
    client: TestClient, db_path: Path
) -> None:
    before = menu(client.get("/today"))
    linked_here(db_path.parent)
    after = menu(client.get("/today"))

    assert "Sync" not in before
    assert after[-1] == "Sync"


def test_your_day_always_leads_to_the_sync_page(client: TestClient) -> None:
    link = soup(client.get("/settings")).find("a", href="/sync")

    assert link is not None
    assert "how to link" in link.get_text()


def test_a_store_not_linked_is_told_how_to_link(client: TestClient) -> None:
    page = soup(client.get("/sync"))

    assert page.h1.get_text() == "Sync with your clinic"
    assert "This easeback is not linked to a clinic's server." in page.main.get_text()
    assert [c.get_text() for c in page.find_all("code", class_="command")] == [
        "easeback link CODE --server https://your-clinic.example"
    ]
    assert page.find("button", string="Sync now") is None


def test_the_page_says_what_the_store_is_linked_to_the_last_sync_and_what_waits(
    client: TestClient, app: Any, db_path: Path
) -> None:
    play(app.state.engine, "completed", START)
    linked_here(db_path.parent, last_ok=NOW - timedelta(hours=1))

    response = client.get("/sync")

    assert response.status_code == 200
    shown = facts(response)
    waiting = shown.pop("Waiting to be sent")
    assert shown == {
        "Clinic": CLINIC,
        "Server": SERVER,
        "This computer is called": "Sam's laptop",
        "Linked since": "Monday 2 March, 07:00",
        "Last sync": "Thursday 5 March, 06:00",
    }
    assert waiting.endswith("records made here")
    assert int(waiting.split()[0]) > 0
    assert soup(response).find("button", string="Sync now") is not None


def test_sync_now_without_the_form_token_is_refused_and_sends_nothing(
    client: TestClient, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    linked_here(db_path.parent)
    calls: list[str] = []
    reach(monkeypatch, canned(None, calls))

    response = client.post("/sync", data={"csrf": "not-the-token"})

    assert response.status_code == 403
    assert calls == []


def test_sync_now_syncs_and_shows_how_many_records_went_each_way(
    client: TestClient, hub: Clinic, server: StandIn, app: Any
) -> None:
    play(app.state.engine, "completed", START)
    phone = scoped(hub.app.state.clinic, server.account.id)  # type: ignore[attr-defined]
    play(phone, "completed", START + timedelta(hours=10), player="web")

    response = client.post("/sync", data={"csrf": client.token}, follow_redirects=False)  # type: ignore[attr-defined]
    shown = client.get(response.headers["location"])

    assert response.status_code == 303
    status = soup(shown).find(attrs={"role": "status"})
    assert status is not None
    words = status.get_text(" ", strip=True)
    assert words.startswith("Synced: ") and words.endswith("already there.")
    assert " 0 records sent" not in words and " 0 received" not in words
    assert phone_sessions(hub) == 2
    assert facts(shown)["Last sync"] == "Thursday 5 March, 07:00"
    assert facts(shown)["Waiting to be sent"] == "0 records made here"


def test_a_failed_sync_now_is_said_in_plain_words(
    client: TestClient, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    linked_here(db_path.parent)
    reach(monkeypatch, canned(None))

    shown = client.post("/sync", data={"csrf": client.token})  # type: ignore[attr-defined]

    alert = soup(shown).find(attrs={"role": "alert"})
    assert alert is not None
    assert alert.h2.get_text() == "Not synced: the server could not be reached"
    assert alert.p.get_text() == (
        "The server is not answering (connection refused); it may be down, try later."
    )
    assert facts(shown)["Last attempt"].startswith(
        "Failed on Thursday 5 March, 07:00: the server could not be reached."
    )


def test_a_store_erased_on_the_server_offers_no_sync_and_says_why(
    client: TestClient, db_path: Path
) -> None:
    linked_here(db_path.parent, erased_at=NOW)

    page = soup(client.get("/sync"))

    assert page.find("button", string="Sync now") is None
    note = page.find(attrs={"role": "note"})
    assert note is not None
    assert note.get_text(" ", strip=True).startswith(
        "The clinic erased your records on its server. This computer keeps its own copy "
        "of your diary and sends nothing back."
    )


# --- after a session in the browser --------------------------------------------------


def web_session(client: TestClient) -> str:
    """Open a session, play it to its end, and leave only the rating after to give."""
    from easeback.core.player import Player
    from easeback.core.timeline import Timeline

    opened = client.post("/api/sessions", json={"routine": "office"})
    assert opened.status_code == 201, opened.text
    body = opened.json()
    player = Player(Timeline.from_json(body["timeline"]), speed=1)
    made = player.start(0.0) + player.tick(10_000.0)
    events = [
        {
            "id": f"00000000-0000-4000-8000-{seq:012d}",
            "seq": seq,
            "kind": e.kind,
            "phase": e.phase,
            "position_ms": e.position_ms,
            "offset_ms": round(e.at * 1000),
            "at": NOW.isoformat(),
        }
        for seq, e in enumerate(made)
    ]
    sent = client.post(f"/api/sessions/{body['id']}/events", json={"events": events})
    assert sent.status_code == 200, sent.text
    return str(body["id"])


def test_a_session_ended_in_the_browser_is_synced_in_the_background(
    client: TestClient, app: Any, hub: Clinic, server: StandIn
) -> None:
    """The events that end the session are answered while the server still holds the
    sync; once it lets go, the session is on the server, with no rating given (a page
    closed before the rating still reaches the clinic)."""
    screened_store(app.state.engine)
    server.hold = threading.Event()

    web_session(client)  # answered (it asserts a 200) while the sync is held
    assert server.held.wait(30)
    held = list(server.paths)
    server.hold.set()
    syncs_of(app.state.engine).wait(30)

    assert held == ["GET /api/sync/hello"]  # the page's answer came first
    assert phone_sessions(hub) == 1


def test_the_rating_after_a_session_is_synced_too(
    client: TestClient, app: Any, hub: Clinic, server: StandIn
) -> None:
    screened_store(app.state.engine)
    session_id = web_session(client)
    syncs_of(app.state.engine).wait(30)

    rated = client.post(f"/api/sessions/{session_id}/pain", json={"moment": "after", "value": 2})
    syncs_of(app.state.engine).wait(30)

    assert rated.status_code == 200
    assert syncing.sync_status(app.state.engine).waiting == 0
    assert phone_sessions(hub) == 1


def test_sessions_ended_during_a_sync_are_synced_by_one_more_after_it(
    app: Any, hub: Clinic, server: StandIn
) -> None:
    """One sync at a time per store: asked twice while one runs, it runs once more."""
    from easeback.web.sync_pages import sync_soon

    server.hold = threading.Event()
    first = sync_soon(app.state.engine)
    assert server.held.wait(30)  # the first sync is under way
    second = sync_soon(app.state.engine)
    third = sync_soon(app.state.engine)
    server.hold.set()
    syncs_of(app.state.engine).wait(30)

    assert first is second is third
    assert server.paths.count("GET /api/sync/hello") == 2


def test_a_sync_that_breaks_off_in_the_background_does_not_stop_the_next_one(
    app: Any, db_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A store error in the background (another program holds the file) is logged by its
    kind alone, and the next session's sync still runs."""
    import easeback.web.sync_pages as pages

    linked_here(db_path.parent)
    runs: list[str] = []

    def breaks_once(engine: Any) -> None:
        runs.append("sync")
        if len(runs) == 1:
            raise PermissionError("the store file is held")

    monkeypatch.setattr(pages, "sync_after_session", breaks_once)
    pages.sync_soon(app.state.engine)
    syncs_of(app.state.engine).wait(30)
    pages.sync_soon(app.state.engine)
    syncs_of(app.state.engine).wait(30)

    assert runs == ["sync", "sync"]
    assert [r.getMessage() for r in caplog.records] == [
        "sync after a session broke off: PermissionError"
    ]


def test_a_store_not_linked_starts_no_sync_after_a_session(app: Any) -> None:
    from easeback.web.sync_pages import sync_soon

    assert sync_soon(app.state.engine) is None


# --- on a clinic's server ------------------------------------------------------------


def test_a_clinic_server_has_no_sync_page_and_no_sync_in_its_menu(hub: Clinic) -> None:
    """The phone writes to the server itself: there is nothing to sync there."""
    browser = hub.client("pat_a")

    assert browser.get("/sync").status_code == 404
    assert "Sync" not in menu(browser.get("/today"))
    assert soup(browser.get("/settings")).find("a", href="/sync") is None
