"""Standard fixtures: a fresh SQLite file, an engine on it, the CLI runner, a fake
clock and keys pressed at chosen moments. Nothing here sleeps."""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from easeback.cli import app as cli_app
from easeback.store import open_store


class FakeClock:
    """A monotonic clock that only moves when a test (or ScriptedKeys) moves it."""

    def __init__(self, start: float = 1000.0) -> None:
        self.t = start

    def now(self) -> float:
        return self.t

    def advance(self, seconds: float) -> None:
        self.t += seconds


class ScriptedKeys:
    """A KeySource whose keys arrive at given clock times.

    ``read(timeout)`` moves the fake clock forward: to the next key's time when it
    comes before the timeout, else to the timeout plus ``late`` (a late wake-up).
    """

    def __init__(
        self, clock: FakeClock, script: list[tuple[float, str]], late: float = 0.0
    ) -> None:
        self.clock = clock
        self.script = sorted(script)
        self.late = late

    def read(self, timeout: float | None) -> str | None:
        target = math.inf if timeout is None else self.clock.t + timeout
        if self.script and self.script[0][0] <= target:
            at, key = self.script.pop(0)
            self.clock.t = max(self.clock.t, at)
            return key
        if timeout is None:
            raise AssertionError("the player waits for a key that never comes")
        self.clock.t = target + self.late
        return None


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "easeback.db"


@pytest.fixture
def engine(db_path: Path) -> Iterator[Engine]:
    engine = open_store(str(db_path))
    yield engine
    engine.dispose()


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def cli(runner: CliRunner, db_path: Path):  # type: ignore[no-untyped-def]
    """Run ``easeback --db <temp file> ARGS...`` in-process; returns the Result."""

    def invoke(*args: str, input: str | None = None):  # type: ignore[no-untyped-def]
        return runner.invoke(cli_app, ["--db", str(db_path), *args], input=input)

    return invoke


# --- the web app ----------------------------------------------------------------------

from helpers import WEB_BASE, WEB_PORT  # noqa: E402


@pytest.fixture
def app(db_path: Path):  # type: ignore[no-untyped-def]
    """The web app on a fresh temporary SQLite file (its engine disposed afterwards)."""
    from easeback.web.app import Settings, create_app

    made = create_app(Settings(db=str(db_path), port=WEB_PORT))
    yield made
    made.state.engine.dispose()


@pytest.fixture
def client(app):  # type: ignore[no-untyped-def]
    """A browser-like client: it has visited a page, so it holds the CSRF cookie, and
    ``client.token`` is the value forms and API calls must echo."""
    from fastapi.testclient import TestClient

    with TestClient(app, base_url=WEB_BASE) as test_client:
        test_client.get("/stretches")
        test_client.token = test_client.cookies["easeback_csrf"]  # type: ignore[attr-defined]
        test_client.headers["X-CSRF-Token"] = test_client.token  # type: ignore[attr-defined]
        yield test_client


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    """Debian's Chromium, driven by Playwright: one for the whole run, since Playwright's
    sync API runs one event loop per thread (every browser test module shares it)."""
    from playwright.sync_api import sync_playwright

    from browser import AXE, CHROMIUM, CHROMIUM_ARGS

    assert CHROMIUM.exists(), "browser tests need Debian's chromium: apt-get install chromium"
    assert AXE.exists(), "browser tests need axe-core: npm ci (make test runs it)"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def ready_server(db_path: Path) -> Iterator[Any]:
    """`easeback serve` on a store whose person has given consent and answered the
    safety questions, so every page and the player open at once."""
    from browser import running
    from helpers import screened_store

    screened_store(open_store(str(db_path)))
    with running(db_path) as live:
        yield live


@pytest.fixture
def page(chromium: Any, ready_server: Any) -> Iterator[Any]:
    """A page on the ready server with Playwright's fake clock; afterwards, no request
    went to another host and no script error was thrown."""
    from browser import check_own_origin, open_page

    page = open_page(chromium, ready_server)
    page.clock.install()
    yield page
    check_own_origin(page, ready_server)
    assert page.errors == []
    page.context.close()


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """One throwaway PostgreSQL server for the whole run (tests/postgres.py), started
    the first time a test asks for it; the URL of its maintenance database."""
    from postgres import cluster

    with cluster() as url:
        yield url


@pytest.fixture
def postgres_url(postgres_server: str) -> Iterator[str]:
    """A fresh, empty database on the throwaway server, dropped afterwards."""
    from postgres import fresh_database

    with fresh_database(postgres_server) as url:
        yield url
