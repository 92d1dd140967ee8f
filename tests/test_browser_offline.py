"""The installed app in Debian's Chromium: the manifest and the service worker, a
whole session played with no network (a pain stop in it, the page reloaded while
offline) whose every event reaches the server once when the network is back, a diary
entry written offline, the outbox's move from localStorage to IndexedDB, and the
screen kept awake only while the session plays."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from browser import (
    Server,
    check_own_origin,
    keep_today,
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
    keep_today(app_page, ready_server)
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


def cached_paths(page: Any) -> list[str]:
    paths: list[str] = page.evaluate(
        """async () => {
            const found = [];
            for (const name of await caches.keys()) {
                for (const request of await (await caches.open(name)).keys()) {
                    const url = new URL(request.url);
                    found.push(url.pathname + url.search);
                }
            }
            return found;
        }"""
    )
    return paths


def test_the_worker_keeps_no_answer_that_changes_data(app_page: Any, ready_server: Server) -> None:
    keep_today(app_page, ready_server)
    play_with_pain_stop(app_page, "/play?routine=bed")
    send_what_waits(app_page)
    app_page.get_by_role("button", name="Skip").click()  # no rating after

    kept = cached_paths(app_page)
    assert not [p for p in kept if p.startswith("/api/sessions")]
    assert not [p for p in kept if p.startswith(("/check", "/settings", "/history"))]
    assert "/api/play?routine=bed" in kept


def test_offline_a_routine_the_safety_rules_refused_stays_refused(
    app_page: Any, ready_server: Server, db_path: Path
) -> None:
    keep_today(app_page, ready_server)  # the morning's page kept while it was allowed
    # A pain stop, stored while online: the safety questions come first now, and the
    # answer the worker keeps for the morning says so.
    play_with_pain_stop(app_page, "/play?routine=bed")
    send_what_waits(app_page)
    refused = app_page.evaluate("fetch('/api/play?slot=morning').then((r) => r.json())")
    assert refused["allowed"] is False
    app_page.context.set_offline(True)

    app_page.goto("/play?slot=morning")
    app_page.get_by_role("button", name="Begin").click()

    error = app_page.locator("#begin-error")
    error.wait_for()
    assert error.inner_text() == refused["refusal"]
    assert not app_page.get_by_role("button", name=messages.WEB_PAIN_KEY).is_visible()
    assert outbox_left(app_page) == 0  # nothing opened, nothing to send


def test_offline_a_routine_never_kept_says_so(app_page: Any, ready_server: Server) -> None:
    app_page.goto("/play?routine=office")
    wait_until_kept(app_page, ["/api/play?routine=office"])
    # The page is open, but what it needs to begin is not kept (as if the network went
    # before the worker had fetched it).
    app_page.evaluate(
        "async () => { for (const n of await caches.keys()) "
        "await (await caches.open(n)).delete(location.origin + '/api/play?routine=office'); }"
    )
    app_page.context.set_offline(True)

    app_page.get_by_role("button", name="Begin").click()

    error = app_page.locator("#begin-error")
    error.wait_for()
    assert error.inner_text() == messages.WEB_NOT_SAVED_OFFLINE
    assert app_page.get_by_role("button", name="Begin").is_enabled()


def test_a_diary_entry_written_offline_is_kept_and_sent_once(
    app_page: Any, ready_server: Server, db_path: Path
) -> None:
    keep_today(app_page, ready_server)
    app_page.context.set_offline(True)
    app_page.goto("/diary")
    assert app_page.locator(".offline-note").count() == 1

    app_page.get_by_label("4", exact=True).check()
    app_page.get_by_label("A note (optional)").fill("stiff after the drive")
    app_page.get_by_role("button", name="Save in my diary").click()

    assert app_page.get_by_role("status").filter(has_text="Kept on this device").inner_text() == (
        messages.WEB_DIARY_KEPT
    )
    assert app_page.get_by_label("A note (optional)").input_value() == ""
    assert entries(open_store(str(db_path))) == []
    assert run_axe(app_page) == []

    app_page.context.set_offline(False)
    send_what_waits(app_page)
    # A second page sends again what it finds (nothing now) and the entry is not doubled.
    app_page.goto("/diary")
    app_page.goto("/today")
    send_what_waits(app_page)

    (stored,) = entries(open_store(str(db_path)))
    assert (stored.pain, stored.note) == (4, "stiff after the drive")


def test_items_an_older_page_kept_in_local_storage_are_moved_and_sent_once(
    app_page: Any, ready_server: Server, db_path: Path
) -> None:
    app_page.goto("/stretches")
    token = app_page.locator('meta[name="csrf-token"]').get_attribute("content")
    session = app_page.evaluate(
        """(token) => fetch('/api/sessions', {method: 'POST', headers: {'Content-Type':
            'application/json', 'X-CSRF-Token': token}, body: JSON.stringify({routine: 'bed'})})
            .then((r) => r.json()).then((s) => s.id)""",
        token,
    )
    at = "2026-11-25T07:00:00Z"
    events = [
        {
            "id": f"00000000-0000-4000-8000-00000000000{n}",
            "seq": n,
            "kind": kind,
            "phase": 0,
            "position_ms": 0,
            "offset_ms": n,
            "at": at,
        }
        for n, kind in enumerate(["started", "phase", "quit"])
    ]
    url = f"/api/sessions/{session}/events"
    # As an older page left them: the first without an id of its own.
    old = [
        {"url": url, "body": {"events": events[:1]}},
        {"id": "a", "url": url, "body": {"events": events[1:2]}},
        {"id": "b", "url": url, "body": {"events": events[2:]}},
    ]
    app_page.route("**/api/sessions/*/events", lambda route: route.abort())
    app_page.evaluate("(old) => localStorage.setItem('easeback-outbox', JSON.stringify(old))", old)

    app_page.goto("/today")  # every page sends what waits: moved over, not yet sent
    deadline = time.monotonic() + 10
    while app_page.evaluate("localStorage.getItem('easeback-outbox')") != "[]":
        assert time.monotonic() < deadline, "never moved to IndexedDB"
        app_page.wait_for_timeout(20)
    in_db = app_page.evaluate(
        """() => new Promise((done) => { const r = indexedDB.open('easeback');
            r.onsuccess = () => {
              const g = r.result.transaction('outbox').objectStore('outbox').getAll();
              g.onsuccess = () => done(g.result.map((i) => i.body.events[0].kind));
            }; })"""
    )
    assert in_db == ["started", "phase", "quit"]  # in the order they were made
    assert stored_events(str(db_path), session) == []

    app_page.unroute("**/api/sessions/*/events")
    send_what_waits(app_page)

    rows = stored_events(str(db_path), session)
    assert [r["kind"] for r in rows] == ["started", "phase", "quit"]


WAKE_LOCK_STUB = """
window.wakeLog = [];
const sentinels = [];
Object.defineProperty(navigator, 'wakeLock', { configurable: true, value: {
  request: async (type) => {
    window.wakeLog.push('request ' + type);
    const sentinel = new EventTarget();
    sentinel.released = false;
    sentinel.release = async () => { if (!sentinel.released) { sentinel.released = true;
      window.wakeLog.push('release'); sentinel.dispatchEvent(new Event('release')); } };
    sentinels.push(sentinel);
    return sentinel;
  } } });
// The system lets go when the page is hidden, as a browser does.
window.loseWakeLock = () => { for (const s of sentinels) if (!s.released) { s.released = true;
  window.wakeLog.push('lost'); s.dispatchEvent(new Event('release')); } };
"""


def test_the_screen_is_kept_awake_while_playing_and_let_go_on_pause_and_at_the_end(
    app_page: Any,
) -> None:
    app_page.add_init_script(WAKE_LOCK_STUB)
    app_page.goto("/play?routine=bed")
    app_page.get_by_role("button", name="Begin").click()
    app_page.get_by_role("button", name=messages.WEB_PAIN_KEY).wait_for()
    log = lambda: app_page.evaluate("window.wakeLog")  # noqa: E731
    assert log() == ["request screen"]

    app_page.get_by_role("button", name="Pause").click()
    assert log()[-1] == "release"
    app_page.get_by_role("button", name="Carry on").click()
    app_page.wait_for_function("window.wakeLog.length === 3")
    assert log()[-1] == "request screen"

    app_page.evaluate(
        "window.loseWakeLock(); document.dispatchEvent(new Event('visibilitychange'))"
    )
    app_page.wait_for_function("window.wakeLog.length === 5")
    assert log()[-2:] == ["lost", "request screen"]

    app_page.get_by_role("button", name=messages.WEB_PAIN_KEY).click()
    assert log() == [
        "request screen",
        "release",
        "request screen",
        "lost",
        "request screen",
        "release",
    ]


def test_without_a_wake_lock_the_session_plays_and_nothing_is_said(app_page: Any) -> None:
    app_page.add_init_script("Object.defineProperty(navigator, 'wakeLock', {value: undefined})")
    play_with_pain_stop(app_page, "/play?routine=bed", after_ms=5_000)

    assert app_page.locator("#begin-error").inner_text() == ""
    assert app_page.errors == []


@pytest.mark.parametrize("path", ["/today", "/diary", "/play?routine=bed"])
def test_pages_shown_from_the_kept_copy_pass_axe_and_do_not_shift(
    app_page: Any, ready_server: Server, path: str
) -> None:
    keep_today(app_page, ready_server)
    app_page.goto("/play?routine=bed")
    wait_until_kept(app_page, ["/play?routine=bed"])
    app_page.add_init_script(
        "window.shifts = 0; new PerformanceObserver((list) => { for (const e of"
        " list.getEntries()) if (!e.hadRecentInput) window.shifts += e.value; })"
        ".observe({type: 'layout-shift', buffered: true});"
    )
    app_page.context.set_offline(True)

    app_page.goto(path)
    app_page.wait_for_load_state("load")
    app_page.clock.run_for(1_000)

    assert app_page.locator(".offline-note").is_visible()
    assert run_axe(app_page) == []
    assert app_page.evaluate("window.shifts") == 0


def test_a_new_version_of_the_app_replaces_the_old_cache(
    app_page: Any, ready_server: Server
) -> None:
    from easeback.web.pwa import worker_lists

    # What an older release's worker left behind.
    app_page.route("**/sw.js", lambda route: route.abort())
    app_page.goto("/stretches")
    app_page.evaluate(
        "async () => (await caches.open('easeback-0.0.1-aaaaaaaaaaaa-bbbbbbbbbbbb'))"
        ".put('/today', new Response('old'))"
    )
    app_page.unroute("**/sw.js")

    keep_today(app_page, ready_server)

    assert app_page.evaluate("caches.keys()") == [worker_lists()["cache"]]
    assert app_page.evaluate("caches.match('/today').then((r) => r.text())") != "old"


def test_begin_while_easeback_is_stopped_and_nothing_was_kept_says_so(
    page: Any, ready_server: Server, db_path: Path
) -> None:
    page.goto("/play?routine=bed")  # no worker here: nothing kept
    ready_server.stop()

    page.get_by_role("button", name="Begin").click()

    error = page.locator("#begin-error")
    error.wait_for()
    cause = messages.WEB_STORE_CAUSES["down"]
    assert error.inner_text() == messages.WEB_BEGIN_DELAYED.format(cause=cause)
    ready_server.start()
    page.get_by_role("button", name="Begin").click()
    page.get_by_role("button", name=messages.WEB_PAIN_KEY).wait_for()
    assert len(list_sessions(open_store(str(db_path)), now=_now())) == 1
