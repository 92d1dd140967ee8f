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


def open_page(chromium: Any, server: Server, *, dark: bool = False) -> Any:
    """A page of a new browser context on ``server`` that records every request, page
    error and Content-Security-Policy violation (``page.requests_seen``, ``page.errors``)."""
    context = chromium.new_context(
        base_url=server.base,
        has_touch=True,
        color_scheme="dark" if dark else "light",
        service_workers="block",
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
