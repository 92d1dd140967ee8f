"""Shared parts of the browser tests: a real server process, Debian's Chromium driven
by Playwright, and axe-core from npm."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    # The player's audio track starts after the session opens on the server, a moment
    # after the Begin key; a person's tap allows it, as does this for the tests.
    "--autoplay-policy=no-user-gesture-required",
]
AXE = Path(__file__).parent.parent / "node_modules" / "axe-core" / "axe.min.js"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class Server:
    """`easeback serve` in its own process, on a store file, stoppable and restartable
    on the same port (as a person would restart it)."""

    def __init__(self, db: Path, port: int) -> None:
        self.db = db
        self.port = port
        self.base = f"http://127.0.0.1:{port}"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        easeback = Path(sys.executable).parent / "easeback"
        self.process = subprocess.Popen(
            [str(easeback), "--db", str(self.db), "serve", "--port", str(self.port)],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                output = self.process.stdout.read().decode() if self.process.stdout else ""
                raise RuntimeError(f"easeback serve exited: {output}")
            try:
                with urllib.request.urlopen(f"{self.base}/api/today", timeout=1) as reply:  # noqa: S310
                    if reply.status == 200:
                        return
            except OSError:
                time.sleep(0.05)  # polling for readiness, not waiting out time
        raise RuntimeError("easeback serve did not answer within 30 s")

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        if self.process.stdout:
            self.process.stdout.close()
        self.process = None


@contextmanager
def running(db: Path) -> Iterator[Server]:
    server = Server(db, free_port())
    server.start()
    try:
        yield server
    finally:
        server.stop()


def run_axe(page: Any) -> list[dict[str, Any]]:
    """axe-core's violations on the page as it stands (WCAG 2.x A and AA rules)."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    result: dict[str, Any] = page.evaluate(
        """async () => await axe.run(document, {
            runOnly: {type: 'tag', values: [
                'wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice',
            ]},
            resultTypes: ['violations'],
        })"""
    )
    return [
        {"id": v["id"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
    ]


def open_page(chromium: Any, server: Any, *, dark: bool = False, worker: bool = False) -> Any:
    """A page of a new browser context on ``server`` that records every request, page
    error and Content-Security-Policy violation (``page.requests_seen``, ``page.errors``).
    The service worker is blocked unless ``worker`` (the tests of the installed app):
    elsewhere a page must be what the server sent, not a kept copy."""
    context = chromium.new_context(
        base_url=server.base,
        has_touch=True,
        color_scheme="dark" if dark else "light",
        service_workers="allow" if worker else "block",
    )
    page = context.new_page()
    page.requests_seen = []  # type: ignore[attr-defined]
    page.on("request", lambda request: page.requests_seen.append(request.url))
    page.errors = []  # type: ignore[attr-defined]
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    # A blocked inline style or script is no exception: listen for the policy itself.
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation', e => "
        "console.error('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI))"
    )
    page.on(
        "console",
        lambda m: page.errors.append(m.text) if m.text.startswith("CSP violation") else None,
    )
    return page


def phase_line(page: Any) -> str:
    """The player's big line as words ('Hold · left'; shown in capitals, its spaces
    unbreakable)."""
    text: str = page.locator("#phase-label").text_content()
    return text.replace("\u00a0", " ")


def check_own_origin(page: Any, server: Server) -> None:
    """Every request the page made went to the app itself."""
    origin = urlsplit(server.base).netloc
    foreign = [u for u in page.requests_seen if urlsplit(u).netloc not in ("", origin)]
    assert foreign == []
    assert page.requests_seen, "the page made no requests at all?"


# --- the installed app, offline (issue 13). Also used by the server's HTTPS test, with a
# server object that has ``base`` and a store URL of its own. ------------------------------


def worker_scope(page: Any) -> str:
    """The scope of the service worker that controls the page's origin, once ready."""
    scope: str = page.evaluate("navigator.serviceWorker.ready.then((r) => r.scope)")
    return scope


def wait_until_kept(page: Any, paths: list[str], *, limit_s: float = 30) -> None:
    """Wait (real time: the worker fetches on its own) until the worker's cache holds
    every one of ``paths`` (addresses relative to the site's root)."""
    deadline = time.monotonic() + limit_s
    missing = paths
    while time.monotonic() < deadline:
        missing = page.evaluate(
            """async (paths) => {
                const missing = [];
                for (const path of paths) {
                    const address = new URL(path, location.origin).href;
                    if (!(await caches.match(address))) missing.push(path);
                }
                return missing;
            }""",
            paths,
        )
        if not missing:
            return
        page.wait_for_timeout(50)
    raise AssertionError(f"the service worker never kept {missing}")


def keep_today(page: Any, server: Any) -> None:
    """Open Today with the network, check the worker controls the whole site, and wait
    until it has kept today's pages, each of today's sessions and what they need to
    begin with no network."""
    page.goto("/today")
    assert worker_scope(page) == f"{server.base}/"
    links = page.locator('a[href^="/play?slot="]')
    slots = [links.nth(i).get_attribute("href") for i in range(links.count())]
    assert slots, "Today offers no session to keep"
    plans = [link.replace("/play?", "/api/play?") for link in slots]
    wait_until_kept(page, ["/today", "/stretches", "/diary", *slots, *plans])


def outbox_left(page: Any) -> int:
    """How many items wait in the page's outbox (IndexedDB and localStorage alike)."""
    count: int = page.evaluate(
        """async () => {
            const flush = document.querySelector('script[src*="/js/outbox-flush.js"]').src;
            const { Outbox } = await import(flush.replace('outbox-flush.js', 'outbox.js'));
            return (await new Outbox('').all()).length;
        }"""
    )
    return count


def play_with_pain_stop(page: Any, path: str, *, after_ms: int = 30_000) -> str:
    """Open a player page (from the worker's copy when offline), begin, let the fake
    clock run ``after_ms``, then stop for pain with the big button. Returns the
    session's id (made by the page). The page must have Playwright's clock installed."""
    from easeback.wording import messages

    page.goto(path)
    page.get_by_role("button", name="Begin").click()
    pain = page.get_by_role("button", name=messages.WEB_PAIN_KEY)
    pain.wait_for()
    page.clock.run_for(after_ms)
    pain.click()
    page.get_by_role("heading", name="Session over").wait_for()
    session_id: str = page.evaluate("window.easeback.state.session.id")
    return session_id


def send_what_waits(page: Any, *, limit_s: float = 30) -> None:
    """With the network back, let the outbox send everything: real time for requests
    in flight, the page's (fake) clock moved on while it waits to retry."""
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        if outbox_left(page) == 0:
            return
        page.evaluate("window.dispatchEvent(new Event('online'))")
        page.clock.run_for(1_000)
        page.wait_for_timeout(50)
    raise AssertionError(f"{outbox_left(page)} items never left the outbox")


def stored_events(store: str, session_id: str) -> list[dict[str, Any]]:
    """A session's events as the store holds them (a SQLite path or any SQLAlchemy
    URL, PostgreSQL included), in order."""
    from sqlalchemy import create_engine, text

    url = store if "://" in store else f"sqlite:///{store}"
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                text(
                    "SELECT seq, kind, phase_index, position_ms, client_id FROM events "
                    "WHERE session_id = :id ORDER BY seq"
                ),
                {"id": session_id},
            )
            return [dict(r._mapping) for r in rows]
    finally:
        engine.dispose()
