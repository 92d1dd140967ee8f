"""The installed app in Debian's Chromium: the manifest and the service worker, a
whole session played with no network (a pain stop in it, the page reloaded while
offline) whose every event reaches the server once when the network is back, a diary
entry written offline, the outbox's move from localStorage to IndexedDB, and the
screen kept awake only while the session plays."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from browser import (
    Server,
    check_own_origin,
    open_page,
    outbox_left,
    play_with_pain_stop,
    run_axe,
    send_what_waits,
    stored_events,
    wait_until_kept,
    worker_scope,
)
from easeback.store import open_store
from easeback.store.diary import entries
from easeback.store.sessions import list_sessions
from easeback.wording import messages

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")


@pytest.fixture
def app_page(chromium: Any, ready_server: Server) -> Iterator[Any]:
    """A page whose service worker may run, with Playwright's fake clock; afterwards,
    no request went to another host and no script error was thrown."""
    page = open_page(chromium, ready_server, worker=True)
    page.clock.install()
    yield page
    check_own_origin(page, ready_server)
    assert page.errors == []
    page.context.close()


def installed(page: Any, server: Server) -> None:
    """Open Today with the network, and wait until the worker has kept today's pages."""
    page.goto("/today")
    assert worker_scope(page) == f"{server.base}/"
    slots = page.evaluate(
        "[...document.querySelectorAll('a[href^=\"/play?slot=\"]')].map(a => a.getAttribute('href'))"
    )
    assert slots, "Today offers no session to keep"
    plans = [link.replace("/play?", "/api/play?") for link in slots]
    wait_until_kept(page, ["/today", "/stretches", "/diary", *slots, *plans])


def test_the_app_can_be_installed(app_page: Any, ready_server: Server) -> None:
    app_page.goto("/today")
    href = app_page.locator("link[rel=manifest]").get_attribute("href")
    manifest = app_page.evaluate("(href) => fetch(href).then((r) => r.json())", href)

    assert manifest["name"].startswith("easeback")
    assert manifest["display"] == "standalone"
    scope = f"{ready_server.base}{manifest['scope']}"
    assert f"{ready_server.base}{manifest['start_url']}".startswith(scope)
    for icon in manifest["icons"]:
        size = app_page.evaluate(
            """(src) => new Promise((done) => { const i = new Image();
                i.onload = () => done([i.naturalWidth, i.naturalHeight]);
                i.onerror = () => done(null); i.src = src; })""",
            icon["src"],
        )
        assert size is not None, icon["src"]
        if icon["sizes"] != "any":
            assert "x".join(map(str, size)) == icon["sizes"]
    assert worker_scope(app_page) == scope


def test_a_session_played_with_no_network_reaches_the_server_once_each(
    app_page: Any, ready_server: Server, db_path: Path
) -> None:
    installed(app_page, ready_server)
    slot = app_page.locator('a[href^="/play?slot="]').first.get_attribute("href")
    app_page.context.set_offline(True)
    failed: list[str] = []
    app_page.on("requestfailed", lambda r: failed.append(f"{r.method} {r.url}"))

    # Today, from the copy kept: said to be a copy (so the worker's own fetch failed too).
    app_page.goto("/today")
    note = app_page.locator(".offline-note")
    assert note.inner_text().startswith("Offline: showing what was saved at ")
    session = play_with_pain_stop(app_page, slot)

    # It played with its pictures, from the worker's copies; only the sends failed.
    assert app_page.locator("#figure-art svg").count() == 1
    assert failed and all(line.startswith("POST ") for line in failed), failed
    made = app_page.evaluate("window.easeback.state.seq")
    waiting = app_page.evaluate(
        "async () => (await window.easeback.outbox.all()).map((item) => item.url)"
    )
    assert waiting[0] == "/api/sessions"  # the session's opening first, then its events
    assert set(waiting[1:]) == {f"/api/sessions/{session}/events"}

    app_page.reload()  # still offline: the copy again, and the outbox is still there
    assert app_page.locator(".offline-note").count() == 1
    assert outbox_left(app_page) == len(waiting)
    assert list_sessions(open_store(str(db_path)), now=_now()) == []
    assert stored_events(str(db_path), session) == []

    app_page.context.set_offline(False)
    send_what_waits(app_page)

    rows = stored_events(str(db_path), session)
    assert [r["seq"] for r in rows] == list(range(made))
    assert len({r["client_id"] for r in rows}) == made
    assert rows[-1]["kind"] == "pain_stop"
    (stored,) = list_sessions(open_store(str(db_path)), now=_now())
    assert (stored.id, stored.outcome) == (session, "pain_stop")


def _now() -> Any:
    from datetime import UTC, datetime

    return datetime.now(UTC)
